import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";

/** Bounds of one kustomize or helm run. */
export interface RunLimits {
  /** Wall time; the process group is killed after it. */
  timeoutMs: number;
  /** Address-space limit (prlimit --as) and Go's soft memory limit (GOMEMLIMIT, half of it). */
  memoryBytes: number;
  /** Rendered output beyond this is a failure: a hostile chart cannot fill memory. */
  maxOutputBytes: number;
}

export const defaultRunLimits: RunLimits = {
  timeoutMs: 30_000,
  memoryBytes: 1024 * 1024 * 1024,
  maxOutputBytes: 32 * 1024 * 1024,
};

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the run was stopped, when it was: time, output size. */
  stopped?: string;
}

/**
 * Whether this host can give a child its own empty network namespace (`unshare -rn`: a user
 * namespace, so no privilege is needed where the kernel allows them). Probed once.
 */
let netns: boolean | undefined;
export function canIsolateNetwork(): boolean {
  if (netns === undefined) {
    const probe = spawnSync("/usr/bin/unshare", ["-rn", "/bin/true"], { stdio: "ignore", timeout: 5000 });
    netns = probe.status === 0;
  }
  return netns;
}

let prlimit: boolean | undefined;
function hasPrlimit(): boolean {
  if (prlimit === undefined) {
    try {
      accessSync("/usr/bin/prlimit", constants.X_OK);
      prlimit = true;
    } catch {
      prlimit = false;
    }
  }
  return prlimit;
}

/**
 * Runs `binary args` in `cwd` with nothing of Ferry's environment: HOME, kubeconfig and Helm's
 * directories point into `home` (empty), PATH is empty (kustomize cannot exec git for a remote
 * base), and every HTTP(S) request goes to a closed local port. Where the host allows, the child
 * also gets a network namespace with no interface at all. The process group is killed on
 * timeout or when the output passes its bound.
 */
export function runTool(
  binary: string,
  args: readonly string[],
  options: { cwd: string; home: string; limits: RunLimits },
): Promise<RunResult> {
  const { cwd, home, limits } = options;
  const closed = "http://127.0.0.1:9";
  const env: Record<string, string> = {
    HOME: home,
    PATH: join(home, "bin"),
    KUBECONFIG: join(home, "kubeconfig"),
    HELM_CACHE_HOME: join(home, "helm", "cache"),
    HELM_CONFIG_HOME: join(home, "helm", "config"),
    HELM_DATA_HOME: join(home, "helm", "data"),
    HELM_PLUGINS: join(home, "helm", "plugins"),
    HELM_REGISTRY_CONFIG: join(home, "helm", "registry.json"),
    HELM_REPOSITORY_CONFIG: join(home, "helm", "repositories.yaml"),
    HTTP_PROXY: closed,
    HTTPS_PROXY: closed,
    http_proxy: closed,
    https_proxy: closed,
    NO_PROXY: "",
    GOMEMLIMIT: `${Math.floor(limits.memoryBytes / 2 / 1024 / 1024)}MiB`,
    TMPDIR: home,
  };
  let command = binary;
  let argv = [...args];
  if (hasPrlimit()) {
    argv = [`--as=${limits.memoryBytes}`, "--", command, ...argv];
    command = "/usr/bin/prlimit";
  }
  if (canIsolateNetwork()) {
    argv = ["-rn", command, ...argv];
    command = "/usr/bin/unshare";
  }
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let stopped: string | undefined;
    const kill = (reason: string) => {
      stopped ??= reason;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => kill(`stopped after ${limits.timeoutMs} ms`), limits.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > limits.maxOutputBytes) kill(`output over ${limits.maxOutputBytes} bytes`);
      else out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      // Only the start of the error output is shown; the rest is dropped, not buffered.
      if (errBytes < 64 * 1024) err.push(chunk);
      errBytes += chunk.length;
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: "", stderr: error.message, stopped: "could not start" });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(stopped === undefined ? {} : { stopped }),
      });
    });
  });
}
