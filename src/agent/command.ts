import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startAgent } from "./agent.js";
import { type AgentEnv, agentEnvSchema, clusterSecret } from "./env.js";
import { startHealthServer } from "./health-server.js";
import { createKubeClient, KubeConfigError } from "./kube.js";
import { jsonLogger } from "./log.js";

export const usage = `usage: ferry agent

Runs the in-cluster agent: watches Argo CD Applications and Flux Kustomizations and HelmReleases
and sends signed reports to the Ferry app. Takes no arguments; every setting is an environment
variable (FERRY_URL, FERRY_CLUSTER, FERRY_CLUSTER_SECRET or FERRY_CLUSTER_SECRET_FILE,
FERRY_NAMESPACE, ...), listed in docs/agent.md. Serves /healthz and /readyz on HEALTH_PORT
(default 8080).
Exit status: 0 stopped by SIGTERM/SIGINT; 1 the probe port is taken; 2 invalid environment or
arguments.
`;

/** `ferry agent`: parse the environment, build the collaborators, run until SIGTERM/SIGINT. */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const logger = jsonLogger();
  try {
    parseArgs({ args: argv, strict: true, allowPositionals: false, options: {} });
  } catch (error) {
    process.stderr.write(`ferry agent: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const parsed = agentEnvSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) logger.error(`${issue.path.join(".")}: ${issue.message}`);
    return 2;
  }
  const config = parsed.data;
  // Everything that cannot work without an operator's fix stops here, with the reason.
  const built = collaborators(config, env);
  if (!built.ok) {
    logger.error(`the agent cannot start: ${built.problem}`);
    return 2;
  }
  const agent = startAgent({
    ferryUrl: config.FERRY_URL,
    cluster: config.FERRY_CLUSTER,
    secret: built.secret,
    kube: built.kube,
    ...(config.FERRY_ENVIRONMENT ? { environment: config.FERRY_ENVIRONMENT } : {}),
    ...(config.FERRY_CONFIG_REPO ? { configRepo: config.FERRY_CONFIG_REPO } : {}),
    ...(config.FERRY_ARGOCD_URL ? { argoCdUrl: config.FERRY_ARGOCD_URL } : {}),
    namespace: config.FERRY_NAMESPACE,
    identity: config.POD_NAME,
    leaseName: config.FERRY_LEASE_NAME,
    leaseDurationMs: config.LEASE_DURATION,
    healthyHoldMs: config.HEALTHY_HOLD,
    comparisonErrorGraceMs: config.COMPARISON_ERROR_GRACE,
    progressingGraceMs: config.PROGRESSING_GRACE,
    watch: config.FERRY_WATCH,
    logger,
  });
  const probes =
    config.HEALTH_PORT === 0
      ? undefined
      : await startHealthServer({
          port: config.HEALTH_PORT,
          host: "0.0.0.0",
          health: () => agent.health(),
        }).catch((error: Error) => {
          logger.error(`cannot serve probes on HEALTH_PORT ${config.HEALTH_PORT}: ${error.message}`);
          return "failed" as const;
        });
  if (probes === "failed") {
    await agent.stop();
    return 1;
  }
  logger.info("agent started", {
    cluster: config.FERRY_CLUSTER,
    identity: config.POD_NAME,
    watch: config.FERRY_WATCH,
    ...(probes ? { probes: probes.port } : {}),
  });
  if (config.FERRY_ENVIRONMENT === undefined) {
    logger.warn("FERRY_ENVIRONMENT is unset: only objects annotated ferry.dev/environment are reported");
  }
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  logger.info("stopping");
  await probes?.close();
  await agent.stop();
  return 0;
}

function collaborators(config: AgentEnv, env: NodeJS.ProcessEnv) {
  let secret: string;
  try {
    secret = clusterSecret(config);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const problem = code
      ? `FERRY_CLUSTER_SECRET_FILE ${config.FERRY_CLUSTER_SECRET_FILE} is unreadable (${code})`
      : (error as Error).message;
    return { ok: false as const, problem };
  }
  let kubeconfig: string | undefined;
  if (config.KUBECONFIG) {
    try {
      kubeconfig = readFileSync(config.KUBECONFIG, "utf8");
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).message;
      return { ok: false as const, problem: `KUBECONFIG ${config.KUBECONFIG} is unreadable (${code})` };
    }
  }
  try {
    return { ok: true as const, secret, kube: createKubeClient(kubeconfig, env) };
  } catch (error) {
    if (error instanceof KubeConfigError) return { ok: false as const, problem: error.message };
    throw error;
  }
}
