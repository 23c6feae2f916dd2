/**
 * bench/dashboard: GitHub API requests (and time) per refresh of the dashboard issue.
 * The GitHub API test server; the real app (startStack) makes the history — promotion PRs, a
 * merge by a developer, a cluster report — and the refresh itself is measured by calling
 * `syncDashboard` with an installation client, exactly as the app's refresher does.
 *
 *   npx tsx bench/dashboard.ts [--apps 200] [--envs 3]
 */
import { parseArgs } from "node:util";
import { parseFerryConfig } from "../src/config/load.js";
import { syncDashboard } from "../src/github/dashboard-store.js";
import type { Octokit } from "../src/github/repo-client.js";
import { signedHeaders } from "../src/reports/signature.js";
import { kustomization } from "../test/e2e/fixtures.js";
import { build } from "../test/e2e/world.js";
import { clusterSecretsEnv, configFiles, ferryYml, report, secrets } from "../test/reports/support.js";
import { startStack } from "../test/support/ferry.js";
import { byOperation, isTokenExchange } from "./support/measure.js";

const { values } = parseArgs({
  options: { apps: { type: "string", default: "200" }, envs: { type: "string", default: "3" } },
});

const stack = await startStack({
  // The app's own refreshes: the first at once, the next an hour later, so none runs while measuring.
  env: { FERRY_CLUSTER_SECRETS: clusterSecretsEnv, FERRY_DASHBOARD_INTERVAL_MS: "3600000" },
});
const { github } = stack;
// The running app's own Probot: an installation client configured exactly as the refresher's.
const octokit = (await stack.ferry.probot.auth(github.installationId)) as unknown as Octokit;

const rows: [string, string][] = [];
async function measure(what: string, repo: { owner: string; repo: string }, yml: string): Promise<void> {
  const parsed = parseFerryConfig(yml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  await github.idle();
  github.resetRequests();
  const started = performance.now();
  const outcome = await syncDashboard(octokit, repo, parsed.value, new Date());
  const ms = performance.now() - started;
  const requests = github.requests.filter((r) => !isTokenExchange(r));
  const detail = [...byOperation(requests)].map(([op, n]) => `${op} ×${n}`).join(", ");
  rows.push([`${what} (${outcome.status})`, `${requests.length}: ${detail}; ${ms.toFixed(0)} ms`]);
}

// 1. One app, two environments: created, then unchanged.
const deploy = { owner: "acme", repo: "deploy" };
github.createRepo("acme/deploy", { files: configFiles(ferryYml({ soak: "1h" })) });
github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
await measure("1 app × 2 envs, first refresh", deploy, ferryYml({ soak: "1h" }));
await measure("1 app × 2 envs, nothing changed", deploy, ferryYml({ soak: "1h" }));

// 2. History: a promotion merged by a developer, a healthy report, the production PR open.
await build(stack, "1.5.0");
const pr = github.pulls("acme/deploy").find((p) => p.state === "open");
await stack.user("alice").rest.pulls.merge({ ...deploy, pull_number: pr?.number ?? 0 });
await github.idle();
const body = JSON.stringify(report({ revision: github.resolve("acme/deploy", "main") }));
await fetch(`${stack.ferry.url}/ferry/v1/reports`, {
  method: "POST",
  headers: signedHeaders(secrets["staging-1"], body, Date.now()),
  body,
});
await build(stack, "1.6.0");
await measure("1 app × 2 envs, after a merge, a report and a new PR", deploy, ferryYml({ soak: "1h" }));
await measure("the same, nothing changed since", deploy, ferryYml({ soak: "1h" }));

// 3. Many apps: the query keeps one shape; only the files it reads grow.
const apps = Array.from({ length: Number(values.apps) }, (_, i) => `svc-${String(i).padStart(4, "0")}`);
const envs = Array.from({ length: Number(values.envs) }, (_, i) => `env-${i}`);
const many = `environments:\n${envs.map((e, i) => `  - name: ${e}\n    paths: [${e}/**]\n${i > 0 ? `    after: env-${i - 1}\n` : ""}`).join("")}apps:\n${apps.map((a) => `  - name: ${a}\n    image: ghcr.io/acme/${a}\n`).join("")}`;
const files: Record<string, string> = { ".github/ferry.yml": many };
for (const env of envs)
  for (const app of apps)
    files[`${env}/${app}/kustomization.yaml`] = kustomization("1.0.0").replace(
      "ghcr.io/acme/api",
      `ghcr.io/acme/${app}`,
    );
github.createRepo("acme/many", { files });
await measure(
  `${apps.length} apps × ${envs.length} envs, first refresh`,
  { owner: "acme", repo: "many" },
  many,
);
await measure(
  `${apps.length} apps × ${envs.length} envs, nothing changed`,
  { owner: "acme", repo: "many" },
  many,
);

await stack.close();
console.log("| refresh | GitHub requests (excluding the token exchange) |\n| --- | --- |");
for (const [what, figure] of rows) console.log(`| ${what} | ${figure} |`);
