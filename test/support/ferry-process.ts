/**
 * Ferry as a real child process, started through its production entry (src/main.ts) against the
 * GitHub test server. Crash classes (unhandled rejections, aborts) can only be seen this way: an
 * in-process app would take the test runner down with it, or hide the crash.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { GitHubServer } from "./github/index.js";
import { pollUntil } from "./poll.js";

const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const cli = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

export interface FerryProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Exit code or signal once the process ended; undefined while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resident set size in bytes (Linux /proc). */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts `src/main.ts` with `env` (nothing else from the test's environment but PATH) and waits
 * for its "listening" log line. Resolves with the exit and output when it never gets there.
 */
export async function startFerryProcess(env: Record<string, string>): Promise<FerryProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const process_ = track(child);
  const port = await pollUntil(
    () => {
      if (process_.exit()) throw new Error(`Ferry exited at start-up:\n${process_.output()}`);
      return Number(/Ferry listening on port (\d+)/.exec(process_.output())?.[1]) || undefined;
    },
    "Ferry to listen",
    30_000,
    25,
  ).catch(async (error: Error) => {
    await process_.stop();
    throw error;
  });
  return { ...process_, port, url: `http://127.0.0.1:${port}` };
}

/**
 * Runs `src/main.ts` (or `ferry <args>` through src/cli.ts) to its end, for a start-up that must
 * fail; resolves with its exit code and output, or fails after `timeoutMs`.
 */
export async function runFerryProcess(
  env: Record<string, string>,
  options: { cli?: string[]; timeoutMs?: number } = {},
): Promise<{ code: number | null; output: string }> {
  const entry = options.cli ? [cli, ...options.cli] : [main];
  const child = spawn(process.execPath, ["--import", "tsx", ...entry], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tracked = track(child);
  const exit = await pollUntil(() => tracked.exit(), "Ferry to exit", options.timeoutMs ?? 30_000, 25).catch(
    async (error: Error) => {
      await tracked.stop();
      throw new Error(`${error.message}; it wrote:\n${tracked.output().slice(-2000)}`);
    },
  );
  await tracked.stop();
  return { code: exit.code, output: tracked.output() };
}

function track(child: ChildProcess): Omit<FerryProcess, "url" | "port"> {
  let output = "";
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  return {
    pid: child.pid ?? 0,
    output: () => output,
    exit: () => exit,
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    async stop() {
      if (exit === undefined) child.kill("SIGTERM");
      await exited;
      // stdout/stderr may still hold the last lines.
      await new Promise((r) => setImmediate(r));
    },
  };
}

/**
 * Probes `/healthz` every `intervalMs` with a `timeoutMs` deadline until stopped; `stop()`
 * resolves with every probe that failed or came late (and the slowest answer), so a test can assert the app stayed responsive.
 */
export function watchHealth(url: string, intervalMs = 100, timeoutMs = 1000) {
  const failures: string[] = [];
  let probes = 0;
  let slowestMs = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      probes++;
      const started = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        slowestMs = Math.max(slowestMs, performance.now() - started);
        if (res.status !== 200) failures.push(`/healthz answered ${res.status}`);
      } catch (error) {
        failures.push(`/healthz: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop(): Promise<{ probes: number; failures: string[]; slowestMs: number }> {
      running = false;
      await loop;
      return { probes, failures, slowestMs };
    },
  };
}

/** The settings that point a Ferry process at the GitHub test server, paced for tests. */
export function testServerEnv(options: {
  github: GitHubServer;
  appId: number;
  privateKey: string;
  webhookSecret: string;
}): Record<string, string> {
  return {
    APP_ID: String(options.appId),
    PRIVATE_KEY: options.privateKey,
    WEBHOOK_SECRET: options.webhookSecret,
    LOG_FORMAT: "json",
    GHE_HOST: options.github.host,
    GHE_PROTOCOL: "http",
    GITHUB_WRITE_INTERVAL_MS: "0",
    GITHUB_RETRY_BASE_MS: "5",
    FERRY_CONFIG_MAX_AGE_MS: "0",
  };
}
