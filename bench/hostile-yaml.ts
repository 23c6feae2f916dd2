/**
 * Every hostile YAML class (test/support/hostile-yaml.ts) through what `ferry validate` and the
 * guard run on a file (decode the bytes, then the validator: parse, data, schema, policy): the
 * worst wall and CPU time per file and the peak RSS, each class in a fresh child process.
 * Then the app as a child process receives a PR with every class twice, and /healthz is
 * polled every 50 ms throughout: its slowest answer.
 * Usage: npx tsx bench/hostile-yaml.ts [runs=3] [--no-app]
 */
import { execFileSync } from "node:child_process";
import { Octokit } from "@octokit/rest";
import { decodeYamlBytes } from "../src/manifests/safe-text.js";
import { defaultYamlLimits } from "../src/manifests/yaml-file.js";
import { type ManifestFile, validateFiles } from "../src/policy/engine.js";
import { configRepoFiles } from "../test/e2e/fixtures.js";
import { startFerryProcess, testServerEnv, watchHealth } from "../test/support/ferry-process.js";
import { generateAppKeyPair, startGitHubServer } from "../test/support/github/index.js";
import { hostileCases } from "../test/support/hostile-yaml.js";
import { pollUntil } from "../test/support/poll.js";
import { machineNote, peakRssMb, table } from "./support/measure.js";

const config = { environments: [], apps: [], clusters: [], policy: {} };

interface Measured {
  worstWallMs: number;
  worstCpuMs: number;
  peakRssMb: number;
  outcome: string;
}

if (process.argv[2] === "--measure") {
  process.stdout.write(JSON.stringify(await measure(process.argv[3] ?? "", Number(process.argv[4] ?? 3))));
} else {
  const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3);
  await main(runs, !process.argv.includes("--no-app"));
}

async function main(runs: number, app: boolean): Promise<void> {
  const child = (name: string) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        ["--import", "tsx", "bench/hostile-yaml.ts", "--measure", name, String(runs)],
        {
          encoding: "utf8",
          maxBuffer: 16 * 1024 * 1024,
        },
      ),
    ) as Measured;
  const baseline = child("");
  const rows = hostileCases().map((c) => {
    const m = child(c.name);
    return [
      c.name,
      (c.bytes.length / 1024).toFixed(0),
      m.worstWallMs.toFixed(0),
      m.worstCpuMs.toFixed(0),
      m.peakRssMb.toFixed(0),
      m.outcome,
    ];
  });
  const lines = [
    machineNote(),
    `each class: ${runs} runs in one fresh process (decode + validateFiles); baseline process after warm-up: ${baseline.peakRssMb.toFixed(0)} MB peak RSS`,
    "",
    table(["class", "KiB", "worst ms", "worst CPU ms", "peak RSS MB", "outcome"], rows),
  ];
  if (app) lines.push("", await appHealth());
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Decodes and validates one class `runs` times, after warming the validator on a tiny file. */
async function measure(name: string, runs: number): Promise<Measured> {
  await validateFiles({ files: [{ path: "warm.yaml", text: "apiVersion: v1\nkind: ConfigMap\n" }], config });
  const c = hostileCases().find((h) => h.name === name);
  let worstWallMs = 0;
  let worstCpuMs = 0;
  let outcome = "";
  for (let i = 0; c !== undefined && i < runs; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const decoded = decodeYamlBytes(c.bytes, defaultYamlLimits.maxBytes);
    const file: ManifestFile =
      "text" in decoded
        ? { path: `${name}.yaml`, text: decoded.text }
        : { path: `${name}.yaml`, text: "", unreadable: decoded };
    const report = await validateFiles({ files: [file], config });
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    worstWallMs = Math.max(worstWallMs, wall);
    worstCpuMs = Math.max(worstCpuMs, (used.user + used.system) / 1000);
    const errors = report.findings.filter((f) => f.severity === "error");
    outcome = errors.length === 0 ? "accepted" : `${errors[0]?.rule} at line ${errors[0]?.line}`;
  }
  return { worstWallMs, worstCpuMs, peakRssMb: peakRssMb(), outcome };
}

/** The app as a child process guards a PR holding every class twice; /healthz polled every 50 ms. */
async function appHealth(): Promise<string> {
  const appId = 1234;
  const secret = "bench-secret";
  const keys = generateAppKeyPair();
  const github = await startGitHubServer({ appId, privateKey: keys.privateKey, account: "acme" });
  github.createRepo("acme/deploy", { files: configRepoFiles() });
  // Production settings: the shipped defaults, not the test stack's speed-ups (write interval 0,
  // no config cache, rendering off).
  const {
    GITHUB_WRITE_INTERVAL_MS: _interval,
    GITHUB_RETRY_BASE_MS: _retry,
    FERRY_CONFIG_MAX_AGE_MS: _maxAge,
    FERRY_RENDER: _render,
    ...env
  } = testServerEnv({ github, appId, privateKey: keys.privateKey, webhookSecret: secret });
  // FERRY_RENDER=off in the bench's environment measures without rendering.
  const render = process.env.FERRY_RENDER;
  const ferry = await startFerryProcess({ ...env, ...(render ? { FERRY_RENDER: render } : {}) });
  try {
    github.setWebhook({ url: `${ferry.url}/api/github/webhooks`, secret });
    const files: Record<string, Buffer> = {};
    for (const c of hostileCases()) {
      for (const copy of [1, 2]) files[`overlays/staging/hostile/${c.name}-${copy}.yaml`] = c.bytes;
    }
    const health = watchHealth(ferry.url, 50, 15_000);
    const started = performance.now();
    const head = github.push("acme/deploy", { branch: "hostile", files, message: "hostile" });
    const developer = new Octokit({ baseUrl: github.apiUrl, auth: github.userToken("dev") });
    await developer.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "hostile",
      base: "main",
      title: "x",
    });
    const check = await pollUntil(
      () =>
        github
          .checkRuns("acme/deploy", head)
          .find((r) => r.name === "Ferry / validate" && r.status === "completed"),
      "Ferry / validate",
      600_000,
      50,
    );
    const seconds = (performance.now() - started) / 1000;
    const { probes: polls, failures, slowestMs } = await health.stop();
    return [
      `app as a child process, production settings (every GITHUB_* and FERRY_* setting at its default${render ? `, FERRY_RENDER=${render}` : ""})`,
      `  a PR with ${Object.keys(files).length} hostile files (${(Object.values(files).reduce((n, b) => n + b.length, 0) / 1e6).toFixed(1)} MB)`,
      `  Ferry / validate ${check.conclusion} after ${seconds.toFixed(1)} s with ${check.output.annotations.length} annotations; process alive: ${ferry.exit() === undefined}`,
      `  /healthz: ${polls} polls, slowest answer ${slowestMs.toFixed(0)} ms, ${failures.length} failures`,
    ].join("\n");
  } finally {
    await ferry.stop();
    await github.close();
  }
}
