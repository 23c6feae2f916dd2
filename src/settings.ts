import { readFileSync } from "node:fs";
import { z } from "zod";
import type { RenderSettings } from "./render/tools.js";

const logLevel = z.enum(["trace", "debug", "info", "warn", "error", "fatal"]);

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
    /** Base of the retry back-off for 5xx answers and rate limits (seconds × this). */
    GITHUB_RETRY_BASE_MS: z.coerce.number().int().min(0).default(1000),
    /** Render kustomize and Helm output for the rendered diff (docs/rendering.md); `off` skips it. */
    FERRY_RENDER: z.enum(["on", "off"]).default("on"),
    /** kubectl (for its built-in kustomize) and helm; unset: found on PATH. */
    FERRY_KUBECTL: z.string().optional(),
    FERRY_HELM: z.string().optional(),
    /** Wall time and memory of one kustomize or helm run. */
    FERRY_RENDER_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
    FERRY_RENDER_MEMORY_MB: z.coerce.number().int().min(256).default(1024),
  })
  .superRefine((env, ctx) => {
    if (env.PRIVATE_KEY === undefined && env.PRIVATE_KEY_PATH === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["PRIVATE_KEY"],
        message: "set PRIVATE_KEY (the PEM text) or PRIVATE_KEY_PATH (a file holding it)",
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
  configMaxAgeMs: number;
  /** Rendering settings, or undefined when FERRY_RENDER=off. */
  render: RenderSettings | undefined;
}

export class SettingsError extends Error {}

/** Parses the environment; throws a SettingsError naming every missing or invalid variable. */
export function parseSettings(env: Record<string, string | undefined>): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".");
      const unset = issue.code === "invalid_type" && env[name] === undefined;
      return `  ${name}: ${unset ? `is not set (${hints[name] ?? "required"})` : issue.message}`;
    });
    throw new SettingsError(`Ferry cannot start; fix these environment variables:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    appId: Number(e.APP_ID),
    privateKey: e.PRIVATE_KEY ?? readKey(e.PRIVATE_KEY_PATH as string),
    webhookSecret: e.WEBHOOK_SECRET,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    baseUrl: e.GHE_HOST === undefined ? undefined : `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3`,
    redisUrl: e.REDIS_URL,
    clusterSecrets: parseClusterSecrets(e.FERRY_CLUSTER_SECRETS),
    defaultConfigRepo: e.FERRY_DEFAULT_CONFIG_REPO,
    writeIntervalMs: e.GITHUB_WRITE_INTERVAL_MS,
    retryBaseMs: e.GITHUB_RETRY_BASE_MS,
    configMaxAgeMs: e.FERRY_CONFIG_MAX_AGE_MS,
    render:
      e.FERRY_RENDER === "off"
        ? undefined
        : {
            kubectl: e.FERRY_KUBECTL,
            helm: e.FERRY_HELM,
            timeoutMs: e.FERRY_RENDER_TIMEOUT_MS,
            memoryMb: e.FERRY_RENDER_MEMORY_MB,
          },
  };
}

function readKey(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new SettingsError(
      `Ferry cannot start: PRIVATE_KEY_PATH ${path} is unreadable (${(error as Error).message})`,
    );
  }
}

function parseClusterSecrets(text: string | undefined): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const entry of (text ?? "").split(",").filter((s) => s.trim() !== "")) {
    const at = entry.indexOf("=");
    if (at <= 0 || at === entry.length - 1) {
      throw new SettingsError(
        "Ferry cannot start: FERRY_CLUSTER_SECRETS must look like name=secret,name2=secret2",
      );
    }
    secrets.set(entry.slice(0, at).trim(), entry.slice(at + 1).trim());
  }
  return secrets;
}
