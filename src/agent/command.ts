import { readFileSync } from "node:fs";
import { startAgent } from "./agent.js";
import { type AgentEnv, agentEnvSchema, clusterSecret } from "./env.js";
import { createKubeClient, KubeConfigError } from "./kube.js";
import { jsonLogger } from "./log.js";

/** `ferry agent`: parse the environment, build the collaborators, run until SIGTERM/SIGINT. */
export async function run(_argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const logger = jsonLogger();
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
    namespace: config.FERRY_NAMESPACE,
    identity: config.POD_NAME,
    leaseName: config.FERRY_LEASE_NAME,
    leaseDurationMs: config.LEASE_DURATION,
    healthyHoldMs: config.HEALTHY_HOLD,
    watch: config.FERRY_WATCH,
    logger,
  });
  logger.info("agent started", {
    cluster: config.FERRY_CLUSTER,
    identity: config.POD_NAME,
    watch: config.FERRY_WATCH,
  });
  if (config.FERRY_ENVIRONMENT === undefined) {
    logger.warn("FERRY_ENVIRONMENT is unset: only objects annotated ferry.dev/environment are reported");
  }
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  logger.info("stopping");
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
