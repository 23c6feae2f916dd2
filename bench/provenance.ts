/**
 * bench/provenance: what provenance-verified promotion adds per promotion, in GitHub requests
 * and time, cold (a digest Ferry has not judged) and cached (a verdict Ferry holds).
 *
 *   npx tsx bench/provenance.ts [--runs 20]
 *
 * 1. Verifying one bundle (signature, timestamp, subject, claims) offline, per trusted root.
 * 2. The real app (startStack) and the GitHub API test server: a `ferry-build` dispatch with a
 *    digest, webhooks on, until Ferry has answered and the guard has run on the PR it opened or
 *    updated; `provenance: off` against `provenance: required` with an attested digest.
 * 3. The guard re-run on a PR ("Re-run all checks"): cold (a fresh replica, empty cache) and
 *    cached (the replica that judged the digest).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { githubActionsIssuer, type ProvenancePolicy } from "../src/provenance/policy.js";
import { parseTrustedRoots } from "../src/provenance/trust-roots.js";
import { verifyAttestation } from "../src/provenance/verify-attestation.js";
import { configRepoFiles, ferryYml } from "../test/e2e/fixtures.js";
import { type Stack, startStack, webhookSecret } from "../test/support/ferry.js";
import { sendWebhook } from "../test/support/github/index.js";
import { repository, repositoryId } from "../test/support/payloads.js";
import {
  githubInstance,
  publicGoodInstance,
  randomDigest,
  type TestInstance,
  trustedRootLines,
} from "../test/support/provenance.js";
import { describeOperations, isTokenExchange, machineNote, percentile, table } from "./support/measure.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const runs = Number(values.runs);

const github = await githubInstance();
const publicGood = await publicGoodInstance();
const rootsParsed = parseTrustedRoots(trustedRootLines(github, publicGood));
if (!rootsParsed.ok) throw new Error(rootsParsed.errors);
const roots = rootsParsed.value;
const rootsFile = join(mkdtempSync(join(tmpdir(), "ferry-bench-roots-")), "roots.jsonl");
writeFileSync(rootsFile, trustedRootLines(github, publicGood));

const ms = (values: number[]) =>
  `${percentile(values, 50).toFixed(1)} ms (p95 ${percentile(values, 95).toFixed(1)})`;

// 1. Offline verification per bundle.
const policy: ProvenancePolicy = {
  mode: "required",
  repository: "acme/api",
  workflows: ["acme/api/.github/workflows/**"],
  refs: ["refs/heads/main"],
  triggers: ["push"],
  githubHostedRunners: true,
  issuer: githubActionsIssuer,
};
const verifyRows: string[][] = [];
for (const [name, instance] of [
  ["GitHub instance (TSA)", github],
  ["public good (tlog + SCT)", publicGood],
] as [string, TestInstance][]) {
  const digest = randomDigest();
  const bundle = await instance.bundle({ digest });
  const times: number[] = [];
  for (let i = 0; i < Math.max(runs * 5, 50); i++) {
    const t0 = performance.now();
    const verdict = verifyAttestation(bundle, digest, policy, roots);
    times.push(performance.now() - t0);
    if (!verdict.ok) throw new Error(verdict.reason);
  }
  verifyRows.push([name, ms(times)]);
}

// 2. Promotions, off against required.
const yml = (mode: "off" | "required" | "reachable") =>
  ferryYml.replace(
    "    trigger: { workflow: build.yml, branch: main }\n",
    (l) =>
      `${l}    provenance: ${mode === "reachable" ? "{ mode: required, requireReachable: true }" : mode}\n`,
  );

/** Requests provenance adds: the attestation lookups, and the compare on the source repo (requireReachable). */
const isProvenance = (r: { route?: string | undefined; path: string }) =>
  Boolean(r.route?.includes("attestations")) || r.path.startsWith("/repos/acme/api/compare/");

async function promotions(mode: "off" | "required" | "reachable") {
  const stack = await startStack({
    env: { FERRY_TRUSTED_ROOTS: rootsFile, FERRY_CONFIG_MAX_AGE_MS: "300000", FERRY_RENDER: "off" },
  });
  stack.github.createRepo("acme/deploy", { files: { ...configRepoFiles(), ".github/ferry.yml": yml(mode) } });
  stack.github.createRepo("acme/api", { files: { "README.md": "api" } });
  const perBuild: { requests: number; attestation: number; ms: number; ops: string }[] = [];
  for (let i = 0; i <= runs; i++) {
    const digest = randomDigest();
    const sha = stack.github.push("acme/api", { branch: "main", files: { "v.txt": String(i) } });
    stack.github.attest(
      "acme/api",
      digest,
      await github.bundle({ digest, claims: { repoId: repositoryId("acme/api"), sha } }),
    );
    const from = stack.github.requests.length;
    const t0 = performance.now();
    await sendWebhook(stack.webhookUrl, webhookSecret, "repository_dispatch", {
      action: "ferry-build",
      branch: "main",
      client_payload: { image: "ghcr.io/acme/api", tag: `1.5.${i}`, digest, sha },
      repository: repository("acme/api"),
      installation: { id: stack.github.installationId },
    });
    await stack.github.idle();
    const elapsed = performance.now() - t0;
    const spent = stack.github.requests.slice(from).filter((r) => !isTokenExchange(r));
    // The first build warms the app (index, ferry.yml, token): not counted.
    if (i > 0)
      perBuild.push({
        requests: spent.length,
        attestation: spent.filter(isProvenance).length,
        ms: elapsed,
        ops: describeOperations(spent.filter(isProvenance)),
      });
  }
  return { stack, perBuild };
}

const off = await promotions("off");
await off.stack.close();
const reachable = await promotions("reachable");
await reachable.stack.close();
const required = await promotions("required");

// 3. The guard re-run: cached (this replica) and cold (a fresh one).
async function rerun(stack: Stack, url: string) {
  const pr = stack.github.pulls("acme/deploy").find((p) => p.state === "open");
  if (!pr) throw new Error("no open PR");
  stack.github.setWebhook({ url: `${url}/api/github/webhooks`, secret: webhookSecret });
  const from = stack.github.requests.length;
  const t0 = performance.now();
  stack.github.rerequestCheckSuite("acme/deploy", pr.head.sha);
  await stack.github.idle();
  const elapsed = performance.now() - t0;
  const spent = stack.github.requests.slice(from).filter((r) => !isTokenExchange(r));
  return {
    requests: spent.length,
    attestation: spent.filter(isProvenance).length,
    ms: elapsed,
  };
}
const cached: Awaited<ReturnType<typeof rerun>>[] = [];
const cold: Awaited<ReturnType<typeof rerun>>[] = [];
for (let i = 0; i < runs; i++) {
  cached.push(await rerun(required.stack, required.stack.ferry.url));
  const replica = await required.stack.replica();
  // The replica's first webhook also exchanges a token: excluded above, as everywhere.
  cold.push(await rerun(required.stack, replica.url));
  await replica.close();
}
await required.stack.close();

const median = (rows: { requests: number }[]) =>
  percentile(
    rows.map((r) => r.requests),
    50,
  );
const medianAtt = (rows: { attestation: number }[]) =>
  percentile(
    rows.map((r) => r.attestation),
    50,
  );
const times = (rows: { ms: number }[]) => ms(rows.map((r) => r.ms));

console.log(`bench/provenance — ${runs} runs — ${machineNote()}\n`);
console.log("Verifying one bundle offline (verifyAttestation)");
console.log(table(["trusted root", "median"], verifyRows));
console.log("\nBuild → PR opened or updated → guard on it (webhooks on, warm app)");
console.log(
  table(
    ["provenance", "requests", "of which provenance", "build → guard done"],
    [
      ["off", median(off.perBuild), medianAtt(off.perBuild), times(off.perBuild)],
      [
        "required, new digest (cold)",
        median(required.perBuild),
        medianAtt(required.perBuild),
        times(required.perBuild),
      ],
      [
        "required + requireReachable (cold)",
        median(reachable.perBuild),
        medianAtt(reachable.perBuild),
        times(reachable.perBuild),
      ],
    ],
  ),
);
console.log(`  provenance requests per build: ${required.perBuild[0]?.ops}`);
console.log(`  with requireReachable: ${reachable.perBuild[0]?.ops}`);
console.log("\nGuard re-run on the PR (Re-run all checks)");
console.log(
  table(
    ["verdict cache", "requests", "of which provenance", "re-run → checks done"],
    [
      ["cached (same replica)", median(cached), medianAtt(cached), times(cached)],
      ["cold (fresh replica)", median(cold), medianAtt(cold), times(cold)],
    ],
  ),
);
