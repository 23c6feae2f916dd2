/**
 * Start-up as an operator meets it: the real entry points as child processes, with the
 * environment a first deployment gets wrong. Each stops at once, exits non-zero and names
 * every problem.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runFerryProcess } from "../support/ferry-process.js";

describe("ferry serve (src/main.ts)", () => {
  it("names APP_ID, WEBHOOK_SECRET and the missing private key at once when the environment is empty", async () => {
    const { code, output } = await runFerryProcess({});
    expect(code).toBe(1);
    expect(output).toMatch(/Ferry cannot start/);
    for (const name of ["APP_ID", "WEBHOOK_SECRET", "PRIVATE_KEY"]) {
      expect(output).toMatch(new RegExp(`^  ${name}: is not set`, "m"));
    }
  });

  it("names a malformed private key at start-up, not at the first GitHub call", async () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs1",
      format: "pem",
    }) as string;
    const lines = pem.split("\n");
    // One base64 line lost, as when a key is pasted by hand.
    const damaged = [...lines.slice(0, 5), ...lines.slice(6)].join("\n");
    const { code, output } = await runFerryProcess({
      APP_ID: "1234",
      WEBHOOK_SECRET: "s",
      PRIVATE_KEY: damaged,
      PORT: "0",
      HOST: "127.0.0.1",
    });
    expect(code).toBe(1);
    expect(output).toMatch(/^ {2}PRIVATE_KEY: is not a valid private key/m);
    expect(output).not.toMatch(/listening/);
    expect(output).not.toContain(lines[2]);
  });

  it("stops with the reason when REDIS_URL does not answer", async () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    }) as string;
    const { code, output } = await runFerryProcess({
      APP_ID: "1234",
      WEBHOOK_SECRET: "s",
      PRIVATE_KEY: pem,
      REDIS_URL: "redis://127.0.0.1:9",
      PORT: "0",
      HOST: "127.0.0.1",
    });
    expect(code).toBe(1);
    expect(output).toMatch(/^Ferry cannot start: Redis at REDIS_URL is unreachable \(connect ECONNREFUSED/m);
    expect(output).not.toMatch(/Unhandled error event/);
  });
});

describe("ferry agent", () => {
  const agentEnv = {
    FERRY_URL: "http://127.0.0.1:9",
    FERRY_CLUSTER: "staging-1",
    FERRY_CLUSTER_SECRET: "staging-1-secret-0123456789",
    FERRY_NAMESPACE: "ferry",
  };

  it("outside a cluster and without KUBECONFIG, says so and exits non-zero instead of retrying", async () => {
    const { code, output } = await runFerryProcess(agentEnv, { cli: ["agent"], timeoutMs: 15_000 });
    expect(code).not.toBe(0);
    expect(output).toMatch(/not running in a Kubernetes cluster/);
    expect(output).toMatch(/KUBECONFIG/);
    expect(output).not.toMatch(/Invalid URL/);
  });

  it("names a KUBECONFIG it cannot read, or one that names no cluster, and exits non-zero", async () => {
    const missing = await runFerryProcess(
      { ...agentEnv, KUBECONFIG: "/nonexistent/kubeconfig" },
      { cli: ["agent"] },
    );
    expect(missing.code).not.toBe(0);
    expect(missing.output).toMatch(/KUBECONFIG \/nonexistent\/kubeconfig is unreadable \(ENOENT\)/);
    const path = join(mkdtempSync(join(tmpdir(), "ferry-agent-")), "kubeconfig");
    writeFileSync(path, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
    const empty = await runFerryProcess({ ...agentEnv, KUBECONFIG: path }, { cli: ["agent"] });
    expect(empty.code).not.toBe(0);
    expect(empty.output).toMatch(/KUBECONFIG names no cluster for its current context/);
  });
});
