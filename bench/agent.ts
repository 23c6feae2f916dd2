/**
 * bench/agent: the real agent in its own process (compiled with tsc, `ferry agent`, leader
 * election on) watching the Kubernetes API test server, with objects built as a cluster holds
 * them (test/support/kube/realistic.ts: managedFields, every resource with its health, revision
 * and release history, inventories), and a local receiver that verifies every report as the app
 * would. Three runs: Argo CD only, Flux only, both.
 * Prints per run: agent RSS after the initial list and at peak, events/s, reports, coalescing.
 *
 *   npx tsx bench/agent.ts [--apps 2000] [--flux 2000] [--rounds 3] [--only argo|flux|both]
 *     [--node-args "<flags>"] (default: the flags of deploy/agent's container command)
 *     [--node-options "<flags>"] [--env KEY=VALUE] [--memory]
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { MemoryReplayCache } from "../src/reports/replay-cache.js";
import type { Report } from "../src/reports/report.js";
import { verifyReport } from "../src/reports/verify.js";
import { sha } from "../test/support/kube/fixtures.js";
import {
  realArgoApplication,
  realArgoStatus,
  realHelmRelease,
  realHelmReleaseStatus,
  realKustomization,
  realKustomizationStatus,
} from "../test/support/kube/realistic.js";
import { KubeTestServer, resources } from "../test/support/kube/server.js";

const root = resolve(import.meta.dirname, "..");
/** The node flags deploy/agent runs the agent with: its container command up to the script. */
const deployed = (() => {
  const manifest = parse(readFileSync(join(root, "deploy/agent/deployment.yaml"), "utf8")) as {
    spec: { template: { spec: { containers: { command?: string[] }[] } } };
  };
  const command = manifest.spec.template.spec.containers[0]?.command ?? [];
  return command
    .slice(
      1,
      command.findIndex((part) => part.endsWith("cli.js")),
    )
    .join(" ");
})();
const { values } = parseArgs({
  options: {
    apps: { type: "string", default: "2000" },
    /** Flux objects: half Kustomizations, half HelmReleases (one per Kustomization). */
    flux: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
    /** Flags for node, before the script (default: deploy/agent's container command). */
    "node-args": { type: "string", default: deployed },
    /** NODE_OPTIONS for the agent process (default: none, as deploy/agent). */
    "node-options": { type: "string", default: "" },
    /** Extra environment for the agent process, e.g. --env MALLOC_ARENA_MAX=2 (repeatable). */
    env: { type: "string", multiple: true, default: [] },
    /** Print the agent's heap and RSS every second (from bench/agent-process.ts). */
    memory: { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const secret = "bench-cluster-secret-0123456789";
const nodeOptions = values["node-options"];

// 1. Compile only the agent's import graph, next to a node_modules link so imports resolve.
const out = mkdtempSync(join(tmpdir(), "ferry-bench-agent-"));
symlinkSync(join(root, "node_modules"), join(out, "node_modules"));
writeFileSync(join(out, "package.json"), '{ "type": "module" }');
execFileSync(
  join(root, "node_modules/.bin/tsc"),
  [
    "bench/agent-process.ts",
    ...["--outDir", out, "--rootDir", ".", "--target", "ES2022", "--module", "NodeNext"],
    ...["--moduleResolution", "NodeNext", "--skipLibCheck", "--types", "node", "--noCheck"],
  ],
  { cwd: root, stdio: "inherit" },
);

interface Scenario {
  name: string;
  apps: number;
  flux: number;
}
const scenarios: Scenario[] = [
  { name: "argo", apps: Number(values.apps), flux: 0 },
  { name: "flux", apps: 0, flux: Number(values.flux) },
  { name: "both", apps: Number(values.apps), flux: Number(values.flux) },
].filter((s) => values.only === undefined || s.name === values.only);

console.log(
  `agent node flags: ${values["node-args"] || "(none)"}; NODE_OPTIONS: ${nodeOptions || "(none)"}; churn rounds: ${rounds}`,
);
for (const scenario of scenarios) console.log(`\n${await run(scenario)}`);
rmSync(out, { recursive: true, force: true });

async function run(scenario: Scenario): Promise<string> {
  // 2. The cluster and the receiver.
  const kube = await KubeTestServer.start({ historyLimit: 200_000 });
  const apps = Array.from({ length: scenario.apps }, (_, i) => ({
    name: `app-${String(i).padStart(4, "0")}`,
    namespace: `team-${i % 20}`,
  }));
  const services = Array.from(
    { length: Math.floor(scenario.flux / 2) },
    (_, i) => `svc-${String(i).padStart(4, "0")}`,
  );
  for (const app of apps) {
    kube.upsert(resources.applications, realArgoApplication({ ...app, phase: "healthy", revision: sha(0) }));
  }
  for (const name of services) {
    kube.upsert(
      resources.kustomizations,
      realKustomization({ name, phase: "ready", revision: sha(0), applied: sha(0) }),
    );
    kube.upsert(
      resources.helmReleases,
      realHelmRelease({ name, parent: name, phase: "ready", chart: "1.0.0" }),
    );
  }
  const objectCount = apps.length + services.length * 2;

  const latest = new Map<string, Report>();
  let delivered = 0;
  const seen = new MemoryReplayCache(1_000_000);
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const result = await verifyReport({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        secretFor: (c) => (c === "bench" ? secret : undefined),
        now: Date.now(),
        seen,
      });
      if (result.ok) {
        delivered += 1;
        const { kind, namespace, name } = result.report.object;
        latest.set(`${kind}/${namespace}/${name}`, result.report);
      }
      res.writeHead(result.ok ? 202 : result.status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const kubeconfig = join(out, "kubeconfig.json");
  writeFileSync(kubeconfig, kube.kubeconfig());

  // 3. The agent process.
  mkdirSync(join(out, "logs"), { recursive: true });
  const watch = [
    ...(apps.length > 0 ? ["applications"] : []),
    ...(services.length > 0 ? ["kustomizations", "helmreleases"] : []),
  ];
  const nodeArgs = values["node-args"].split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(out, "bench/agent-process.js"), "agent"], {
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: nodeOptions,
      FERRY_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      FERRY_CLUSTER: "bench",
      FERRY_CLUSTER_SECRET: secret,
      FERRY_ENVIRONMENT: "staging",
      FERRY_CONFIG_REPO: "acme/deploy",
      KUBECONFIG: kubeconfig,
      FERRY_NAMESPACE: "ferry",
      POD_NAME: "bench-agent",
      FERRY_WATCH: watch.join(","),
      HEALTHY_HOLD: "1s",
      ...(values.memory ? { BENCH_MEMORY_LOG: "1" } : {}),
      ...Object.fromEntries(values.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (values.memory)
      for (const line of d.toString().split("\n")) if (line.startsWith("memory ")) console.log(`  ${line}`);
  });
  const pid = child.pid as number;
  let peakSampled = 0;
  const sampler = setInterval(() => {
    peakSampled = Math.max(peakSampled, procStatus(pid, "VmRSS"));
  }, 50);

  const waitUntil = async (check: () => boolean, what: string, timeoutMs = 300_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}\n${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const allAt = (rev: string) => () =>
    latest.size === objectCount &&
    [...latest.values()].every((r) => r.phase === "healthy" && r.revision === rev);

  const t0 = performance.now();
  await waitUntil(allAt(sha(0)), "initial state of every object");
  const initialMs = performance.now() - t0;
  const initialDelivered = delivered;
  const rssAfterList = procStatus(pid, "VmRSS");
  const peakAfterList = Math.max(procStatus(pid, "VmHWM"), peakSampled);

  // 4. Churn: each round a new commit rolls through every object. Argo CD: syncing →
  // progressing → healthy, a no-op rewrite and a flap shorter than the hold. Flux: the
  // Kustomization reconciles and applies, the HelmRelease upgrades and is released.
  const eventsBefore = kube.eventsSent;
  let changes = 0;
  const t1 = performance.now();
  for (let round = 1; round <= rounds; round++) {
    const rev = sha(round);
    const before = sha(round - 1);
    const chart = `1.${round}.0`;
    const previous = `1.${round - 1}.0`;
    const phases = ["syncing", "progressing", "healthy", "healthy", "progressing", "healthy"] as const;
    const argoStep = (name: string, step: number) => {
      const status = realArgoStatus(name, phases[step] ?? "healthy", rev);
      return step === 3 ? { ...status, reconciledAt: new Date().toISOString() } : status; // no reportable change
    };
    for (let step = 0; step < 6; step++) {
      for (const app of apps) {
        kube.patchStatus(resources.applications, app.namespace, app.name, argoStep(app.name, step));
        changes += 1;
      }
      if (step < 2) {
        for (const name of services) {
          const ks =
            step === 0
              ? realKustomizationStatus(name, "reconciling", rev, before)
              : realKustomizationStatus(name, "ready", rev, rev);
          const hr =
            step === 0
              ? realHelmReleaseStatus("reconciling", chart, previous, round + 1)
              : realHelmReleaseStatus("ready", chart, previous, round + 1);
          kube.patchStatus(resources.kustomizations, "flux-system", name, ks);
          kube.patchStatus(resources.helmReleases, name, name, hr);
          changes += 2;
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    await waitUntil(allAt(rev), `round ${round}`);
  }
  const churnMs = performance.now() - t1;
  const events = kube.eventsSent - eventsBefore;
  await new Promise((r) => setTimeout(r, 1500)); // stragglers: anything still in flight
  const churnDelivered = delivered - initialDelivered;
  const peak = Math.max(procStatus(pid, "VmHWM"), peakSampled);
  clearInterval(sampler);

  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  receiver.close();
  await kube.close();

  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  const what = [
    apps.length > 0 ? `${apps.length} Argo CD Applications` : "",
    services.length > 0 ? `${services.length} Kustomizations + ${services.length} HelmReleases` : "",
  ]
    .filter(Boolean)
    .join(" + ");
  return [
    `[${scenario.name}] ${what}`,
    `initial list → every object reported healthy: ${(initialMs / 1000).toFixed(2)} s (${initialDelivered} reports; includes the 1 s healthy hold)`,
    `agent RSS after the initial list: ${mb(rssAfterList)} (peak so far ${mb(peakAfterList)}); peak RSS over the run (VmHWM): ${mb(peak)}`,
    `status changes written: ${changes}; watch events delivered to the agent: ${events}`,
    `events/s end to end (first write → every object reported at the round's commit): ${Math.round(events / (churnMs / 1000))}`,
    `reports delivered during churn: ${churnDelivered} (${(churnDelivered / (changes / 1000)).toFixed(0)} per 1,000 status changes)`,
  ].join("\n");
}

function procStatus(p: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${p}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
