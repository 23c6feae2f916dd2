/**
 * A TUF repository publishing `trusted_root.json`, served over real HTTP the way a Sigstore TUF
 * mirror lays it out (`/N.root.json`, `/timestamp.json`, `/snapshot.json`, `/targets.json`,
 * `/targets/<name>`). The metadata is signed by @tufjs/repo-mock with a key generated per repo.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initializeTUFRepo, tufHandlers } from "@tufjs/repo-mock";

export interface TufRepoServer {
  url: string;
  /** The repository's initial root.json, as an operator would save it for FERRY_TUF_ROOT. */
  rootPath: string;
  /** `ok`: as signed; `down`: every request answers 503; `tampered`: the target differs from what targets.json signed. */
  mode: "ok" | "down" | "tampered";
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

export async function tufRepoServer(trustedRootJson: string): Promise<TufRepoServer> {
  const repo = initializeTUFRepo([{ name: "trusted_root.json", content: trustedRootJson }]);
  const handlers = tufHandlers(repo, { metadataPathPrefix: "", targetPathPrefix: "/targets" });
  const state: { mode: TufRepoServer["mode"] } = { mode: "ok" };
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push(path);
    if (state.mode === "down") return void res.writeHead(503).end("unavailable");
    if (state.mode === "tampered" && path === "/targets/trusted_root.json")
      return void res.writeHead(200).end(trustedRootJson.replace("}", ', "tampered": true}'));
    const handler = handlers.find((h) => h.path === path);
    if (!handler) return void res.writeHead(404).end();
    const answer = handler.fn();
    res.writeHead(answer.statusCode, { "content-type": answer.contentType ?? "application/octet-stream" });
    res.end(answer.response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const rootPath = join(mkdtempSync(join(tmpdir(), "ferry-tuf-root-")), "root.json");
  writeFileSync(rootPath, JSON.stringify(repo.rootMeta.toJSON()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rootPath,
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
