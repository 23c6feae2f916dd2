import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import type { GitHubServer } from "./github/index.js";

/**
 * Ferry as a real child process (`src/main.ts`, exactly as `npm start` runs it, through tsx),
 * for the failures no in-process test can survive: a V8 fatal error or an unhandled rejection
 * ends the whole process. Everything it logs is kept, so tests can grep the log too.
 */
export interface FerryProcess {
  url: string;
  pid: number;
  /** Everything written to stdout and stderr so far. */
  log(): string;
  /** Set once the process has exited. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(): Promise<void>;
}

export async function startFerryProcess(options: {
  github: GitHubServer;
  appId: number;
  privateKey: string;
  webhookSecret: string;
  env?: Record<string, string>;
}): Promise<FerryProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    APP_ID: String(options.appId),
    PRIVATE_KEY: options.privateKey,
    WEBHOOK_SECRET: options.webhookSecret,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    GHE_HOST: options.github.host,
    GHE_PROTOCOL: "http",
    GITHUB_WRITE_INTERVAL_MS: "0",
    GITHUB_RETRY_BASE_MS: "5",
    FERRY_CONFIG_MAX_AGE_MS: "0",
    ...options.env,
  };
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const closed = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Ferry did not start:\n${output}`)), 30_000);
    const look = () => {
      const match = /listening on port (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", look);
    child.stderr?.on("data", look);
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`Ferry exited at start:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    log: () => output,
    exit: () => exited,
    stop: () => stop(child, closed),
  };
}

async function stop(child: ChildProcess, closed: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await closed;
  clearTimeout(timer);
}

/** `/healthz` polled every `intervalMs` while a test runs: how long the slowest answer took, and failures. */
export interface HealthWatch {
  stop(): Promise<{ polls: number; failures: string[]; slowestMs: number }>;
}

export function watchHealth(url: string, intervalMs = 100, timeoutMs = 15_000): HealthWatch {
  let running = true;
  let polls = 0;
  let slowestMs = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const status = await probe(`${url}/healthz`, timeoutMs);
      const took = performance.now() - started;
      polls++;
      slowestMs = Math.max(slowestMs, took);
      if (status !== 200) failures.push(`${status} after ${Math.round(took)} ms`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { polls, failures, slowestMs };
    },
  };
}

function probe(url: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
    });
    req.once("timeout", () => req.destroy(new Error("timeout")));
    req.once("error", (error) => resolve(error.message));
    req.end();
  });
}
