/**
 * bench/load: how fast Ferry takes webhooks in, and what the queue does with them, all on
 * loopback, bounded in count and time. Ferry runs as real child processes (src/main.ts) with
 * production settings (GITHUB_WRITE_INTERVAL_MS, GITHUB_RETRY_BASE_MS and the queue settings
 * at their defaults) against the GitHub API test server.
 *
 *   npx tsx bench/load.ts [--webhooks 5000] [--builds 20] [--concurrency 32]
 *
 * 1. intake: `--webhooks` signed `push` deliveries for app repos (Ferry's most common webhook;
 *    each becomes an audit job that finds the repo is not a config repo) posted with
 *    `--concurrency` in flight to one process: accepted per second, p50/p99 answer time.
 * 2. builds → PRs: `--builds` ferry-build dispatches, one per app of a config repo with that many
 *    apps, to one process: PRs opened per second with production pacing.
 * 3. two replicas + Redis: the same load spread over two processes; one is killed with SIGKILL
 *    halfway through, and what it would have answered goes to the survivor (as a load balancer
 *    would). Then: p50/p99 answer time, PRs per app (duplicates), builds without a PR (lost).
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { type FerryProcess, startFerryProcess } from "../test/support/ferry-process.js";
import {
  type GitHubServer,
  generateAppKeyPair,
  signPayload,
  startGitHubServer,
} from "../test/support/github/index.js";
import { RedisServer, redisServer } from "../test/support/redis-server.js";
import { machineNote, percentile, table } from "./support/measure.js";

const { values } = parseArgs({
  options: {
    webhooks: { type: "string", default: "5000" },
    builds: { type: "string", default: "20" },
    concurrency: { type: "string", default: "32" },
  },
});
const webhooks = Number(values.webhooks);
const builds = Number(values.builds);
const concurrency = Number(values.concurrency);
/** No phase may run longer than this; the run stops with what it has. */
const phaseLimitMs = 240_000;
const secret = "bench-webhook-secret";
const keys = generateAppKeyPair();

function configRepo(apps: number): Record<string, string> {
  const names = Array.from({ length: apps }, (_, i) => `app${i}`);
  const yml = [
    "environments:",
    "  - name: staging",
    "    paths: [overlays/staging/**]",
    "apps:",
    ...names.flatMap((n) => [`  - name: ${n}`, `    image: ghcr.io/acme/${n}`, `    source: acme/${n}`]),
    "",
  ].join("\n");
  const files: Record<string, string> = { ".github/ferry.yml": yml };
  for (const n of names)
    files[`overlays/staging/${n}.yaml`] =
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${n}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${n}\n          image: ghcr.io/acme/${n}:1.0.0\n`;
  return files;
}

async function startGitHub(): Promise<GitHubServer> {
  const github = await startGitHubServer({ appId: 1234, privateKey: keys.privateKey, account: "acme" });
  github.createRepo("acme/deploy", { files: configRepo(builds) });
  for (let i = 0; i < builds; i++) github.createRepo(`acme/app${i}`, { files: { "README.md": "#\n" } });
  github.createRepo("acme/web", { files: { "README.md": "# web\n" } });
  return github;
}

function start(github: GitHubServer, extra: Record<string, string> = {}): Promise<FerryProcess> {
  return startFerryProcess({
    APP_ID: "1234",
    PRIVATE_KEY: keys.privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    LOG_LEVEL: "info",
    ...extra,
  });
}

interface Delivery {
  event: string;
  body: string;
}

function push(github: GitHubServer, n: number): Delivery {
  const payload = {
    ref: "refs/heads/main",
    before: "0".repeat(40),
    after: n.toString(16).padStart(40, "a"),
    created: false,
    deleted: false,
    forced: false,
    commits: [
      {
        id: n.toString(16).padStart(40, "a"),
        message: "work",
        author: { name: "Dev", username: "dev" },
        added: [],
        modified: ["src.ts"],
        removed: [],
      },
    ],
    pusher: { name: "dev" },
    repository: { full_name: "acme/web", name: "web", owner: { login: "acme" }, default_branch: "main" },
    installation: { id: github.installationId },
  };
  return { event: "push", body: JSON.stringify(payload) };
}

function build(github: GitHubServer, app: number): Delivery {
  const payload = {
    action: "ferry-build",
    branch: "main",
    client_payload: { image: `ghcr.io/acme/app${app}`, tag: "1.1.0" },
    repository: { full_name: `acme/app${app}`, html_url: `https://github.example/acme/app${app}` },
    installation: { id: github.installationId },
  };
  return { event: "repository_dispatch", body: JSON.stringify(payload) };
}

/** POSTs every delivery, `concurrency` at a time, to `targets()` round robin; answer times in ms. */
async function post(
  deliveries: Delivery[],
  targets: () => FerryProcess[],
  onProgress: (sent: number) => void = () => {},
): Promise<{ ms: number[]; statuses: Map<number, number>; wallMs: number }> {
  const ms: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const deadline = Date.now() + phaseLimitMs;
  const t0 = performance.now();
  const worker = async (lane: number) => {
    while (next < deliveries.length && Date.now() < deadline) {
      const n = next++;
      const d = deliveries[n] as Delivery;
      const headers = {
        "content-type": "application/json",
        "x-github-event": d.event,
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signPayload(secret, d.body),
      };
      for (let attempt = 0; ; attempt++) {
        const alive = targets().filter((t) => t.exit() === undefined);
        const target = alive[(n + lane + attempt) % alive.length] as FerryProcess;
        const started = performance.now();
        try {
          const res = await fetch(`${target.url}/api/github/webhooks`, {
            method: "POST",
            headers,
            body: d.body,
          });
          await res.arrayBuffer();
          ms.push(performance.now() - started);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          break;
        } catch (error) {
          // The replica died under us: a load balancer sends the delivery to the survivor.
          if (attempt > 3) throw error;
        }
      }
      onProgress(n + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, lane) => worker(lane)));
  return { ms, statuses, wallMs: performance.now() - t0 };
}

async function waitFor(what: string, check: () => boolean): Promise<number> {
  const t0 = performance.now();
  while (!check()) {
    if (performance.now() - t0 > phaseLimitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - t0;
}

const ferryPrs = (github: GitHubServer) =>
  github.pulls("acme/deploy").filter((p) => p.head.ref.startsWith("ferry/"));
const fmt = (n: number) => n.toFixed(1);
const lines: string[] = [];

// 1. Intake, one process.
{
  const github = await startGitHub();
  const ferry = await start(github);
  // warm-up: the first push builds the installation's config-repo index
  await post([push(github, 0)], () => [ferry]);
  const deliveries = Array.from({ length: webhooks }, (_, i) => push(github, i + 1));
  const { ms, statuses, wallMs } = await post(deliveries, () => [ferry]);
  lines.push(
    `1. intake, one process: ${ms.length} push webhooks, ${concurrency} in flight: ${fmt((ms.length / wallMs) * 1000)}/s accepted; answer p50 ${fmt(percentile(ms, 50))} ms, p99 ${fmt(percentile(ms, 99))} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  await ferry.stop();
  await github.close();
}

// 2. Builds → PRs, one process, production pacing.
{
  const github = await startGitHub();
  const ferry = await start(github);
  const t0 = performance.now();
  const { ms } = await post(
    Array.from({ length: builds }, (_, i) => build(github, i)),
    () => [ferry],
  );
  await waitFor(`${builds} PRs`, () => ferryPrs(github).length >= builds);
  const wallMs = performance.now() - t0;
  lines.push(
    `2. builds → PRs, one process: ${builds} builds of ${builds} apps → ${ferryPrs(github).length} PRs in ${fmt(wallMs / 1000)} s: ${(builds / (wallMs / 1000)).toFixed(2)} PRs/s; answer p99 ${fmt(percentile(ms, 99))} ms; ${github.requests.length} GitHub requests`,
  );
  await ferry.stop();
  await github.close();
}

// 3. Two replicas + Redis, one killed halfway.
if (redisServer) {
  const redis = await RedisServer.start();
  const github = await startGitHub();
  const replicas = [
    await start(github, { REDIS_URL: redis.url }),
    await start(github, { REDIS_URL: redis.url }),
  ];
  await post([push(github, 0)], () => replicas);
  const deliveries: Delivery[] = [];
  const pushes = Math.max(0, webhooks - builds);
  for (let i = 0; i < pushes; i++) deliveries.push(push(github, i + 1));
  // builds spread through the run, so some are queued or running when the replica dies
  for (let i = 0; i < builds; i++)
    deliveries.splice(Math.floor(((i + 0.5) * deliveries.length) / builds), 0, build(github, i));
  const t0 = performance.now();
  let killedAt = -1;
  const { ms, statuses } = await post(
    deliveries,
    () => replicas,
    (sent) => {
      if (killedAt < 0 && sent >= deliveries.length / 2) {
        killedAt = performance.now() - t0;
        process.kill((replicas[1] as FerryProcess).pid, "SIGKILL");
      }
    },
  );
  await waitFor(
    "a PR for every build",
    () => new Set(ferryPrs(github).map((p) => p.head.ref)).size >= builds,
  ).catch(() => 0);
  // let any duplicate show up
  await new Promise((r) => setTimeout(r, 3000));
  const wallMs = performance.now() - t0;
  const byBranch = new Map<string, number>();
  for (const p of ferryPrs(github)) byBranch.set(p.head.ref, (byBranch.get(p.head.ref) ?? 0) + 1);
  const duplicates = [...byBranch.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  const lost = builds - byBranch.size;
  lines.push(
    `3. two replicas + Redis: ${ms.length} webhooks (${builds} builds), replica 2 killed (SIGKILL) at ${fmt(killedAt / 1000)} s: answer p50 ${fmt(percentile(ms, 50))} ms, p99 ${fmt(percentile(ms, 99))} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${byBranch.size} PRs for ${builds} builds in ${fmt(wallMs / 1000)} s: ${duplicates} duplicate, ${lost} lost`,
  );
  for (const r of replicas) await r.stop();
  await github.close();
  await redis.stop();
} else lines.push("3. skipped: redis-server is not installed");

console.log(
  table(
    ["bench/load"],
    lines.map((l) => [l]),
  ),
);
console.log(machineNote());
