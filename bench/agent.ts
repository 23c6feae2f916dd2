/**
 * bench/agent: 2,000 Argo CD Applications with status churn, the real agent in its own process
 * (compiled with tsc, watching the Kubernetes API test server with client-node informers), and a
 * local receiver that verifies every report as the app would.
 * Prints: agent peak RSS, watch events/s end to end, status changes, reports delivered, coalescing.
 *
 *   npx tsx bench/agent.ts [--apps 2000] [--rounds 3] [--heap 128]
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { MemoryReplayCache } from "../src/reports/replay-cache.js";
import type { Report } from "../src/reports/report.js";
import { verifyReport } from "../src/reports/verify.js";
import { argo, argoApplication, sha } from "../test/support/kube/fixtures.js";
import { KubeTestServer, resources } from "../test/support/kube/server.js";

const { values } = parseArgs({
  options: {
    apps: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    /** V8 old-space cap for the agent, as deploy/agent sets it (NODE_OPTIONS). */
    heap: { type: "string", default: "128" },
  },
});
const appCount = Number(values.apps);
const rounds = Number(values.rounds);
const secret = "bench-cluster-secret-0123456789";
const root = resolve(import.meta.dirname, "..");

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

// 2. The cluster and the receiver.
const kube = await KubeTestServer.start({ historyLimit: 100_000 });
const names = Array.from({ length: appCount }, (_, i) => `app-${String(i).padStart(4, "0")}`);
const ns = (i: number) => `team-${i % 20}`;
for (const [i, name] of names.entries()) {
  kube.upsert(
    resources.applications,
    argoApplication({ name, namespace: ns(i), status: argo.healthy(sha(0)) }),
  );
}

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
      latest.set(result.report.object.name, result.report);
    }
    res.writeHead(result.ok ? 202 : result.status).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
const kubeconfig = join(out, "kubeconfig.json");
writeFileSync(kubeconfig, kube.kubeconfig());

// 3. The agent process.
mkdirSync(join(out, "logs"));
const child = spawn(
  process.execPath,
  [`--max-old-space-size=${values.heap}`, join(out, "bench/agent-process.js"), "agent"],
  {
    env: {
      PATH: process.env.PATH,
      FERRY_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      FERRY_CLUSTER: "bench",
      FERRY_CLUSTER_SECRET: secret,
      FERRY_ENVIRONMENT: "staging",
      KUBECONFIG: kubeconfig,
      FERRY_NAMESPACE: "ferry",
      POD_NAME: "bench-agent",
      FERRY_WATCH: "applications",
      HEALTHY_HOLD: "1s",
    },
    stdio: ["ignore", "ignore", "pipe"],
  },
);
let stderr = "";
child.stderr?.on("data", (d: Buffer) => {
  stderr += d.toString();
});
const pid = child.pid as number;
let peakSampled = 0;
const sampler = setInterval(() => {
  peakSampled = Math.max(peakSampled, procStatus(pid, "VmRSS"));
}, 50);

const waitUntil = async (check: () => boolean, what: string, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}\n${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const allAt = (rev: string) => () =>
  latest.size === appCount && [...latest.values()].every((r) => r.phase === "healthy" && r.revision === rev);

const t0 = performance.now();
await waitUntil(allAt(sha(0)), "initial state of every Application");
const initialMs = performance.now() - t0;
const initialDelivered = delivered;
const rssAfterList = procStatus(pid, "VmRSS");

// 4. Churn: each round a new commit rolls through every Application (syncing → progressing →
// healthy), with a no-op status rewrite and a sub-hold flap in between that must not be reported.
const eventsBefore = kube.eventsSent;
let changes = 0;
const t1 = performance.now();
for (let round = 1; round <= rounds; round++) {
  const rev = sha(round);
  const steps = [
    argo.syncing(rev),
    argo.progressing(rev),
    argo.healthy(rev),
    { ...argo.healthy(rev), reconciledAt: new Date().toISOString() }, // no reportable change
    argo.progressing(rev), // flap shorter than the hold
    argo.healthy(rev),
  ];
  for (const status of steps) {
    names.forEach((name, i) => {
      kube.patchStatus(resources.applications, ns(i), name, status);
    });
    changes += names.length;
    await new Promise((r) => setImmediate(r));
  }
  await waitUntil(allAt(rev), `round ${round}`);
}
const churnMs = performance.now() - t1;
const events = kube.eventsSent - eventsBefore;
await new Promise((r) => setTimeout(r, 1500)); // stragglers: anything still in flight
const churnDelivered = delivered - initialDelivered;
const peakHwm = procStatus(pid, "VmHWM");
clearInterval(sampler);

child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
receiver.close();
await kube.close();
rmSync(out, { recursive: true, force: true });

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const lines = [
  `Applications: ${appCount}, churn rounds: ${rounds} (6 status writes per Application per round), agent heap cap ${values.heap} MB`,
  `initial list → every Application reported healthy: ${(initialMs / 1000).toFixed(2)} s (${initialDelivered} reports; includes the 1 s healthy hold)`,
  `agent RSS after the initial list: ${mb(rssAfterList)}; peak RSS (VmHWM): ${mb(Math.max(peakHwm, peakSampled))}`,
  `status changes written: ${changes}; watch events delivered to the agent: ${events}`,
  `events/s end to end (first write → every Application reported at the round's commit): ${Math.round(events / (churnMs / 1000))}`,
  `reports delivered during churn: ${churnDelivered} (${(churnDelivered / (changes / 1000)).toFixed(0)} per 1,000 status changes; coalescing ratio ${(changes / churnDelivered).toFixed(2)} changes per report)`,
];
console.log(lines.join("\n"));

function procStatus(p: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${p}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
