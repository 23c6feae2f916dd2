/**
 * bench/promotion: GitHub API requests per bump PR and webhook-to-PR latency.
 * The real app (startStack) against the GitHub API test server, with two generated config repos:
 * a single-file staging environment and a 20-file one (Deployments, kustomization images, Helm
 * values, Flux HelmReleases, Argo CD Applications), each next to 300 unrelated files.
 *
 *   npx tsx bench/promotion.ts [--runs 20]
 *
 * Production settings: GITHUB_WRITE_INTERVAL_MS, GITHUB_RETRY_BASE_MS and FERRY_CONFIG_MAX_AGE_MS
 * at their defaults (1000, 1000, 300000), worker threads as shipped. Every request is counted at
 * the test server, the installation token exchange included. While the propose path is measured,
 * the server's webhook delivery is off; the deliveries it recorded (pull_request.opened/
 * synchronize/edited/labeled, push) are then posted to the app one by one, as GitHub would, with
 * the `check_suite.completed` GitHub sends once Ferry's checks on the head conclude (the test
 * server does not emit it), and what they cost is counted apart.
 *
 * Latency runs start each build once the installation's write slot is free (no write in the
 * last interval), as builds minutes apart find it; builds back to back queue behind the pacing.
 */
import { parseArgs } from "node:util";
import { type Stack, startStack, webhookSecret } from "../test/support/ferry.js";
import { type Delivery, githubGraphqlSchema, sendWebhook } from "../test/support/github/index.js";
import { repository, webhookExample } from "../test/support/payloads.js";
import { image, promotionRepo } from "./support/config-repo.js";
import {
  byOperation,
  isTokenExchange,
  machineNote,
  peakRssMb,
  percentile,
  type RequestEntry,
  stampTimes,
  table,
} from "./support/measure.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const runs = Number(values.runs);
/** As shipped: the defaults of src/settings.ts (the test stack lowers them for speed). */
const productionSettings = {
  GITHUB_WRITE_INTERVAL_MS: "1000",
  GITHUB_RETRY_BASE_MS: "1000",
  FERRY_CONFIG_MAX_AGE_MS: "300000",
};
const writeIntervalMs = Number(productionSettings.GITHUB_WRITE_INTERVAL_MS);
const repo = "acme/deploy";
const branch = "ferry/staging/api";

// One stack per scenario (set in `scenario`): a fresh app, so the first build is cold.
let stack: Stack;
let github: Stack["github"];
let times: ReturnType<typeof stampTimes>;
const unknownRoutes: string[] = [];

interface Measured {
  /** Every request, token exchanges included. */
  requests: RequestEntry[];
  /** Of those, token exchanges and JWT app lookups. */
  tokens: number;
  /** POST of the build webhook → the PR created or retitled (its webhook recorded). */
  latencyMs: number;
  /** POST of the build webhook → Ferry's answer (everything done, labels included). */
  handlerMs: number;
  deliveries: Delivery[];
}

let version = 0;
const nextTag = () => `1.5.${++version}`;

/** Sends one ferry-build repository_dispatch for `tag` and measures the propose path only. */
async function build(tag: string, expect: "opened" | "edited"): Promise<Measured> {
  github.setWebhooksEnabled(false);
  const from = github.requests.length;
  const fromDelivery = github.deliveries.length;
  const t0 = performance.now();
  const status = await sendWebhook(stack.webhookUrl, webhookSecret, "repository_dispatch", {
    action: "ferry-build",
    branch: "main",
    client_payload: { image, tag },
    repository: { full_name: "acme/api", html_url: "https://github.example/acme/api" },
    installation: { id: github.installationId },
    sender: { login: "ci-bot" },
  });
  if (status !== 202) throw new Error(`webhook answered ${status}`);
  // The answer only says it is queued; the job is done once Ferry's queue is idle.
  await stack.ferry.idle();
  const handlerMs = performance.now() - t0;
  const all = github.requests.slice(from);
  const deliveries = github.deliveries.slice(fromDelivery);
  const visible = deliveries.find((d) => d.event === "pull_request" && d.action === expect);
  const pr = github.pulls(repo).find((p) => p.state === "open" && p.head.ref === branch);
  if (!visible || !pr?.title.includes(tag))
    throw new Error(
      `no PR ${expect} for ${tag}: ${deliveries.map((d) => `${d.event}.${d.action}`).join(" ")}`,
    );
  return {
    requests: all,
    tokens: all.filter(isTokenExchange).length,
    latencyMs: times.deliveryAt(visible) - t0,
    handlerMs,
    deliveries,
  };
}

/**
 * Posts recorded deliveries to the app in order, as GitHub would, then the check_suite.completed
 * that the concluded checks cause, counting what each costs.
 */
async function replay(
  deliveries: Delivery[],
): Promise<{ guard: RequestEntry[]; other: RequestEntry[]; suite: RequestEntry[] }> {
  const guard: RequestEntry[] = [];
  const other: RequestEntry[] = [];
  for (const d of deliveries) {
    const from = github.requests.length;
    await sendWebhook(stack.webhookUrl, webhookSecret, d.event, d.payload, { id: d.id });
    await stack.ferry.idle();
    const spent = github.requests.slice(from);
    const isGuard =
      d.event === "pull_request" && ["opened", "synchronize", "reopened", "labeled"].includes(d.action ?? "");
    (isGuard ? guard : other).push(...spent);
  }
  const pr = github.pulls(repo).find((p) => p.state === "open" && p.head.ref === branch);
  const from = github.requests.length;
  if (pr)
    await sendWebhook(stack.webhookUrl, webhookSecret, "check_suite", {
      ...checkSuiteCompleted({ number: pr.number, head: { ref: pr.head.ref, sha: pr.head.sha } }),
      installation: { id: github.installationId },
    });
  // Its job is queued: wait for it, or its requests land in the next build's count.
  await stack.ferry.idle();
  return { guard, other, suite: github.requests.slice(from) };
}

/** `check_suite.completed` for a PR head, on GitHub's published example. */
function checkSuiteCompleted(pr: { number: number; head: { ref: string; sha: string } }) {
  return webhookExample("check_suite", "completed", {
    check_suite: {
      head_sha: pr.head.sha,
      head_branch: pr.head.ref,
      status: "completed",
      conclusion: "success",
      pull_requests: [
        { number: pr.number, head: { ref: pr.head.ref, sha: pr.head.sha }, base: { ref: "main" } },
      ],
    },
    repository: repository("acme/deploy"),
  });
}

/** Waits until no request reached the server for one write interval: the write slot is free. */
async function writeSlotFree(): Promise<void> {
  for (;;) {
    const last = github.requests.at(-1);
    const idle = last === undefined ? writeIntervalMs : Date.now() - last.at;
    if (idle >= writeIntervalMs) return;
    await new Promise((r) => setTimeout(r, writeIntervalMs - idle + 5));
  }
}

const eventsOf = (deliveries: Delivery[]) =>
  [...byKey(deliveries.map((d) => `${d.event}.${d.action ?? ""}`.replace(/\.$/, "")))]
    .map(([k, n]) => (n > 1 ? `${n}× ${k}` : k))
    .join(", ");

function byKey(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Closes the open Ferry PR and deletes its branch, so the next build takes the create path. */
async function closeFerryPr(): Promise<void> {
  github.setWebhooksEnabled(false);
  const developer = await stack.developer();
  const pr = github.pulls(repo).find((p) => p.state === "open" && p.head.ref === branch);
  if (pr)
    await developer.rest.pulls.update({
      owner: "acme",
      repo: "deploy",
      pull_number: pr.number,
      state: "closed",
    });
  await developer.rest.git.deleteRef({ owner: "acme", repo: "deploy", ref: `heads/${branch}` });
}

const fmtOps = (entries: RequestEntry[]) =>
  [...byOperation(entries)].map(([op, n]) => `${n}× ${op}`).join("\n      ") || "none";

/** synchronize deliveries whose PR head is the base commit: the branch reset before the commit. */
const resetsToBase = (deliveries: Delivery[]) =>
  deliveries.filter((d) => {
    const pr = d.payload.pull_request as { head?: { sha?: string }; base?: { sha?: string } } | undefined;
    return d.action === "synchronize" && pr?.head?.sha !== undefined && pr.head.sha === pr.base?.sha;
  }).length;

interface ScenarioResult {
  name: string;
  files: number;
  /** The app's start-up (its sweep), before any build: where the token exchange happens now. */
  startup: RequestEntry[];
  cold: Measured;
  coldGuard: Awaited<ReturnType<typeof replay>>;
  update: Measured;
  updateGuard: Awaited<ReturnType<typeof replay>>;
  create: Measured;
  createGuard: Awaited<ReturnType<typeof replay>>;
  createLatency: number[];
  updateLatency: number[];
  createHandler: number[];
  updateHandler: number[];
  createCounts: number[];
  updateCounts: number[];
}

async function scenario(shape: "single" | "twenty"): Promise<ScenarioResult> {
  // A fresh app and GitHub: config-repo index, ferry.yml cache and installation token all cold.
  // Production settings for the ferry.yml cache (the tests turn it off).
  stack = await startStack({ env: productionSettings });
  github = stack.github;
  times = stampTimes(github);
  const startup = github.requests.slice();
  github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
  github.createRepo(repo, { files: promotionRepo(shape) });

  const cold = await build(nextTag(), "opened");
  const files = github.pulls(repo).find((p) => p.head.ref === branch && p.state === "open");
  const changed = (
    await (
      await stack.developer()
    ).rest.pulls.listFiles({
      owner: "acme",
      repo: "deploy",
      pull_number: files?.number ?? 0,
      per_page: 100,
    })
  ).data.length;
  const coldGuard = await replay(cold.deliveries);

  const update = await build(nextTag(), "edited");
  const updateGuard = await replay(update.deliveries);

  await closeFerryPr();
  const create = await build(nextTag(), "opened");
  const createGuard = await replay(create.deliveries);

  // Latency: `runs` builds on each path, webhooks off (the guard would only compete for CPU).
  const createLatency: number[] = [];
  const updateLatency: number[] = [];
  const createHandler: number[] = [];
  const updateHandler: number[] = [];
  const createCounts: number[] = [];
  const updateCounts: number[] = [];
  for (let i = 0; i < runs; i++) {
    await closeFerryPr();
    await writeSlotFree();
    const c = await build(nextTag(), "opened");
    createLatency.push(c.latencyMs);
    createHandler.push(c.handlerMs);
    createCounts.push(c.requests.length);
    await writeSlotFree();
    const u = await build(nextTag(), "edited");
    updateLatency.push(u.latencyMs);
    updateHandler.push(u.handlerMs);
    updateCounts.push(u.requests.length);
  }
  unknownRoutes.push(...github.unknownRequests().map((r) => `${r.method} ${r.path}`));
  await stack.close();
  return {
    name: shape === "single" ? "single-file environment" : "20-file environment",
    files: changed,
    startup,
    cold,
    coldGuard,
    update,
    updateGuard,
    create,
    createGuard,
    createLatency,
    updateLatency,
    createHandler,
    updateHandler,
    createCounts,
    updateCounts,
  };
}

// The test server builds GitHub's GraphQL schema once per process (1–2 s): not Ferry's latency.
githubGraphqlSchema();
const t0 = performance.now();
const results = [await scenario("single"), await scenario("twenty")];
const seconds = (performance.now() - t0) / 1000;

const ms = (v: number) => `${v.toFixed(0)} ms`;
const range = (v: number[]) =>
  Math.min(...v) === Math.max(...v) ? `${v[0]}` : `${Math.min(...v)}–${Math.max(...v)}`;
console.log(`bench/promotion — ${new Date().toISOString().slice(0, 10)}, ${machineNote()}`);
console.log(
  `Settings: ${Object.entries(productionSettings)
    .map(([k, v]) => `${k}=${v}`)
    .join(
      ", ",
    )} (as shipped). Every request counted, token exchange included; guard = the requests the PR's own webhooks cause; check suite = Ferry's answer to check_suite.completed.\n`,
);
console.log(
  table(
    [
      "environment",
      "files changed",
      "first build (cold)",
      "warm update",
      "warm create",
      "guard/PR (opened)",
      "guard/update (synchronize)",
      "check_suite.completed",
      "other webhooks",
    ],
    results.map((r) => [
      r.name,
      r.files,
      r.cold.requests.length,
      r.update.requests.length,
      r.create.requests.length,
      r.createGuard.guard.length,
      r.updateGuard.guard.length,
      r.createGuard.suite.length,
      r.createGuard.other.length + r.updateGuard.other.length,
    ]),
  ),
);
for (const r of results) {
  console.log(`\n${r.name} (${r.files} files in the PR)`);
  console.log(
    `  app start-up, before the first build (${r.startup.filter(isTokenExchange).length} of them token exchange):\n      ${fmtOps(r.startup)}\n` +
      `  first build, cold (${r.cold.tokens} of them token exchange):\n      ${fmtOps(r.cold.requests)}`,
  );
  console.log(`  warm update (a newer build supersedes the open PR):\n      ${fmtOps(r.update.requests)}`);
  console.log(`  warm create (new PR, warm app):\n      ${fmtOps(r.create.requests)}`);
  console.log(`  webhooks caused by the create: ${eventsOf(r.create.deliveries)}`);
  console.log(`  guard on the new PR:\n      ${fmtOps(r.createGuard.guard)}`);
  console.log(
    `  webhooks caused by the update: ${eventsOf(r.update.deliveries)} (${resetsToBase(r.update.deliveries)} synchronize with head = base: the branch reset)`,
  );
  console.log(`  guard on the update:\n      ${fmtOps(r.updateGuard.guard)}`);
  console.log(`  check_suite.completed on the new PR:\n      ${fmtOps(r.createGuard.suite)}`);
  console.log(
    `  other webhooks (push, edited):\n      ${fmtOps([...r.createGuard.other, ...r.updateGuard.other])}`,
  );
  console.log(
    `  ${runs} runs each: requests per create ${range(r.createCounts)}, per update ${range(r.updateCounts)}`,
  );
}
console.log("\nWebhook POST → PR visible (created, or retitled for an update), and → Ferry's answer:\n");
console.log(
  table(
    ["environment", "path", "PR visible median", "p95", "answer median", "p95"],
    results.flatMap((r) => [
      [
        r.name,
        "create",
        ms(percentile(r.createLatency, 50)),
        ms(percentile(r.createLatency, 95)),
        ms(percentile(r.createHandler, 50)),
        ms(percentile(r.createHandler, 95)),
      ],
      [
        r.name,
        "update",
        ms(percentile(r.updateLatency, 50)),
        ms(percentile(r.updateLatency, 95)),
        ms(percentile(r.updateHandler, 50)),
        ms(percentile(r.updateHandler, 95)),
      ],
    ]),
  ),
);
console.log(
  `\ncold first build latency: ${results.map((r) => `${r.name} ${ms(r.cold.latencyMs)}`).join(", ")}`,
);
console.log(`peak RSS (app + test server + bench, one process): ${peakRssMb().toFixed(0)} MB`);
console.log(`unknown routes: ${unknownRoutes.length}; total ${seconds.toFixed(1)} s; ${machineNote()}`);
