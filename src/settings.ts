import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { getPrivateKey } from "@probot/get-private-key";
import { z } from "zod";
import type { TufMirror } from "./provenance/tuf-roots.js";
import type { RenderSettings } from "./render/tools.js";

const logLevel = z.enum(["trace", "debug", "info", "warn", "error", "fatal"]);

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
/** A comma-separated list, each entry trimmed and checked. */
const list = (entry: z.ZodType<string, string>) =>
  z
    .string()
    .optional()
    .transform((text) =>
      (text ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    )
    .pipe(z.array(entry));

const envSchema = z
  .object({
    APP_ID: z.string().regex(/^\d+$/, "the numeric App ID from the app's settings page"),
    PRIVATE_KEY: z.string().optional(),
    PRIVATE_KEY_PATH: z.string().optional(),
    WEBHOOK_SECRET: z.string().min(1, "the webhook secret set when the app was registered"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    LOG_LEVEL: logLevel.default("info"),
    LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
    GHE_HOST: z.string().optional(),
    GHE_PROTOCOL: z.enum(["https", "http"]).default("https"),
    REDIS_URL: z.string().url().optional(),
    /** Shared secrets of cluster agents: `name=secret,name2=secret2`. */
    FERRY_CLUSTER_SECRETS: z.string().optional(),
    /** `owner/repo` for agent reports that name no config repo (see docs/agent.md). */
    FERRY_DEFAULT_CONFIG_REPO: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, "owner/repo")
      .optional(),
    /** Pause between content-creating requests; GitHub asks for about one second. */
    GITHUB_WRITE_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
    /** How long a ferry.yml read is trusted before asking GitHub again (pushes refresh it at once). */
    FERRY_CONFIG_MAX_AGE_MS: z.coerce.number().int().min(0).default(300_000),
    /** The least time between two refreshes of one repo's dashboard issue. */
    FERRY_DASHBOARD_INTERVAL_MS: z.coerce.number().int().min(0).default(5000),
    /** Base of the retry back-off for 5xx answers and rate limits (seconds × this). */
    GITHUB_RETRY_BASE_MS: z.coerce.number().int().min(0).default(1000),
    /**
     * The longest Ferry waits before one retry. GitHub asking for longer (an hourly budget that
     * resets in 40 minutes) makes Ferry give up at once and say so, rather than hold the job.
     * Two minutes covers GitHub's secondary limits, which ask for about a minute.
     */
    GITHUB_MAX_RETRY_WAIT_MS: z.coerce.number().int().min(0).default(120_000),
    /** Worker threads for parsing and validation; 0 runs them on the event loop. */
    FERRY_WORKER_THREADS: z.coerce.number().int().min(0).max(64).default(Math.min(4, availableParallelism())),
    /** How often a long check shows its progress (each update is one request). */
    FERRY_CHECK_PROGRESS_MS: milliseconds(5000),
    /** A client must send the request line and headers within this (slow-header attacks). */
    HTTP_HEADERS_TIMEOUT_MS: milliseconds(10_000),
    /** A client must send the whole request, body included, within this (stalled bodies). */
    HTTP_REQUEST_TIMEOUT_MS: milliseconds(30_000),
    /** An idle keep-alive connection is closed after this; above a load balancer's own idle timeout. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: milliseconds(65_000),
    /** Render kustomize and Helm output for the rendered diff (docs/rendering.md); `off` skips it. */
    FERRY_RENDER: z.enum(["on", "off"]).default("on"),
    /** kubectl (for its built-in kustomize) and helm; unset: found on PATH. */
    FERRY_KUBECTL: z.string().optional(),
    FERRY_HELM: z.string().optional(),
    /** Wall time and memory of one kustomize or helm run. */
    FERRY_RENDER_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
    FERRY_RENDER_MEMORY_MB: z.coerce.number().int().min(256).default(1024),
    /** Jobs one replica runs at once (GitHub writes are paced across them all the same). */
    FERRY_QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
    /** Runs of a job that fails for a passing reason (GitHub or Redis trouble), the first included. */
    FERRY_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
    /** First pause before a job's retry, doubled each time (Octokit already retried each request). */
    FERRY_JOB_BACKOFF_MS: milliseconds(30_000),
    /** A running job's lock on Redis; a replica killed mid-job hands it back after this. */
    FERRY_QUEUE_LOCK_MS: milliseconds(30_000),
    /** How often replicas look for jobs whose replica died (BullMQ stalled-job check). */
    FERRY_QUEUE_STALLED_INTERVAL_MS: milliseconds(15_000),
    /** SIGTERM: how long running jobs may finish before they are handed back. */
    FERRY_SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(20_000),
    /** How often the sweep looks for unfinished Ferry checks (0: only at start-up). */
    FERRY_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(600_000),
    /** A guard check in progress longer than this belongs to a job that died; its guard runs again. */
    FERRY_SWEEP_STALE_MS: milliseconds(600_000),
    /** `gh attestation trusted-root` output: the Sigstore roots attestations are verified against. */
    FERRY_TRUSTED_ROOTS: z.string().min(1).optional(),
    /** TUF repositories publishing trusted_root.json (comma-separated), e.g. public good and GitHub's. */
    FERRY_TUF_MIRROR: list(z.url({ protocol: /^https?$/ })),
    /** The initial root.json of each mirror, in the same order (comma-separated paths). */
    FERRY_TUF_ROOT: list(z.string().min(1)),
    /** Where the TUF client keeps verified metadata. */
    FERRY_TUF_CACHE: z.string().min(1).optional(),
    /** How often the TUF roots are refreshed. */
    FERRY_TUF_REFRESH_MS: milliseconds(3_600_000),
    /** A digest not attested yet is looked up again after this long... */
    FERRY_PROVENANCE_RETRY_MS: milliseconds(60_000),
    /** ...until this long after the build; then the promotion fails on the build's commit. */
    FERRY_PROVENANCE_WAIT_MS: milliseconds(300_000),
  })
  .superRefine((env, ctx) => {
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["HTTP_HEADERS_TIMEOUT_MS"],
        message: `must not exceed HTTP_REQUEST_TIMEOUT_MS (${env.HTTP_REQUEST_TIMEOUT_MS})`,
      });
    }
    if (env.FERRY_TUF_ROOT.length > 0 && env.FERRY_TUF_ROOT.length !== env.FERRY_TUF_MIRROR.length) {
      ctx.addIssue({
        code: "custom",
        path: ["FERRY_TUF_ROOT"],
        message: `names ${env.FERRY_TUF_ROOT.length} root.json files for ${env.FERRY_TUF_MIRROR.length} FERRY_TUF_MIRROR entries: give one per mirror, in the same order`,
      });
    }
  });

const hints: Record<string, string> = {
  APP_ID: "the numeric App ID from the app's settings page",
  WEBHOOK_SECRET: "the webhook secret set when the app was registered",
};

/** Everything Ferry needs to run, parsed once at start-up. */
export interface Settings {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  port: number;
  host: string;
  logLevel: z.infer<typeof logLevel>;
  logFormat: "json" | "pretty";
  /** REST base URL: api.github.com, or `<protocol>://<GHE_HOST>/api/v3` on GitHub Enterprise Server. */
  baseUrl: string | undefined;
  redisUrl: string | undefined;
  clusterSecrets: Map<string, string>;
  /** Config repo of agent reports that name none. */
  defaultConfigRepo: string | undefined;
  writeIntervalMs: number;
  retryBaseMs: number;
  maxRetryWaitMs: number;
  configMaxAgeMs: number;
  dashboardIntervalMs: number;
  workerThreads: number;
  checkProgressMs: number;
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  /** Rendering settings, or undefined when FERRY_RENDER=off. */
  render: RenderSettings | undefined;
  queue: {
    concurrency: number;
    attempts: number;
    backoffMs: number;
    lockMs: number;
    stalledIntervalMs: number;
    drainMs: number;
    sweepIntervalMs: number;
    sweepStaleMs: number;
  };
  provenance: {
    trustedRoots: string | undefined;
    /** Roots followed over TUF, when FERRY_TUF_MIRROR is set. */
    tuf: { mirrors: TufMirror[]; cachePath: string; refreshMs: number } | undefined;
    retryMs: number;
    waitMs: number;
  };
}

export class SettingsError extends Error {}

/**
 * Parses the environment; throws a SettingsError naming every missing or invalid variable at
 * once, the private key included (it is parsed here, not at the first GitHub call).
 */
export function parseSettings(env: Record<string, string | undefined>): Settings {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join(".");
        const unset = issue.code === "invalid_type" && env[name] === undefined;
        return `${name}: ${unset ? `is not set (${hints[name] ?? "required"})` : issue.message}`;
      });
  const key = privateKey(env);
  if (!key.ok) problems.push(key.problem);
  const clusterSecrets = parseClusterSecrets(env.FERRY_CLUSTER_SECRETS);
  if (clusterSecrets === undefined) {
    problems.push("FERRY_CLUSTER_SECRETS: must look like name=secret,name2=secret2");
  }
  if (!parsed.success || !key.ok || clusterSecrets === undefined) {
    const lines = problems.map((line) => `  ${line}`).join("\n");
    throw new SettingsError(`Ferry cannot start; fix these environment variables:\n${lines}`);
  }
  const e = parsed.data;
  return {
    appId: Number(e.APP_ID),
    privateKey: key.pem,
    webhookSecret: e.WEBHOOK_SECRET,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    baseUrl: e.GHE_HOST === undefined ? undefined : `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3`,
    redisUrl: e.REDIS_URL,
    clusterSecrets,
    defaultConfigRepo: e.FERRY_DEFAULT_CONFIG_REPO,
    writeIntervalMs: e.GITHUB_WRITE_INTERVAL_MS,
    retryBaseMs: e.GITHUB_RETRY_BASE_MS,
    maxRetryWaitMs: e.GITHUB_MAX_RETRY_WAIT_MS,
    configMaxAgeMs: e.FERRY_CONFIG_MAX_AGE_MS,
    dashboardIntervalMs: e.FERRY_DASHBOARD_INTERVAL_MS,
    workerThreads: e.FERRY_WORKER_THREADS,
    checkProgressMs: e.FERRY_CHECK_PROGRESS_MS,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    render:
      e.FERRY_RENDER === "off"
        ? undefined
        : {
            kubectl: e.FERRY_KUBECTL,
            helm: e.FERRY_HELM,
            timeoutMs: e.FERRY_RENDER_TIMEOUT_MS,
            memoryMb: e.FERRY_RENDER_MEMORY_MB,
          },
    queue: {
      concurrency: e.FERRY_QUEUE_CONCURRENCY,
      attempts: e.FERRY_JOB_ATTEMPTS,
      backoffMs: e.FERRY_JOB_BACKOFF_MS,
      lockMs: e.FERRY_QUEUE_LOCK_MS,
      stalledIntervalMs: e.FERRY_QUEUE_STALLED_INTERVAL_MS,
      drainMs: e.FERRY_SHUTDOWN_DRAIN_MS,
      sweepIntervalMs: e.FERRY_SWEEP_INTERVAL_MS,
      sweepStaleMs: e.FERRY_SWEEP_STALE_MS,
    },
    provenance: {
      trustedRoots: e.FERRY_TRUSTED_ROOTS,
      tuf: e.FERRY_TUF_MIRROR.length
        ? {
            mirrors: e.FERRY_TUF_MIRROR.map((url, i) => ({
              url: url.replace(/\/$/, ""),
              rootPath: e.FERRY_TUF_ROOT[i],
            })),
            cachePath: e.FERRY_TUF_CACHE ?? join(tmpdir(), "ferry-tuf"),
            refreshMs: e.FERRY_TUF_REFRESH_MS,
          }
        : undefined,
      retryMs: e.FERRY_PROVENANCE_RETRY_MS,
      waitMs: e.FERRY_PROVENANCE_WAIT_MS,
    },
  };
}

/**
 * The app's private key as PEM: PRIVATE_KEY read the way Probot reads it (PEM text, with `\n`
 * escapes, on one line, or base64-encoded), else the PRIVATE_KEY_PATH file; then parsed with
 * node:crypto (PKCS#1 or PKCS#8) so a damaged key stops start-up instead of the first GitHub
 * call. A problem's text never quotes the key.
 */
function privateKey(
  env: Record<string, string | undefined>,
): { ok: true; pem: string } | { ok: false; problem: string } {
  const text = env.PRIVATE_KEY?.trim() ? env.PRIVATE_KEY : undefined;
  const path = env.PRIVATE_KEY_PATH?.trim() ? env.PRIVATE_KEY_PATH : undefined;
  let pem: string;
  if (text !== undefined) {
    try {
      pem = getPrivateKey({ env: { PRIVATE_KEY: text } }) ?? "";
    } catch {
      return {
        ok: false,
        problem:
          "PRIVATE_KEY: is not a PEM private key (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----, as downloaded from the app's settings page)",
      };
    }
  } else if (path !== undefined) {
    try {
      pem = readFileSync(path, "utf8");
    } catch (error) {
      const reason = (error as { code?: string }).code ?? (error as Error).message;
      return { ok: false, problem: `PRIVATE_KEY_PATH: ${path} is unreadable (${reason})` };
    }
  } else {
    return {
      ok: false,
      problem:
        "PRIVATE_KEY: is not set (the app's private key: PRIVATE_KEY holds the PEM text, or PRIVATE_KEY_PATH names a file holding it)",
    };
  }
  const name = text !== undefined ? "PRIVATE_KEY" : `PRIVATE_KEY_PATH (${path})`;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") {
      return {
        ok: false,
        problem: `${name}: holds an ${key.asymmetricKeyType} key; a GitHub App key is RSA`,
      };
    }
    return { ok: true, pem };
  } catch (error) {
    const reason = (error as { code?: string }).code ?? "unreadable";
    return {
      ok: false,
      problem: `${name}: is not a valid private key (${reason}); download a new one from the app's settings page`,
    };
  }
}
/** `name=secret,name2=secret2` → a map; undefined when malformed. */
function parseClusterSecrets(text: string | undefined): Map<string, string> | undefined {
  const secrets = new Map<string, string>();
  for (const entry of (text ?? "").split(",").filter((s) => s.trim() !== "")) {
    const at = entry.indexOf("=");
    if (at <= 0 || at === entry.length - 1) return undefined;
    secrets.set(entry.slice(0, at).trim(), entry.slice(at + 1).trim());
  }
  return secrets;
}
