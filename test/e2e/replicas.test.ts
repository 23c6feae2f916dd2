/**
 * Two Ferry processes on one Redis (BullMQ): what a user sees when several replicas share the
 * work — one effect per delivery, one PR per (environment, app) at the newest tag, and nothing
 * lost or left in progress when a replica is killed with SIGKILL mid-job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FerryJob } from "../../src/jobs/ferry-job.js";
import { BullQueue } from "../../src/queue/bull-queue.js";
import { signedHeaders } from "../../src/reports/signature.js";
import { clusterSecretsEnv, configFiles, ferryYml, report, secrets } from "../reports/support.js";
import { type FerryProcess, startFerryProcess } from "../support/ferry-process.js";
import {
  type GitHubServer,
  generateAppKeyPair,
  sendWebhook,
  startGitHubServer,
} from "../support/github/index.js";
import { pollUntil } from "../support/poll.js";
import { RedisServer, redisServer } from "../support/redis-server.js";
import { ferryBuild } from "./fixtures.js";

const keys = generateAppKeyPair();
const webhookSecret = "test-webhook-secret";

// Replicas start as child processes and recover killed jobs: allow for a loaded machine.
describe.skipIf(!redisServer)("two replicas on one Redis", { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let github: GitHubServer;
  let probe: BullQueue<FerryJob>;
  const replicas: FerryProcess[] = [];

  const env = () => ({
    APP_ID: "1234",
    PRIVATE_KEY: keys.privateKey,
    WEBHOOK_SECRET: webhookSecret,
    REDIS_URL: redis.url,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    FERRY_CLUSTER_SECRETS: clusterSecretsEnv,
    FERRY_CONFIG_MAX_AGE_MS: "0",
    GITHUB_WRITE_INTERVAL_MS: "0",
    // Rate-limit waits are GitHub's retry-after seconds × this: a real second, so a job can be
    // caught mid-flight.
    GITHUB_RETRY_BASE_MS: "1000",
    GITHUB_MAX_RETRY_WAIT_MS: "60000",
    // A killed replica's job is back in the queue within about 2 + 2 × 0.5 s.
    FERRY_QUEUE_LOCK_MS: "2000",
    FERRY_QUEUE_STALLED_INTERVAL_MS: "500",
    FERRY_JOB_BACKOFF_MS: "100",
    FERRY_SWEEP_INTERVAL_MS: "0",
    LOG_LEVEL: "debug",
  });
  const start = async () => {
    const replica = await startFerryProcess(env());
    replicas.push(replica);
    return replica;
  };
  const kill = async (replica: FerryProcess) => {
    process.kill(replica.pid, "SIGKILL");
    await pollUntil(() => replica.exit(), "the replica to die", 5000);
  };
  /** Every job queued so far (and those they queued) has run on some replica. */
  const settled = async () => {
    let quietRounds = 0;
    for (const started = Date.now(); quietRounds < 3; ) {
      await github.idle();
      const depth = Object.values(await probe.depth());
      quietRounds = depth.every((d) => d.waiting === 0 && d.active === 0) ? quietRounds + 1 : 0;
      if (Date.now() - started > 30_000) throw new Error("the queue did not settle within 30 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const deliver = (to: FerryProcess, event: string, payload: object, id?: string) =>
    sendWebhook(
      `${to.url}/api/github/webhooks`,
      webhookSecret,
      event,
      { ...payload, installation: { id: github.installationId } },
      id ? { id } : {},
    );

  /** A developer's request to GitHub; its status. */
  const asAlice = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${github.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${github.userToken("alice")}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await res.arrayBuffer();
    return res.status;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    github = await startGitHubServer({ appId: 1234, privateKey: keys.privateKey, account: "acme" });
    github.createRepo("acme/deploy", { files: configFiles(ferryYml({ reconcileTimeout: "4s" })) });
    github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
    // ChatOps answers only people with write access.
    github.setPermission("acme/deploy", "alice", "write");
    probe = new BullQueue<FerryJob>({
      url: redis.url,
      concurrency: 1,
      retry: { attempts: 1, backoffMs: 1 },
      lockDurationMs: 1000,
      stalledIntervalMs: 1000,
    });
    await start();
    await start();
    github.setWebhook({ url: `${replicas[0]?.url}/api/github/webhooks`, secret: webhookSecret });
  }, 60_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await probe?.close(0);
    await github?.close();
    await redis?.stop();
  });

  it("the same delivery sent to both replicas at once has one effect", async () => {
    // A ChatOps command Ferry does not understand gets one reply per run: a countable effect.
    github.setWebhooksEnabled(false);
    expect(await asAlice("POST", "/repos/acme/deploy/issues", { title: "Promotions" })).toBe(201);
    const issue = github.issues("acme/deploy").at(-1)?.number ?? 0;
    expect(
      await asAlice("POST", `/repos/acme/deploy/issues/${issue}/comments`, { body: "/ferry frobnicate" }),
    ).toBe(201);
    const comment = github.deliveries.at(-1);
    github.setWebhooksEnabled(true);
    expect(comment?.event).toBe("issue_comment");
    const [a, b] = replicas as [FerryProcess, FerryProcess];
    const answers = await Promise.all([
      deliver(a, "issue_comment", comment?.payload ?? {}, comment?.id),
      deliver(b, "issue_comment", comment?.payload ?? {}, comment?.id),
    ]);
    expect(answers.every((status) => status === 200 || status === 202)).toBe(true);
    const replies = () =>
      github.comments("acme/deploy", issue).filter((c) => /did not understand/.test(c.body));
    await pollUntil(() => replies().length > 0, "Ferry's reply", 10_000);
    await settled();
    expect(replies()).toHaveLength(1);
    // GitHub redelivering it later changes nothing either
    expect(await deliver(b, "issue_comment", comment?.payload ?? {}, comment?.id)).toBe(200);
    await settled();
    expect(replies()).toHaveLength(1);
  });

  it("concurrent builds on both replicas leave exactly one PR, with one commit, at the newest tag", async () => {
    const tags = Array.from({ length: 10 }, (_, i) => `1.5.${i}`);
    const answers = await Promise.all(
      tags.map((tag, i) =>
        deliver(replicas[i % 2] as FerryProcess, "repository_dispatch", ferryBuild(tag, { sha: undefined })),
      ),
    );
    expect(answers).toEqual(tags.map(() => 202));
    await settled();
    const prs = github.pulls("acme/deploy").filter((p) => p.head.ref === "ferry/staging/api");
    expect(prs.map((p) => p.state)).toEqual(["open"]);
    expect(prs[0]?.title).toBe("Promote api 1.5.9 to staging");
    expect(
      github.readFile("acme/deploy", "ferry/staging/api", "overlays/staging/kustomization.yaml"),
    ).toContain('newTag: "1.5.9"');
    const head = github.state.repos.get("acme/deploy")?.objects.commit(prs[0]?.head.sha ?? "");
    expect(head?.parents).toEqual([github.resolve("acme/deploy", "main")]);
  });

  it("a replica killed mid-guard loses nothing: the other runs the job again and no check stays in progress", async () => {
    const branch = "feature/bump";
    const head = github.push("acme/deploy", {
      branch,
      files: { "overlays/staging/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n" },
    });
    // GitHub holds the guard's diff read for 30 s (a secondary rate limit): the job is mid-flight.
    github.failNext({
      path: "GET /repos/{owner}/{repo}/compare/{basehead}",
      status: 403,
      headers: { "retry-after": "30" },
      body: {
        message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      },
    });
    const marks = replicas.map((r) => r.output().length);
    const opened = await asAlice("POST", "/repos/acme/deploy/pulls", {
      title: "Add a config map",
      head: branch,
      base: "main",
    });
    expect(opened).toBe(201);
    await pollUntil(
      () =>
        github.requests.some((r) => r.injected && r.route === "GET /repos/{owner}/{repo}/compare/{basehead}"),
      "the guard to reach its diff read",
      15_000,
    );
    const runs = () => github.checkRuns("acme/deploy", head).filter((c) => c.name.startsWith("Ferry / "));
    expect(runs().map((c) => c.status)).toEqual(["in_progress", "in_progress"]);
    const running = replicas.find(
      (r, i) => r.exit() === undefined && r.output().slice(marks[i]).includes("job guard started"),
    );
    expect(running).toBeDefined();
    await kill(running as FerryProcess);
    await pollUntil(
      () => runs().length === 2 && runs().every((c) => c.status === "completed"),
      "both guard checks to complete on the other replica",
      20_000,
    );
    expect(
      runs()
        .map((c) => [c.name, c.conclusion])
        .sort(),
    ).toEqual([
      ["Ferry / promotion", "success"],
      ["Ferry / validate", "success"],
    ]);
    await start(); // back to two
  });

  it("a replica killed mid-promotion, after GitHub made the PR: one PR, one commit, finished by the other", async () => {
    // The PR lands, then GitHub's answer is a 30 s rate-limit wait: the job is mid-flight.
    github.failNext({
      graphql: "FerryOpenPromotion",
      status: 403,
      afterEffect: true,
      headers: { "retry-after": "30" },
      body: {
        message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      },
    });
    // A developer closes the earlier Ferry PR and deletes its branch: the next build starts afresh.
    for (const pr of github.pulls("acme/deploy").filter((p) => p.state === "open"))
      await asAlice("PATCH", `/repos/acme/deploy/pulls/${pr.number}`, { state: "closed" });
    await asAlice("DELETE", "/repos/acme/deploy/git/refs/heads/ferry/staging/api");
    await settled();
    const main = github.resolve("acme/deploy", "main") as string;
    const alive = replicas.filter((r) => r.exit() === undefined);
    const marks = alive.map((r) => r.output().length);
    expect(await deliver(alive[0] as FerryProcess, "repository_dispatch", ferryBuild("1.6.0"))).toBe(202);
    await pollUntil(
      () => github.requests.some((r) => r.injected && r.graphqlOperation === "FerryOpenPromotion"),
      "the promotion to open its PR",
      15_000,
    );
    const running = alive.find((r, i) => r.output().slice(marks[i]).includes("job build started"));
    expect(running).toBeDefined();
    await kill(running as FerryProcess);
    const open = () =>
      github.pulls("acme/deploy").filter((p) => p.state === "open" && p.head.ref === "ferry/staging/api");
    await pollUntil(() => open()[0]?.labels.includes("ferry"), "the other replica to finish the PR", 20_000);
    await settled();
    expect(open()).toHaveLength(1);
    expect(open()[0]?.title).toBe("Promote api 1.6.0 to staging");
    expect([...(open()[0]?.labels ?? [])].sort()).toEqual(["env:staging", "ferry"]);
    const head = github.state.repos.get("acme/deploy")?.objects.commit(open()[0]?.head.sha ?? "");
    expect(head?.parents).toEqual([main]);
    await start();
  });

  it("SIGTERM with a job that outlasts the drain: the job goes back to the queue and the other replica finishes it", async () => {
    const draining = await startFerryProcess({ ...env(), FERRY_SHUTDOWN_DRAIN_MS: "300" });
    replicas.push(draining);
    // Only the draining replica runs jobs while the PR opens: the others are stopped for now.
    const others = replicas.filter((r) => r !== draining && r.exit() === undefined);
    for (const r of others) await r.stop();
    github.resetRequests();
    const branch = "feature/drain";
    const head = github.push("acme/deploy", {
      branch,
      files: { "overlays/staging/drain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: drain\n" },
    });
    github.failNext({
      path: "GET /repos/{owner}/{repo}/compare/{basehead}",
      status: 403,
      headers: { "retry-after": "30" },
      body: {
        message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      },
    });
    github.setWebhook({ url: `${draining.url}/api/github/webhooks`, secret: webhookSecret });
    expect(
      await asAlice("POST", "/repos/acme/deploy/pulls", { title: "Drain", head: branch, base: "main" }),
    ).toBe(201);
    await pollUntil(
      () =>
        github.requests.some((r) => r.injected && r.route === "GET /repos/{owner}/{repo}/compare/{basehead}"),
      "the guard to be mid-flight",
      15_000,
    );
    await draining.stop(); // SIGTERM: 300 ms to finish, then the job is handed back
    expect(draining.exit()?.code).toBe(0);
    const survivor = await start();
    github.setWebhook({ url: `${survivor.url}/api/github/webhooks`, secret: webhookSecret });
    const runs = () => github.checkRuns("acme/deploy", head).filter((c) => c.name.startsWith("Ferry / "));
    await pollUntil(
      () => runs().length === 2 && runs().every((c) => c.status === "completed"),
      "the survivor to finish the guard",
      20_000,
    );
    expect(runs().map((c) => c.conclusion)).toEqual(["success", "success"]);
    await start();
  });

  it("a reconcile timeout fires once across replicas, after the replica that armed it was killed", async () => {
    const marks = replicas.map((r) => r.output().length);
    const sha = github.resolve("acme/deploy", "main") as string;
    const alive = replicas.filter((r) => r.exit() === undefined);
    const body = JSON.stringify(
      report({ revision: sha, phase: "syncing", sync: "OutOfSync", health: "Progressing" }),
    );
    const armed = await fetch(`${alive[0]?.url}/ferry/v1/reports`, {
      method: "POST",
      headers: signedHeaders(secrets["staging-1"], body, Date.now()),
      body,
    });
    expect(armed.status).toBe(202);
    const check = () =>
      github.checkRuns("acme/deploy", sha).filter((c) => c.name === "Ferry / reconcile (staging)");
    await pollUntil(() => check()[0]?.status === "in_progress", "the reconcile check in progress", 10_000);
    await kill(alive[0] as FerryProcess);
    await start(); // a fresh replica alongside the survivor: two compete for the timer
    await pollUntil(() => check().at(-1)?.status === "completed", "the reconcile timeout", 20_000);
    expect(check().at(-1)?.conclusion).toBe("failure");
    expect(check().at(-1)?.output.title).toMatch(/^(api \S+ not|Not) healthy in staging after 4s$/);
    await settled();
    await new Promise((r) => setTimeout(r, 500));
    expect(check()).toHaveLength(1);
    // One replica concluded it; the timer did not fire again elsewhere.
    const fired = replicas.map(
      (r, i) =>
        r
          .output()
          .slice(marks[i] ?? 0)
          .split("reconcile not healthy after 4s").length - 1,
    );
    expect(fired.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
