import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedHeaders } from "../../src/reports/signature.js";
import type { RunningFerry } from "../../src/server.js";
import { clusterSecretsEnv, configFiles, report, secrets } from "../reports/support.js";
import { type Stack, startStack } from "../support/ferry.js";

// .ci/run installs redis-server; a machine without it skips these tests and says so.
const redisServer = spawnSync("sh", ["-c", "command -v redis-server"]).status === 0;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe.skipIf(!redisServer)("several replicas with REDIS_URL", () => {
  let redis: ChildProcess;
  let stack: Stack;
  let second: RunningFerry;

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`http://127.0.0.1:${port}`).then(
        () => true,
        (e: { cause?: { code?: string } }) => e.cause?.code !== "ECONNREFUSED",
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    stack = await startStack({ env: { REDIS_URL: url, FERRY_CLUSTER_SECRETS: clusterSecretsEnv } });
    second = await stack.replica();
    stack.github.createRepo("acme/deploy", { files: configFiles() });
  });
  afterAll(async () => {
    await second?.close();
    await stack?.close();
    redis?.kill();
  });

  it("both replicas are ready once Redis is", async () => {
    for (const ferry of [stack.ferry, second]) expect((await fetch(`${ferry.url}/readyz`)).status).toBe(200);
  });

  it("a report replayed to another replica is refused: replay protection is shared", async () => {
    const sha = stack.github.resolve("acme/deploy", "main") as string;
    const body = JSON.stringify(report({ revision: sha }));
    const headers = signedHeaders(secrets["staging-1"], body, Date.now());
    const post = (ferry: RunningFerry) =>
      fetch(`${ferry.url}/ferry/v1/reports`, { method: "POST", headers, body });
    expect((await post(stack.ferry)).status).toBe(200);
    expect((await post(second)).status).toBe(409);
    const check = stack.github
      .checkRuns("acme/deploy", sha)
      .filter((c) => c.name === "Ferry / reconcile (staging)");
    expect(check).toHaveLength(1);
  });
});
