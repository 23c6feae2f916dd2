/**
 * Where the Kubernetes API server is and how to authenticate to it, from the pod's service
 * account or from a kubeconfig. Plain node:http(s): importing @kubernetes/client-node costs
 * ~75 MB of RSS before a single object is cached, more than the agent's whole cache. client-node
 * is loaded only for kubeconfigs whose user runs an `exec` plugin or an `auth-provider`.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Agent, http, https, type RequestOptions } from "./node-http.js";

export interface RequestSetup {
  agent: Agent;
  headers: Record<string, string>;
}

export interface KubeConnection {
  /** Base URL of the API server, without a trailing slash. */
  readonly server: string;
  /** The agent (TLS material, keep-alive) and auth headers for the next request. */
  setup(): Promise<RequestSetup>;
}

/** The agent cannot reach any cluster as configured; retrying would not help. */
export class KubeConfigError extends Error {}

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Bound service account tokens rotate (kubelet rewrites the file); re-read it this often. */
const tokenTtlMs = 60_000;

export interface InClusterSource {
  env?: Record<string, string | undefined>;
  /** Reads a file (tests pass their own). */
  read?: (path: string) => string;
  exists?: (path: string) => boolean;
  dir?: string;
}

/**
 * The pod's service account, as client-go's rest.InClusterConfig reads it: the API server from
 * KUBERNETES_SERVICE_HOST/PORT, the CA and token from the mounted service account. Never falls
 * back to localhost: outside a pod without KUBECONFIG this throws a KubeConfigError saying so.
 */
export function inClusterConnection(source: InClusterSource = {}): KubeConnection {
  const env = source.env ?? process.env;
  const read = source.read ?? ((path: string) => readFileSync(path, "utf8"));
  const exists = source.exists ?? existsSync;
  const dir = source.dir ?? serviceAccountDir;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeConfigError(
      "not running in a Kubernetes cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset); set KUBECONFIG to a kubeconfig file to run the agent elsewhere",
    );
  }
  if (!exists(`${dir}/token`)) {
    throw new KubeConfigError(
      `no service account token at ${dir}/token; mount one (automountServiceAccountToken) or set KUBECONFIG`,
    );
  }
  const ca = exists(`${dir}/ca.crt`) ? read(`${dir}/ca.crt`) : undefined;
  const agent = new https.Agent({ keepAlive: true, ...(ca === undefined ? {} : { ca }) });
  let token: { value: string; at: number } | undefined;
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    async setup() {
      const now = Date.now();
      if (token === undefined || now - token.at > tokenTtlMs) {
        token = { value: read(`${dir}/token`).trim(), at: now };
      }
      return { agent, headers: { authorization: `Bearer ${token.value}` } };
    },
  };
}

interface KubeconfigCluster {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
}

interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  "auth-provider"?: unknown;
}

interface Kubeconfig {
  "current-context"?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: KubeconfigCluster }[];
  users?: { name?: string; user?: KubeconfigUser }[];
}

/**
 * A kubeconfig's current context. Tokens, token files, client certificates, CAs and
 * insecure-skip-tls-verify are handled here; a user with `exec` or `auth-provider` is handed to
 * client-node's KubeConfig, loaded on demand.
 */
export function kubeconfigConnection(
  text: string,
  read: (path: string) => Buffer = (p) => readFileSync(p),
): KubeConnection {
  let config: Kubeconfig;
  try {
    config = parseKubeconfig(text);
  } catch (error) {
    throw new KubeConfigError(`KUBECONFIG is not a kubeconfig (${(error as Error).message})`);
  }
  const contextName = config["current-context"] ?? "";
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  if (context === undefined || cluster?.server === undefined) {
    throw new KubeConfigError(
      `KUBECONFIG names no cluster for its current context "${contextName}"; set current-context`,
    );
  }
  if (!/^https?:$/.test(URL.parse(cluster.server)?.protocol ?? "")) {
    throw new KubeConfigError(
      `the API server "${cluster.server}" is not a URL; fix the cluster's server in KUBECONFIG`,
    );
  }
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  const server = cluster.server.replace(/\/+$/, "");
  if (user.exec !== undefined || user["auth-provider"] !== undefined)
    return clientNodeConnection(text, server);

  const data = (inline: string | undefined, path: string | undefined) =>
    inline !== undefined ? Buffer.from(inline, "base64") : path !== undefined ? read(path) : undefined;
  const tls = {
    ca: data(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: data(user["client-certificate-data"], user["client-certificate"]),
    key: data(user["client-key-data"], user["client-key"]),
    ...(cluster["insecure-skip-tls-verify"] ? { rejectUnauthorized: false } : {}),
    ...(cluster["tls-server-name"] ? { servername: cluster["tls-server-name"] } : {}),
  };
  const agent = server.startsWith("https:")
    ? new https.Agent({ keepAlive: true, ...tls })
    : new http.Agent({ keepAlive: true });
  const headers = (): Record<string, string> => {
    const token = user.token ?? (user.tokenFile ? read(user.tokenFile).toString("utf8").trim() : undefined);
    if (token) return { authorization: `Bearer ${token}` };
    if (user.username !== undefined) {
      const basic = Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64");
      return { authorization: `Basic ${basic}` };
    }
    return {};
  };
  return { server, setup: async () => ({ agent, headers: headers() }) };
}

/**
 * JSON first: kubectl writes YAML, but JSON is YAML too and needs no parser loaded. The YAML
 * parser is required only when needed (synchronously, so a broken kubeconfig stops start-up).
 */
function parseKubeconfig(text: string): Kubeconfig {
  try {
    return JSON.parse(text) as Kubeconfig;
  } catch {
    const { parse } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
    const parsed: unknown = parse(text);
    if (typeof parsed !== "object" || parsed === null) throw new Error("not a YAML mapping");
    return parsed as Kubeconfig;
  }
}

function clientNodeConnection(text: string, server: string): KubeConnection {
  // biome-ignore lint/style/noRestrictedImports: loaded only for exec and auth-provider users
  const loading = import("@kubernetes/client-node").then(({ KubeConfig }) => {
    const kc = new KubeConfig();
    kc.loadFromString(text);
    return kc;
  });
  return {
    server,
    async setup() {
      const kc = await loading;
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.headers ?? {})) if (typeof v === "string") headers[k] = v;
      if (typeof options.auth === "string")
        headers.authorization = `Basic ${Buffer.from(options.auth).toString("base64")}`;
      return { agent: (options.agent as Agent) ?? new https.Agent(), headers };
    },
  };
}
