/**
 * bench/validate-pr: the guard on a large PR. The real app (startStack) against the GitHub API
 * test server; a config repo whose PR changes 1,000 generated manifests (half modified, half
 * added; Deployments, Services, ConfigMaps, HelmReleases, Argo CD Applications, CronJobs,
 * kustomization.yaml; about one file in 35 breaks a policy rule), opened through the test server
 * so its pull_request.opened webhook runs the guard. Measures PR open → `Ferry / validate`
 * completed, the guard's GitHub requests by operation, annotations and the requests that carry
 * them, and peak RSS. Each size runs in its own child process, so peak RSS is that size's.
 *
 *   npx tsx bench/validate-pr.ts [sizes=1000,3000]
 */
import { execFileSync } from "node:child_process";
import { startStack } from "../test/support/ferry.js";
import { githubGraphqlSchema } from "../test/support/github/index.js";
import { prManifest, promotionRepo } from "./support/config-repo.js";
import {
  byOperation,
  isTokenExchange,
  machineNote,
  operation,
  peakRssMb,
  type RequestEntry,
  stampTimes,
  table,
} from "./support/measure.js";

interface Result {
  files: number;
  prBytes: number;
  /** PR opened (webhook recorded) → first PATCH that concludes `Ferry / validate`. */
  toValidateMs: number;
  /** → the last annotation batch of `Ferry / validate`. */
  toLastAnnotationMs: number;
  /** → the guard's last request (`Ferry / promotion` concluded). */
  toDoneMs: number;
  conclusion: string;
  title: string;
  annotations: number;
  validatePatches: number;
  requests: number;
  operations: [string, number][];
  /** Per operation: ms after the PR opened of its first and last request. */
  timeline: [string, number, number][];
  annotationsByRule: [string, number][];
  unknownRoutes: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

if (process.argv[2] === "--measure") {
  process.stdout.write(`${JSON.stringify(await measure(Number(process.argv[3] ?? 1000)))}\n`);
} else {
  const sizes = (process.argv[2] ?? "1000,3000").split(",").map(Number);
  const results: Result[] = [];
  console.log(`bench/validate-pr — ${new Date().toISOString().slice(0, 10)}, ${machineNote()}`);
  for (const size of sizes) {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", new URL(import.meta.url).pathname, "--measure", String(size)],
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, stdio: ["ignore", "pipe", "inherit"] },
    );
    const line = out.trim().split("\n").at(-1) ?? "{}";
    results.push(JSON.parse(line) as Result);
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    table(
      [
        "files",
        "PR size",
        "open → validate completed",
        "→ last annotation",
        "→ promotion concluded",
        "conclusion",
        "annotations",
        "validate PATCHes",
        "guard requests",
        "peak RSS",
      ],
      results.map((r) => [
        r.files,
        `${(r.prBytes / 1e6).toFixed(1)} MB`,
        s(r.toValidateMs),
        s(r.toLastAnnotationMs),
        s(r.toDoneMs),
        r.conclusion,
        r.annotations,
        r.validatePatches,
        r.requests,
        `${r.peakRssMb.toFixed(0)} MB (${r.rssBeforeMb.toFixed(0)} before the PR)`,
      ]),
    ),
  );
  for (const r of results) {
    console.log(
      `\n${r.files} files: "${r.title}"; guard requests by operation (unknown routes: ${r.unknownRoutes}):`,
    );
    for (const [op, from, to] of r.timeline) {
      const n = r.operations.find(([o]) => o === op)?.[1] ?? 0;
      console.log(
        `  ${String(n).padStart(4)}× ${op.padEnd(58)} at ${(from / 1000).toFixed(2)}–${(to / 1000).toFixed(2)} s`,
      );
    }
    console.log(`  annotations: ${r.annotationsByRule.map(([k, n]) => `${n} ${k}`).join(", ")}`);
  }
  console.log(`\n${machineNote()}`);
}

async function measure(count: number): Promise<Result> {
  githubGraphqlSchema(); // built once per process by the test server; not the guard's time
  const stack = await startStack({ env: { FERRY_CONFIG_MAX_AGE_MS: "300000" } });
  const { github } = stack;
  const times = stampTimes(github);
  const repo = "acme/deploy";
  const base: Record<string, string> = promotionRepo("single");
  const changed: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const before = prManifest(i, 1);
      base[before.path] = before.text;
    }
    const after = prManifest(i, 2);
    changed[after.path] = after.text;
  }
  github.createRepo(repo, { files: base });
  github.push(repo, {
    branch: "bulk",
    files: changed,
    message: `Regenerate ${count} manifests`,
    author: { name: "Dev", email: "dev@acme.test", login: "dev" },
  });
  await stack.idle(); // the branch push's own webhook is not the guard's
  const developer = await stack.developer();
  const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
  const fromDelivery = github.deliveries.length;
  const fromRequest = github.requests.length;
  const { data: pr } = await developer.rest.pulls.create({
    owner: "acme",
    repo: "deploy",
    head: "bulk",
    base: "main",
    title: `Regenerate ${count} manifests`,
  });
  // Probot answers a delivery 202 "still processing" after 9 s, so `idle()` is not enough:
  // wait until the guard concluded its last check, `Ferry / promotion`.
  await github.idle();
  const deadline = Date.now() + 300_000;
  const concluded = () =>
    github.checkRuns(repo, pr.head.sha).find((c) => c.name === "Ferry / promotion")?.status === "completed";
  while (!concluded()) {
    if (Date.now() > deadline) throw new Error("the guard did not conclude Ferry / promotion");
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 100));
  const opened = github.deliveries.slice(fromDelivery).find((d) => d.event === "pull_request");
  if (!opened) throw new Error("no pull_request.opened delivery");
  const start = times.deliveryAt(opened);
  const spent = github.requests
    .slice(fromRequest)
    .filter((r) => times.requestAt(r) >= start && !isTokenExchange(r));
  const run = github.checkRuns(repo, pr.head.sha).find((c) => c.name === "Ferry / validate");
  if (run?.status !== "completed")
    throw new Error(
      `Ferry / validate did not complete: ${JSON.stringify(run?.status)} ${JSON.stringify(github.deliveries.slice(fromDelivery).map((d) => [d.event, d.action, d.status, d.error]))}`,
    );
  const patches: RequestEntry[] = spent.filter(
    (r) => r.method === "PATCH" && r.path.endsWith(`/check-runs/${run.id}`),
  );
  const first = patches[0];
  const last = patches.at(-1);
  const result: Result = {
    files: count,
    prBytes: Object.values(changed).reduce((n, t) => n + Buffer.byteLength(t), 0),
    toValidateMs: (first ? times.requestAt(first) : Number.NaN) - start,
    toLastAnnotationMs: (last ? times.requestAt(last) : Number.NaN) - start,
    toDoneMs: (spent.at(-1) ? times.requestAt(spent.at(-1) as RequestEntry) : Number.NaN) - start,
    conclusion: run.conclusion ?? "none",
    title: run.output.title ?? "",
    annotations: run.output.annotations.length,
    validatePatches: patches.length,
    requests: spent.length,
    operations: [...byOperation(spent)],
    timeline: [...byOperation(spent).keys()].map((op) => {
      const at = spent.filter((r) => operation(r) === op).map((r) => times.requestAt(r) - start);
      return [op, Math.min(...at), Math.max(...at)];
    }),
    annotationsByRule: [
      ...run.output.annotations.reduce(
        (m, a) =>
          m.set(`${a.annotation_level} ${a.title}`, (m.get(`${a.annotation_level} ${a.title}`) ?? 0) + 1),
        new Map<string, number>(),
      ),
    ],
    unknownRoutes: github.unknownRequests().length,
    rssBeforeMb,
    peakRssMb: peakRssMb(),
  };
  await stack.close();
  return result;
}
