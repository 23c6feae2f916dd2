/**
 * bench/event-loop: does a 10,000-file guard block Ferry's event loop? The real app (startFerry,
 * production settings) in this process; the GitHub test server in a child process (serving the
 * PR is not Ferry's work); a prober on a worker thread of its own (its clock does not stall with
 * the app's) that asks GET /healthz every 20 ms and posts a signed `ping` webhook every 100 ms
 * while the guard runs. perf_hooks.monitorEventLoopDelay measures the app's event loop from the PR
 * opening to `Ferry / promotion` concluding.
 *
 *   npx tsx bench/event-loop.ts [--files 10000] [--threads 0,2]
 *
 * Each thread count runs in a fresh child process; `--threads 0` is validation on the event loop
 * (what Ferry did before its worker pool), 2 the default on a 2-core machine.
 */
import { execFileSync, fork } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { startFerry, webhookPath } from "../src/server.js";
import { parseSettings } from "../src/settings.js";
import { generateAppKeyPair } from "../test/support/github/index.js";
import { machineNote, peakRssMb, table } from "./support/measure.js";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "10000" },
    threads: { type: "string", default: "0,2" },
    measure: { type: "string" },
  },
});

interface Result {
  threads: number;
  files: number;
  guardSeconds: number;
  loop: { p50: number; p99: number; max: number };
  healthz: { count: number; p50: number; p99: number; max: number; errors: number };
  webhook: { count: number; p50: number; p99: number; max: number; errors: number };
  validate: string;
  requests: number;
  peakRssMb: number;
}

if (values.measure !== undefined) {
  process.stdout.write(`${JSON.stringify(await measure(Number(values.measure), Number(values.files)))}\n`);
} else {
  const results: Result[] = [];
  console.log(`bench/event-loop — ${new Date().toISOString().slice(0, 10)}, ${machineNote()}`);
  for (const threads of values.threads.split(",").map(Number)) {
    const out = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        new URL(import.meta.url).pathname,
        "--measure",
        String(threads),
        "--files",
        values.files,
      ],
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, stdio: ["ignore", "pipe", "inherit"] },
    );
    results.push(JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Result);
  }
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    table(
      [
        "FERRY_WORKER_THREADS",
        "guard",
        "event-loop delay p50 / p99 / max",
        "/healthz p50 / p99 / max (n)",
        "webhook p50 / p99 / max (n)",
        "peak RSS",
      ],
      results.map((r) => [
        r.threads,
        `${r.guardSeconds.toFixed(1)} s`,
        `${ms(r.loop.p50)} / ${ms(r.loop.p99)} / ${ms(r.loop.max)}`,
        `${ms(r.healthz.p50)} / ${ms(r.healthz.p99)} / ${ms(r.healthz.max)} (${r.healthz.count}, ${r.healthz.errors} errors)`,
        `${ms(r.webhook.p50)} / ${ms(r.webhook.p99)} / ${ms(r.webhook.max)} (${r.webhook.count}, ${r.webhook.errors} errors)`,
        `${r.peakRssMb.toFixed(0)} MB`,
      ]),
    ),
  );
  for (const r of results)
    console.log(`threads ${r.threads}: Ferry / validate "${r.validate}"; ${r.requests} GitHub requests`);
  console.log(machineNote());
}

async function measure(threads: number, files: number): Promise<Result> {
  const keys = generateAppKeyPair();
  const secret = "bench-secret";
  const github = fork(new URL("./support/github-process.ts", import.meta.url).pathname, {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (message: { type: string; message?: string }) => {
        if (message.type === "error") reject(new Error(message.message));
        if (message.type !== type) return;
        github.off("message", on);
        resolve(message as T);
      };
      github.on("message", on);
    });
  await next("hello");
  github.send({ type: "start", appId: 1234, publicKey: keys.publicKey, files });
  const { host } = await next<{ host: string }>("ready");
  const ferry = await startFerry(
    parseSettings({
      APP_ID: "1234",
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET: secret,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "fatal",
      GHE_HOST: host,
      GHE_PROTOCOL: "http",
      FERRY_WORKER_THREADS: String(threads),
    }),
  );
  github.send({ type: "webhook", url: `${ferry.url}${webhookPath}`, secret });
  await next("webhook-set");

  const prober = new Worker(proberSource(), { eval: true, workerData: { url: ferry.url, secret } });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  github.send({ type: "open" });
  const done = await next<{ checks: { name: string; title: string }[]; requests: number }>("done");
  const guardSeconds = (performance.now() - started) / 1000;
  loop.disable();
  prober.postMessage("stop");
  const probes = await new Promise<Pick<Result, "healthz" | "webhook">>((resolve) =>
    prober.once("message", resolve),
  );
  await prober.terminate();
  await ferry.close();
  github.kill();
  return {
    threads,
    files,
    guardSeconds,
    loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    ...probes,
    validate: done.checks.find((c) => c.name === "Ferry / validate")?.title ?? "missing",
    requests: done.requests,
    peakRssMb: peakRssMb(),
  };
}

/** The prober, plain JavaScript for a worker thread: latencies of /healthz and a signed ping. */
function proberSource(): string {
  return `
const { parentPort, workerData } = require("node:worker_threads");
const { createHmac } = require("node:crypto");
const { url, secret } = workerData;
const healthz = [], webhook = [];
let errors = { healthz: 0, webhook: 0 };
let stopped = false;
async function time(list, kind, request) {
  const t0 = performance.now();
  try { const r = await request(); await r.arrayBuffer(); if (!r.ok) errors[kind]++; }
  catch { errors[kind]++; }
  list.push(performance.now() - t0);
}
async function loop(every, kind, list, request) {
  while (!stopped) {
    const t0 = performance.now();
    await time(list, kind, request);
    await new Promise((r) => setTimeout(r, Math.max(0, every - (performance.now() - t0))));
  }
}
const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
const signature = "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
let n = 0;
const runs = [
  loop(20, "healthz", healthz, () => fetch(url + "/healthz")),
  loop(100, "webhook", webhook, () => fetch(url + "/api/github/webhooks", { method: "POST", body,
    headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "probe-" + ++n, "x-hub-signature-256": signature } })),
];
const stats = (list, kind) => {
  const s = [...list].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
  return { count: s.length, p50: at(50), p99: at(99), max: s.at(-1) ?? NaN, errors: errors[kind] };
};
parentPort.on("message", async () => {
  stopped = true;
  await Promise.all(runs);
  parentPort.postMessage({ healthz: stats(healthz, "healthz"), webhook: stats(webhook, "webhook") });
});
`;
}
