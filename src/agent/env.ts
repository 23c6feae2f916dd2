/**
 * The agent's environment, parsed once at start. Hand-written rather than zod, unlike the app's
 * settings: the agent runs in every cluster under a tight memory limit, and loading zod alone
 * costs it ~12 MB of RSS (bench/agent), more than its whole cache of 4,000 objects. Same
 * contract: every problem named at once, by variable, and `safeParse`/`parse` like a schema.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseDuration } from "../reports/duration.js";
import { type WatchedResourceName, watchedResourceNames } from "./resources.js";

/** The agent's environment variables; see docs/agent.md#configuration. */
export interface AgentEnv {
  FERRY_URL: string;
  FERRY_CLUSTER: string;
  FERRY_CLUSTER_SECRET?: string;
  FERRY_CLUSTER_SECRET_FILE?: string;
  /** Path to a kubeconfig; unset → in-cluster service account. */
  KUBECONFIG?: string;
  FERRY_NAMESPACE: string;
  POD_NAME: string;
  FERRY_ENVIRONMENT?: string;
  FERRY_CONFIG_REPO?: string;
  /** The Argo CD UI's https address: reports then carry each Application's page, which drift issues link. */
  FERRY_ARGOCD_URL?: string;
  FERRY_LEASE_NAME: string;
  FERRY_WATCH: WatchedResourceName[];
  HEALTHY_HOLD: number;
  COMPARISON_ERROR_GRACE: number;
  PROGRESSING_GRACE: number;
  LEASE_DURATION: number;
  /** `/healthz` and `/readyz` for the kubelet; 0 turns the probe server off. */
  HEALTH_PORT: number;
}

export interface EnvIssue {
  path: [keyof AgentEnv];
  message: string;
}

export type EnvResult =
  | { success: true; data: AgentEnv; error?: undefined }
  | { success: false; data?: undefined; error: { issues: EnvIssue[] } };

const namePattern = /^[a-z0-9][a-z0-9-]*$/;

function parseAgentEnv(env: Record<string, string | undefined>): EnvResult {
  const issues: EnvIssue[] = [];
  const fail = (key: keyof AgentEnv, message: string) => {
    issues.push({ path: [key], message });
    return undefined;
  };
  const value = (key: keyof AgentEnv) => {
    const text = env[key];
    return text === undefined || text === "" ? undefined : text;
  };
  const required = (key: keyof AgentEnv) => value(key) ?? fail(key, "required");
  const name = (key: keyof AgentEnv, fallback?: string) => {
    const text = value(key) ?? fallback;
    if (text === undefined) return fail(key, "required");
    return namePattern.test(text) ? text : fail(key, "lower-case letters, digits and dashes");
  };
  const duration = (key: keyof AgentEnv, fallback: string) => {
    const text = value(key) ?? fallback;
    return parseDuration(text) ?? fail(key, `"${text}" is not a duration such as 5s, 500ms or 1m`);
  };

  const port = (key: keyof AgentEnv, fallback: number): number | undefined => {
    const text = value(key);
    if (text === undefined) return fallback;
    const n = Number(text);
    return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : fail(key, "a port number (0 turns it off)");
  };
  const url = required("FERRY_URL");
  if (url !== undefined && !/^https?:$/.test(URL.parse(url)?.protocol ?? ""))
    fail("FERRY_URL", "an http(s) URL");
  const secret = value("FERRY_CLUSTER_SECRET");
  const secretFile = value("FERRY_CLUSTER_SECRET_FILE");
  if ((secret === undefined) === (secretFile === undefined)) {
    fail("FERRY_CLUSTER_SECRET", "set exactly one of FERRY_CLUSTER_SECRET and FERRY_CLUSTER_SECRET_FILE");
  } else if (secret !== undefined && secret.length < 16)
    fail("FERRY_CLUSTER_SECRET", "at least 16 characters");
  const configRepo = value("FERRY_CONFIG_REPO");
  if (configRepo !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(configRepo))
    fail("FERRY_CONFIG_REPO", "owner/repo");
  const argoCdUrl = value("FERRY_ARGOCD_URL");
  if (argoCdUrl !== undefined && URL.parse(argoCdUrl)?.protocol !== "https:")
    fail("FERRY_ARGOCD_URL", "the Argo CD UI's https URL, e.g. https://argocd.example.com");
  const watch = (value("FERRY_WATCH") ?? watchedResourceNames.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = watch.filter((s) => !watchedResourceNames.includes(s as WatchedResourceName));
  if (unknown.length > 0) {
    fail("FERRY_WATCH", `unknown resource ${unknown.join(", ")}; use ${watchedResourceNames.join(", ")}`);
  }

  const data = {
    FERRY_URL: url,
    FERRY_CLUSTER: name("FERRY_CLUSTER"),
    ...(secret === undefined ? {} : { FERRY_CLUSTER_SECRET: secret }),
    ...(secretFile === undefined ? {} : { FERRY_CLUSTER_SECRET_FILE: secretFile }),
    ...(value("KUBECONFIG") === undefined ? {} : { KUBECONFIG: value("KUBECONFIG") }),
    FERRY_NAMESPACE: required("FERRY_NAMESPACE"),
    POD_NAME: value("POD_NAME") ?? hostname(),
    ...(value("FERRY_ENVIRONMENT") === undefined ? {} : { FERRY_ENVIRONMENT: value("FERRY_ENVIRONMENT") }),
    ...(configRepo === undefined ? {} : { FERRY_CONFIG_REPO: configRepo }),
    ...(argoCdUrl === undefined ? {} : { FERRY_ARGOCD_URL: argoCdUrl }),
    FERRY_LEASE_NAME: name("FERRY_LEASE_NAME", "ferry-agent"),
    FERRY_WATCH: watch as WatchedResourceName[],
    HEALTHY_HOLD: duration("HEALTHY_HOLD", "5s"),
    COMPARISON_ERROR_GRACE: duration("COMPARISON_ERROR_GRACE", "2m"),
    PROGRESSING_GRACE: duration("PROGRESSING_GRACE", "2m"),
    LEASE_DURATION: duration("LEASE_DURATION", "15s"),
    HEALTH_PORT: port("HEALTH_PORT", 8080),
  };
  return issues.length > 0
    ? { success: false, error: { issues } }
    : { success: true, data: data as AgentEnv };
}

/** Parses the agent's environment: `safeParse` names every problem, `parse` throws them. */
export const agentEnvSchema = {
  safeParse: parseAgentEnv,
  parse(env: Record<string, string | undefined>): AgentEnv {
    const result = parseAgentEnv(env);
    if (!result.success) {
      throw new Error(result.error.issues.map((i) => `${i.path[0]}: ${i.message}`).join("; "));
    }
    return result.data;
  },
};

/** Reads the secret from the variable or the mounted file (trailing newline trimmed). */
export function clusterSecret(
  env: AgentEnv,
  read: (path: string) => string = (p) => readFileSync(p, "utf8"),
): string {
  const secret = env.FERRY_CLUSTER_SECRET ?? read(env.FERRY_CLUSTER_SECRET_FILE ?? "").trim();
  if (secret.length < 16) throw new Error("the cluster secret must be at least 16 characters");
  return secret;
}
