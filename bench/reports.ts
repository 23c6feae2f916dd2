/**
 * bench/reports: GitHub API requests the app spends per 1,000 status changes in the clusters.
 * The real app (startStack) against the GitHub API test server; one Kubernetes API test server
 * and one real agent (startAgent, in process) per cluster; Argo CD Applications churning through
 * new config-repo commits exactly as bench/agent churns them.
 *
 *   npx tsx bench/reports.ts [--clusters 4] [--apps 50] [--rounds 3]
 */
import { parseArgs } from "node:util";
import { type Agent, startAgent } from "../src/agent/agent.js";
import { startStack } from "../test/support/ferry.js";
import { argo, argoApplication } from "../test/support/kube/fixtures.js";
import { KubeTestServer, resources } from "../test/support/kube/server.js";

const { values } = parseArgs({
  options: {
    clusters: { type: "string", default: "4" },
    apps: { type: "string", default: "50" },
    rounds: { type: "string", default: "3" },
  },
});
const clusterCount = Number(values.clusters);
const appCount = Number(values.apps);
const rounds = Number(values.rounds);
const envs = Array.from({ length: clusterCount }, (_, i) => `env-${i + 1}`);
const secret = (env: string) => `bench-secret-${env}-0123456789`;
const apps = resources.applications;

const yml = `environments:
${envs.map((e) => `  - name: ${e}\n    paths: [overlays/${e}/**]\n    reconcileTimeout: 1h`).join("\n")}
apps:
  - name: api
    image: ghcr.io/acme/api
clusters:
${envs.map((e) => `  - name: ${e}-cluster\n    environment: ${e}`).join("\n")}
`;
const stack = await startStack({
  env: { FERRY_CLUSTER_SECRETS: envs.map((e) => `${e}-cluster=${secret(e)}`).join(",") },
});
const { github } = stack;
github.createRepo("acme/deploy", {
  files: {
    ".github/ferry.yml": yml,
    ...Object.fromEntries(envs.map((e) => [`overlays/${e}/app.yaml`, "revision: 0\n"])),
  },
});
const names = Array.from({ length: appCount }, (_, i) => `app-${String(i).padStart(3, "0")}`);
const clusters: { env: string; kube: KubeTestServer; agent: Agent }[] = [];
let sha = github.resolve("acme/deploy", "main") as string;
for (const env of envs) {
  const kube = await KubeTestServer.start({ historyLimit: 100_000 });
  for (const name of names) {
    kube.upsert(
      apps,
      argoApplication({ name, environment: env, configRepo: "acme/deploy", status: argo.healthy(sha) }),
    );
  }
  const agent = startAgent({
    ferryUrl: stack.ferry.url,
    cluster: `${env}-cluster`,
    secret: secret(env),
    kubeconfig: kube.kubeconfig(),
    environment: env,
    namespace: "ferry",
    identity: `${env}-agent`,
    leaderElection: false,
    healthyHoldMs: 200,
    watch: ["applications"],
  });
  clusters.push({ env, kube, agent });
}

const healthyRows = (env: string, at: string) => {
  const run = github
    .checkRuns("acme/deploy", at)
    .filter((c) => c.name === `Ferry / reconcile (${env})`)
    .at(-1);
  if (run?.conclusion !== "success") return 0;
  return (run.output.summary ?? "").split("\n").filter((l) => l.includes("| healthy | Synced | Healthy |"))
    .length;
};
const allHealthy = (at: string) => envs.every((e) => healthyRows(e, at) === appCount);
const waitUntil = async (check: () => boolean, what: string, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const counted = (from: number) =>
  github.requests.slice(from).filter((r) => !r.path.endsWith("/access_tokens") && r.path !== "/app");

// 1. Cold start: every object's initial state, with the app's caches empty.
const t0 = performance.now();
await waitUntil(() => allHealthy(sha), "initial state");
await Promise.all(clusters.map((c) => c.agent.idle()));
await stack.idle(); // reports are answered once queued; their jobs write the checks
const cold = counted(0);
const coldMs = performance.now() - t0;
const coldReports = clusters.reduce((n, c) => n + c.agent.stats().delivered, 0);

// 2. Churn: each round a new commit rolls through every Application: syncing, progressing,
// healthy, a no-op rewrite, a flap shorter than the hold, healthy again.
let changes = 0;
let churnRequests = 0;
const byRoute = new Map<string, number>();
const reportsBefore = coldReports;
const t1 = performance.now();
for (let round = 1; round <= rounds; round++) {
  sha = github.push("acme/deploy", {
    branch: "main",
    files: Object.fromEntries(envs.map((e) => [`overlays/${e}/app.yaml`, `revision: ${round}\n`])),
    message: `Round ${round}`,
  });
  await stack.idle(); // the push webhook's own handling is not part of the report budget
  const from = github.requests.length;
  const steps = [
    argo.syncing(sha),
    argo.progressing(sha),
    argo.healthy(sha),
    { ...argo.healthy(sha), reconciledAt: new Date().toISOString() },
    argo.progressing(sha),
    argo.healthy(sha),
  ];
  for (const status of steps) {
    for (const c of clusters) for (const name of names) c.kube.patchStatus(apps, "argocd", name, status);
    changes += clusterCount * appCount;
    await new Promise((r) => setTimeout(r, 20));
  }
  await waitUntil(() => allHealthy(sha), `round ${round}`);
  await Promise.all(clusters.map((c) => c.agent.idle()));
  await stack.idle();
  const spent = counted(from);
  churnRequests += spent.length;
  for (const r of spent) {
    const key = r.graphqlOperation ? `GraphQL ${r.graphqlOperation}` : (r.route ?? r.path);
    byRoute.set(key, (byRoute.get(key) ?? 0) + 1);
  }
}
const churnMs = performance.now() - t1;
const churnReports = clusters.reduce((n, c) => n + c.agent.stats().delivered, 0) - reportsBefore;

for (const c of clusters) {
  await c.agent.stop();
  await c.kube.close();
}
await stack.close();

const per1000 = (n: number) => ((n / changes) * 1000).toFixed(0);
console.log(
  [
    `clusters/environments: ${clusterCount}, Applications per environment: ${appCount}, churn rounds: ${rounds}`,
    `cold start: ${coldReports} reports → ${cold.length} GitHub requests in ${(coldMs / 1000).toFixed(1)} s (installation, ferry.yml, commit, check lookups included)`,
    `status changes written: ${changes}; reports delivered: ${churnReports} (${per1000(churnReports)} per 1,000 changes)`,
    `GitHub API requests during churn: ${churnRequests} → ${per1000(churnRequests)} per 1,000 status changes, ${(churnRequests / churnReports).toFixed(2)} per report`,
    `churn wall time: ${(churnMs / 1000).toFixed(1)} s`,
    "requests by route:",
    ...[...byRoute.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${String(v).padStart(6)}  ${k}`),
  ].join("\n"),
);
