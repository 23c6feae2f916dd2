import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { Probot } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { generateAppKeyPair, signAppJwt } from "../support/github/auth.js";
import type { GitHubServer } from "../support/github/server.js";
import { signPayload } from "../support/github/webhooks.js";
import { APP_ID, installationOctokit, keys, quiet, startServer } from "./helpers.js";

let server: GitHubServer;
afterEach(async () => {
  await server?.close();
});

describe("auth", () => {
  it("issues an installation token only for a JWT signed with the app's key", async () => {
    server = await startServer();
    const wrong = generateAppKeyPair();
    const forged = new Octokit({
      baseUrl: server.apiUrl,
      auth: signAppJwt(APP_ID, wrong.privateKey),
      log: quiet,
    });
    await expect(
      forged.rest.apps.createInstallationAccessToken({ installation_id: server.installationId }),
    ).rejects.toMatchObject({
      status: 401,
    });
    const otherApp = new Octokit({
      baseUrl: server.apiUrl,
      auth: signAppJwt(999, keys.privateKey),
      log: quiet,
    });
    await expect(
      otherApp.rest.apps.createInstallationAccessToken({ installation_id: server.installationId }),
    ).rejects.toMatchObject({
      status: 401,
    });

    const app = new Octokit({
      baseUrl: server.apiUrl,
      auth: signAppJwt(APP_ID, keys.privateKey),
      log: quiet,
    });
    const { data } = await app.rest.apps.createInstallationAccessToken({
      installation_id: server.installationId,
    });
    expect(data.token).toMatch(/^ghs_/);
    expect(Date.parse(data.expires_at)).toBeGreaterThan(Date.now());
  });

  it("rejects calls without a valid installation token", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "a.txt": "a" } });
    const anon = new Octokit({ baseUrl: server.apiUrl, log: quiet });
    await expect(anon.rest.repos.get({ owner: "acme", repo: "deploy" })).rejects.toMatchObject({
      status: 401,
    });
    const bad = new Octokit({ baseUrl: server.apiUrl, auth: "ghs_madeup", log: quiet });
    await expect(bad.rest.repos.get({ owner: "acme", repo: "deploy" })).rejects.toMatchObject({
      status: 401,
    });
    const octokit = await installationOctokit(server);
    expect((await octokit.rest.repos.get({ owner: "acme", repo: "deploy" })).data.default_branch).toBe(
      "main",
    );
    server.expireTokens();
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "deploy" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("works with Probot's own app authentication (GHES base URL)", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "a.txt": "a" } });
    const probot = new Probot({
      appId: APP_ID,
      privateKey: keys.privateKey,
      baseUrl: server.apiUrl,
      secret: "s",
    });
    const octokit = await probot.auth(server.installationId);
    const { data } = await octokit.rest.repos.getContent({ owner: "acme", repo: "deploy", path: "a.txt" });
    expect(Buffer.from((data as { content: string }).content, "base64").toString()).toBe("a");
  });
});

describe("git data", () => {
  it("round-trips blob → tree → commit → ref with git's SHAs", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", {
      files: { "apps/api/deployment.yaml": "image: api:1.0.0\n", "README.md": "hi\n" },
    });
    const octokit = await installationOctokit(server);
    const o = { owner: "acme", repo: "deploy" };

    const blob = await octokit.rest.git.createBlob({ ...o, content: "hello\n" });
    expect(blob.data.sha).toBe("ce013625030ba8dba906f756967f9e9ca394464a"); // `echo hello | git hash-object --stdin`

    const { data: ref } = await octokit.rest.git.getRef({ ...o, ref: "heads/main" });
    const { data: base } = await octokit.rest.git.getCommit({ ...o, commit_sha: ref.object.sha });
    const { data: tree } = await octokit.rest.git.createTree({
      ...o,
      base_tree: base.tree.sha,
      tree: [
        { path: "apps/api/deployment.yaml", mode: "100644", type: "blob", content: "image: api:1.1.0\n" },
        { path: "README.md", mode: "100644", type: "blob", sha: null },
      ],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      ...o,
      message: "Bump api",
      tree: tree.sha,
      parents: [base.sha],
    });
    expect(commit.verification?.verified).toBe(true);
    await expect(
      octokit.rest.git.createRef({ ...o, ref: "refs/heads/main", sha: commit.sha }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Reference already exists" } },
    });
    await octokit.rest.git.createRef({ ...o, ref: "refs/heads/ferry/staging/api", sha: commit.sha });
    await octokit.rest.git.updateRef({ ...o, ref: "heads/main", sha: commit.sha });

    const { data: full } = await octokit.rest.git.getTree({ ...o, tree_sha: "main", recursive: "1" });
    expect(full.tree.map((e) => e.path)).toEqual(["apps", "apps/api", "apps/api/deployment.yaml"]);
    expect(server.readFile("acme/deploy", "main", "apps/api/deployment.yaml")).toBe("image: api:1.1.0\n");
    expect(server.readFile("acme/deploy", "main", "README.md")).toBeUndefined();

    // Not a fast-forward: back to the old commit.
    await expect(
      octokit.rest.git.updateRef({ ...o, ref: "heads/main", sha: base.sha }),
    ).rejects.toMatchObject({ status: 422 });
    await octokit.rest.git.updateRef({ ...o, ref: "heads/main", sha: base.sha, force: true });

    const { data: refs } = await octokit.rest.git.listMatchingRefs({ ...o, ref: "heads/ferry/" });
    expect(refs.map((r) => r.ref)).toEqual(["refs/heads/ferry/staging/api"]);
    await octokit.rest.git.deleteRef({ ...o, ref: "heads/ferry/staging/api" });
    await expect(octokit.rest.git.getRef({ ...o, ref: "heads/ferry/staging/api" })).rejects.toMatchObject({
      status: 404,
    });
  });

  it("serves contents as base64, raw, and lists commits", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { ".github/ferry.yml": "environments: []\n" } });
    const sha = server.push("acme/deploy", {
      branch: "main",
      files: { ".github/ferry.yml": "environments: [x]\n" },
      message: "edit",
    });
    const octokit = await installationOctokit(server);
    const o = { owner: "acme", repo: "deploy" };
    const { data } = await octokit.rest.repos.getContent({ ...o, path: ".github/ferry.yml", ref: sha });
    expect(Buffer.from((data as { content: string }).content, "base64").toString()).toBe(
      "environments: [x]\n",
    );
    const raw = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...o,
      path: ".github/ferry.yml",
      mediaType: { format: "raw" },
    });
    expect(raw.data).toBe("environments: [x]\n");
    await expect(octokit.rest.repos.getContent({ ...o, path: "nope.yml" })).rejects.toMatchObject({
      status: 404,
    });
    const { data: root } = await octokit.rest.repos.getContent({ ...o, path: "" });
    expect((root as { path: string; type: string }[]).map((e) => [e.path, e.type])).toEqual([
      [".github", "dir"],
    ]);
    const { data: dir } = await octokit.rest.repos.getContent({ ...o, path: ".github" });
    expect((dir as { path: string }[]).map((e) => e.path)).toEqual([".github/ferry.yml"]);
    const commits = await octokit.rest.repos.listCommits({ ...o, sha: "main", per_page: 1 });
    expect(commits.data.map((c) => c.sha)).toEqual([sha]);
    expect(commits.headers.link).toContain('rel="next"');
    const { data: one } = await octokit.rest.repos.getCommit({ ...o, ref: sha });
    expect(one.files?.[0]).toMatchObject({
      filename: ".github/ferry.yml",
      status: "modified",
      additions: 1,
      deletions: 1,
    });
  });
});

describe("check runs", () => {
  it("creates, updates with accumulating annotations, rejects more than 50, lists by ref", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "a.yaml": "a: 1\n" } });
    const octokit = await installationOctokit(server);
    const o = { owner: "acme", repo: "deploy" };
    const head = server.resolve("acme/deploy", "main") as string;
    const annotation = (line: number) => ({
      path: "a.yaml",
      start_line: line,
      end_line: line,
      annotation_level: "failure" as const,
      message: `bad ${line}`,
    });

    const { data: run } = await octokit.rest.checks.create({
      ...o,
      name: "Ferry / config",
      head_sha: head,
      status: "in_progress",
    });
    await expect(
      octokit.rest.checks.update({
        ...o,
        check_run_id: run.id,
        output: {
          title: "t",
          summary: "s",
          annotations: Array.from({ length: 51 }, (_, i) => annotation(i + 1)),
        },
      }),
    ).rejects.toMatchObject({ status: 422 });
    for (const batch of [0, 1]) {
      await octokit.rest.checks.update({
        ...o,
        check_run_id: run.id,
        output: {
          title: "t",
          summary: "s",
          annotations: Array.from({ length: 50 }, (_, i) => annotation(batch * 50 + i + 1)),
        },
      });
    }
    await octokit.rest.checks.update({
      ...o,
      check_run_id: run.id,
      conclusion: "failure",
      output: { title: "Invalid", summary: "1 error" },
    });

    const { data: list } = await octokit.rest.checks.listForRef({
      ...o,
      ref: "main",
      check_name: "Ferry / config",
    });
    expect(list.total_count).toBe(1);
    expect(list.check_runs[0]).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Invalid", annotations_count: 100 },
    });
    const stored = server.checkRuns("acme/deploy", "main")[0];
    expect(stored?.output.annotations[99]?.message).toBe("bad 100");
    const { data: suites } = await octokit.rest.checks.listSuitesForRef({ ...o, ref: head });
    expect(suites.check_suites[0]).toMatchObject({ status: "completed", conclusion: "failure" });
  });
});

describe("webhooks out", () => {
  it("delivers a signed push for a pushed commit; idle() waits for the answer", async () => {
    const received: { event: string; signature: string; body: string }[] = [];
    const receiver = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({
          event: String(req.headers["x-github-event"]),
          signature: String(req.headers["x-hub-signature-256"]),
          body: Buffer.concat(chunks).toString(),
        });
        setTimeout(() => res.writeHead(200).end("ok"), 50);
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`;
    try {
      server = await startServer({ webhook: { url, secret: "shh" } });
      server.createRepo("acme/deploy", { files: { "a.txt": "a" } });
      const before = server.resolve("acme/deploy", "main");
      const sha = server.push("acme/deploy", {
        branch: "main",
        files: { "a.txt": "b", "b.txt": "new" },
        message: "Change",
        author: { login: "alice", name: "Alice", email: "a@example.com" },
      });
      await server.idle();
      // The push, and the check suite GitHub creates for the app on the new commit.
      expect(received.map((r) => r.event).sort()).toEqual(["check_suite", "push"]);
      const delivery = received.find((r) => r.event === "push");
      expect(delivery?.event).toBe("push");
      expect(delivery?.signature).toBe(signPayload("shh", delivery?.body ?? ""));
      const payload = JSON.parse(delivery?.body ?? "{}");
      expect(payload).toMatchObject({
        ref: "refs/heads/main",
        before,
        after: sha,
        installation: { id: server.installationId },
        repository: { full_name: "acme/deploy", default_branch: "main" },
        head_commit: { id: sha, added: ["b.txt"], modified: ["a.txt"] },
        pusher: { name: "alice" },
      });
      expect(server.deliveries.map((d) => d.status)).toEqual([200, 200]);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});

describe("request log", () => {
  it("records method, path, route and status; unknown routes are 404 and listed", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    const octokit = await installationOctokit(server);
    server.resetRequests();
    await octokit.rest.repos.get({ owner: "acme", repo: "deploy" });
    await expect(
      octokit.request("GET /repos/{owner}/{repo}/made-up", { owner: "acme", repo: "deploy" }),
    ).rejects.toMatchObject({
      status: 404,
      response: { data: { message: "Not Found" } },
    });
    expect(server.requests).toEqual([
      expect.objectContaining({
        method: "GET",
        path: "/repos/acme/deploy",
        route: "GET /repos/{owner}/{repo}",
        status: 200,
      }),
      expect.objectContaining({
        method: "GET",
        path: "/repos/acme/deploy/made-up",
        route: undefined,
        status: 404,
      }),
    ]);
    expect(server.unknownRequests()).toHaveLength(1);
  });
});
