/**
 * One replica without Redis: what survives a kill, a SIGTERM and a job that keeps failing. The
 * app runs as a real child process where the process itself is the subject.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import { type FerryProcess, startFerryProcess } from "../support/ferry-process.js";
import {
  type GitHubServer,
  generateAppKeyPair,
  signPayload,
  startGitHubServer,
} from "../support/github/index.js";
import { pollUntil } from "../support/poll.js";
import { configRepoFiles } from "./fixtures.js";

const keys = generateAppKeyPair();
const webhookSecret = "test-webhook-secret";
const stall = (seconds: number) => ({
  path: "GET /repos/{owner}/{repo}/compare/{basehead}",
  status: 403,
  headers: { "retry-after": String(seconds) },
  body: {
    message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  },
});

describe("one process, no Redis", () => {
  let github: GitHubServer;
  let ferry: FerryProcess | undefined;
  let branches = 0;

  const start = async (extra: Record<string, string> = {}) => {
    ferry = await startFerryProcess({
      APP_ID: "1234",
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET: webhookSecret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      GITHUB_WRITE_INTERVAL_MS: "0",
      GITHUB_RETRY_BASE_MS: "1000",
      GITHUB_MAX_RETRY_WAIT_MS: "60000",
      FERRY_CONFIG_MAX_AGE_MS: "0",
      ...extra,
    });
    github.setWebhook({ url: `${ferry.url}/api/github/webhooks`, secret: webhookSecret });
    return ferry;
  };
  /** A developer opens a PR adding a config map; its head sha. */
  const openPr = async () => {
    github.resetRequests();
    const branch = `feature/${++branches}`;
    const head = github.push("acme/deploy", {
      branch,
      files: {
        [`overlays/staging/extra-${branches}.yaml`]:
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
      },
    });
    const res = await fetch(`${github.apiUrl}/repos/acme/deploy/pulls`, {
      method: "POST",
      headers: { authorization: `token ${github.userToken("alice")}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Add a config map", head: branch, base: "main" }),
    });
    expect(res.status).toBe(201);
    return head;
  };
  const guardChecks = (sha: string) =>
    github
      .checkRuns("acme/deploy", sha)
      .filter((c) => c.name === "Ferry / validate" || c.name === "Ferry / promotion");
  const stalled = () =>
    pollUntil(
      () =>
        github.requests.some((r) => r.injected && r.route === "GET /repos/{owner}/{repo}/compare/{basehead}"),
      "the guard to be mid-flight",
      15_000,
    );

  beforeAll(async () => {
    github = await startGitHubServer({ appId: 1234, privateKey: keys.privateKey, account: "acme" });
    github.createRepo("acme/deploy", { files: configRepoFiles() });
    github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
  });
  afterEach(async () => {
    await ferry?.stop();
    ferry = undefined;
  });
  afterAll(async () => {
    await github?.close();
  });

  it("the start-up sweep costs one request for the installations, three per installation and one per config repo", async () => {
    github.resetRequests();
    const running = await start();
    await pollUntil(() => /sweep done/.test(running.output()), "the start-up sweep", 10_000);
    expect(github.requests.map((r) => r.graphqlOperation ?? r.route)).toEqual([
      "GET /app/installations",
      "POST /app/installations/{installation_id}/access_tokens",
      "GET /installation/repositories",
      "FerryConfigIndex",
      "FerrySweep",
    ]);
  });

  it("killed mid-guard with SIGKILL: after the restart no check is left in progress", async () => {
    await start();
    github.failNext(stall(60));
    const head = await openPr();
    await stalled();
    expect(guardChecks(head).map((c) => c.status)).toEqual(["in_progress", "in_progress"]);
    process.kill(ferry?.pid ?? 0, "SIGKILL");
    await pollUntil(() => ferry?.exit(), "Ferry to die", 5000);
    await start();
    await pollUntil(
      () => guardChecks(head).every((c) => c.status === "completed"),
      "the sweep to finish the guard",
      15_000,
    );
    expect(
      guardChecks(head)
        .map((c) => [c.name, c.conclusion])
        .sort(),
    ).toEqual([
      ["Ferry / promotion", "success"],
      ["Ferry / validate", "success"],
    ]);
  });

  it("SIGTERM stops intake at once and lets the job in flight finish within the drain bound", async () => {
    const running = await start({ FERRY_SHUTDOWN_DRAIN_MS: "15000" });
    github.failNext(stall(2));
    const head = await openPr();
    await stalled();
    process.kill(running.pid, "SIGTERM");
    await pollUntil(
      async () => (await fetch(`${running.url}/readyz`).catch(() => undefined))?.status === 503,
      "/readyz to answer 503",
      5000,
    ).catch(() => {});
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/shutting down/);
    const body = JSON.stringify({ zen: "Keep it logically awesome." });
    const webhook = await fetch(`${running.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "x-github-event": "ping",
        "x-github-delivery": "d-1",
        "x-hub-signature-256": signPayload(webhookSecret, body),
      },
      body,
    });
    expect(webhook.status).toBe(503);
    await pollUntil(() => running.exit(), "Ferry to exit", 20_000);
    expect(running.exit()?.code).toBe(0);
    expect(guardChecks(head).map((c) => [c.status, c.conclusion])).toEqual([
      ["completed", "success"],
      ["completed", "success"],
    ]);
  });
});

describe("a job that keeps failing", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { FERRY_JOB_ATTEMPTS: "2" } });
    stack.github.createRepo("acme/deploy", { files: configRepoFiles() });
  });
  afterAll(() => stack?.close());

  it("ends visible: the PR's guard checks fail with the reason once its retries are spent", async () => {
    const head = stack.github.push("acme/deploy", {
      branch: "feature/x",
      files: { "overlays/staging/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" },
    });
    // Reading ferry.yml fails through Octokit's retries (4 tries) on both runs of the job.
    stack.github.failNext({
      path: /\/contents\/\.github%2Fferry\.yml|\/contents\/\.github\/ferry\.yml/,
      status: 502,
      times: 8,
    });
    const developer = await stack.developer();
    await developer.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "feature/x",
      base: "main",
      title: "x",
    });
    await stack.idle();
    const checks = stack.github
      .checkRuns("acme/deploy", head)
      .filter((c) => c.name === "Ferry / validate" || c.name === "Ferry / promotion");
    expect(checks.map((c) => [c.name, c.status, c.conclusion]).sort()).toEqual([
      ["Ferry / promotion", "completed", "failure"],
      ["Ferry / validate", "completed", "failure"],
    ]);
    expect(checks[0]?.output.title).toBe("Ferry could not finish this check");
    expect(checks[0]?.output.summary).toMatch(/HTTP 502/);
  });
});
