import { readFileSync } from "node:fs";
import { startAgent } from "./agent.js";
import { agentEnvSchema, clusterSecret } from "./env.js";
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
  const agent = startAgent({
    ferryUrl: config.FERRY_URL,
    cluster: config.FERRY_CLUSTER,
    secret: clusterSecret(config),
    ...(config.KUBECONFIG ? { kubeconfig: readFileSync(config.KUBECONFIG, "utf8") } : {}),
    ...(config.FERRY_ENVIRONMENT ? { environment: config.FERRY_ENVIRONMENT } : {}),
    ...(config.FERRY_CONFIG_REPO ? { configRepo: config.FERRY_CONFIG_REPO } : {}),
    namespace: config.FERRY_NAMESPACE,
    identity: config.POD_NAME,
    leaseName: config.FERRY_LEASE_NAME,
    leaseDurationMs: config.LEASE_DURATION,
    healthyHoldMs: config.HEALTHY_HOLD,
    comparisonErrorGraceMs: config.COMPARISON_ERROR_GRACE,
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
