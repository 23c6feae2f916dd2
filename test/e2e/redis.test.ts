import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLink } from "../../src/redis.js";
import { sharedThrottle } from "../../src/redis-throttle.js";
import { signedHeaders } from "../../src/reports/signature.js";
import type { RunningFerry } from "../../src/server.js";
import { clusterSecretsEnv, configFiles, report, secrets } from "../reports/support.js";
import { type Stack, startStack } from "../support/ferry.js";
import { type FerryProcess, startFerryProcess, watchHealth } from "../support/ferry-process.js";
import {
  type GitHubServer,
  generateAppKeyPair,
  signPayload,
  startGitHubServer,
} from "../support/github/index.js";
import { pollUntil } from "../support/poll.js";
import { RedisServer, redisServer } from "../support/redis-server.js";
import { ferryBuild } from "./fixtures.js";

describe.skipIf(!redisServer)("several replicas with REDIS_URL", () => {
  let redis: RedisServer;
  let stack: Stack;
  let second: RunningFerry;

  beforeAll(async () => {
    redis = await RedisServer.start();
    stack = await startStack({ env: { REDIS_URL: redis.url, FERRY_CLUSTER_SECRETS: clusterSecretsEnv } });
    second = await stack.replica();
    stack.github.createRepo("acme/deploy", { files: configFiles() });
  });
  afterAll(async () => {
    await second?.close();
    await stack?.close();
    await redis?.stop();
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
    expect((await post(stack.ferry)).status).toBe(202);
    expect((await post(second)).status).toBe(409);
    await stack.idle();
    const check = stack.github
      .checkRuns("acme/deploy", sha)
      .filter((c) => c.name === "Ferry / reconcile (staging)");
    expect(check).toHaveLength(1);
  });
});

describe.skipIf(!redisServer)("Redis outage", () => {
  const keys = generateAppKeyPair();
  const webhookSecret = "test-webhook-secret";
  let redis: RedisServer;
  let github: GitHubServer;
  let ferry: FerryProcess;

  beforeAll(async () => {
    redis = await RedisServer.start();
    github = await startGitHubServer({ appId: 1234, privateKey: keys.privateKey, account: "acme" });
    github.createRepo("acme/deploy", { files: configFiles() });
    github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
    ferry = await startFerryProcess({
      APP_ID: "1234",
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET: webhookSecret,
      FERRY_CLUSTER_SECRETS: clusterSecretsEnv,
      REDIS_URL: redis.url,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      GITHUB_WRITE_INTERVAL_MS: "0",
    });
    github.setWebhook({ url: `${ferry.url}/api/github/webhooks`, secret: webhookSecret });
  }, 60_000);
  afterAll(async () => {
    await ferry?.stop();
    await github?.close();
    await redis?.stop();
  });

  /** A signed ferry-build delivery, timed; the answer's status and text. */
  async function build(tag: string) {
    const body = JSON.stringify({ ...ferryBuild(tag), installation: { id: github.installationId } });
    const res = await fetch(`${ferry.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "repository_dispatch",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signPayload(webhookSecret, body),
      },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  async function sendReport(tag: string) {
    const sha = github.resolve("acme/deploy", "main") as string;
    const body = JSON.stringify(
      report({ revision: sha, object: { kind: "Application", namespace: "argocd", name: tag } }),
    );
    const res = await fetch(`${ferry.url}/ferry/v1/reports`, {
      method: "POST",
      headers: signedHeaders(secrets["staging-1"], body, Date.now()),
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  const stagingPr = (tag: string) =>
    github.pulls("acme/deploy").find((p) => p.head.ref === "ferry/staging/api" && p.title.includes(tag));

  it("works while Redis is up", async () => {
    expect((await fetch(`${ferry.url}/readyz`)).status).toBe(200);
    expect((await build("1.5.0")).status).toBe(202);
    await pollUntil(() => stagingPr("1.5.0"), "the staging PR for 1.5.0", 10_000);
    expect((await sendReport("api")).status).toBe(202);
  });

  /** Polls /readyz until it answers `status`; fails after 5 s. */
  async function readyzBecomes(status: number): Promise<void> {
    const started = performance.now();
    while ((await fetch(`${ferry.url}/readyz`)).status !== status) {
      expect(performance.now() - started, `/readyz not ${status} after 5 s`).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("a Redis that keeps its connection but stops answering makes /readyz and webhooks 503", async () => {
    redis.freeze(true);
    try {
      await readyzBecomes(503);
      const webhook = await build("1.5.1");
      expect(webhook.status, webhook.text).toBe(503);
      expect(webhook.text).toMatch(/Redis/);
    } finally {
      redis.freeze(false);
    }
    await readyzBecomes(200);
  });

  it("answers 503 naming Redis while it is down, from the outage gate (no command waits on it); /readyz says so, /healthz stays up", async () => {
    const health = watchHealth(ferry.url);
    await redis.stop();
    // The closed connection reaches Ferry a moment after the server exits: from then on, 503.
    await readyzBecomes(503);
    const webhook = await build("1.6.0");
    expect(webhook.status, webhook.text).toBe(503);
    expect(webhook.text).toMatch(/Redis/);
    const reported = await sendReport("api-2");
    expect(reported.status, reported.text).toBe(503);
    expect(reported.text).toMatch(/Redis/);
    const ready = await fetch(`${ferry.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/Redis/);
    // Let the client retry for a while: one log line for the outage, not one per attempt.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await build("1.6.0")).status).toBe(503);
    const { failures } = await health.stop();
    expect(failures).toEqual([]);
    expect(stagingPr("1.6.0")).toBeUndefined();
  });

  it("is ready within 5 s of Redis returning empty, and serves webhooks and reports again", async () => {
    await redis.restart();
    await readyzBecomes(200);
    const webhook = await build("1.6.0");
    expect(webhook.status, webhook.text).toBe(202);
    await pollUntil(() => stagingPr("1.6.0"), "the staging PR for 1.6.0", 10_000);
    const reported = await sendReport("api-3");
    expect(reported.status, reported.text).toBe(202);
  });

  it("logged each of the two outages once and each end once, and nothing unhandled", () => {
    const output = ferry.output();
    expect(output).not.toMatch(/Unhandled error event|unhandled rejection/i);
    // The announcement names the cause in parentheses; a handler caught mid-flight may also log
    // its 503, which quotes the same words.
    expect(output.match(/Redis at REDIS_URL is unreachable \(/g)).toHaveLength(2);
    expect(output.match(/Redis at REDIS_URL is reachable again/g)).toHaveLength(2);
    expect(ferry.exit()).toBeUndefined();
  });
});

describe.skipIf(!redisServer)("GitHub throttling shared in Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("a limiter first used during an outage works once Redis is back", async () => {
    const link = await RedisLink.connect(redis.url, { error() {}, info() {} });
    const throttle = sharedThrottle(link);
    const job = (key: string) => throttle.options.global.key(key).schedule(async () => "done");
    try {
      // As in the app: the connection is up and in use before the outage.
      expect(await job("before")).toBe("done");
      await redis.stop();
      await expect(job("outage")).rejects.toThrow();
      await redis.restart();
      let result: unknown;
      for (const started = performance.now(); result !== "done"; ) {
        expect(performance.now() - started, "still failing 5 s after Redis returned").toBeLessThan(5000);
        result = await job("outage").catch((error: Error) => error.message);
        if (result !== "done") await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      link.close();
      await throttle.close();
    }
  });
});
