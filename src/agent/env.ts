import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { z } from "zod";
import { parseDuration } from "../reports/duration.js";
import { type WatchedResourceName, watchedResourceNames } from "./resources.js";

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: `"${text}" is not a duration such as 5s, 500ms or 1m` });
        return z.NEVER;
      }
      return ms;
    });

const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes");

/** The agent's environment variables; see docs/agent.md#configuration. */
export const agentEnvSchema = z
  .object({
    FERRY_URL: z.url({ protocol: /^https?$/ }),
    FERRY_CLUSTER: name,
    FERRY_CLUSTER_SECRET: z.string().min(16, "at least 16 characters").optional(),
    FERRY_CLUSTER_SECRET_FILE: z.string().optional(),
    /** Path to a kubeconfig; unset → in-cluster service account. */
    KUBECONFIG: z.string().optional(),
    FERRY_NAMESPACE: z.string().min(1),
    POD_NAME: z.string().min(1).default(hostname()),
    FERRY_ENVIRONMENT: z.string().min(1).optional(),
    FERRY_CONFIG_REPO: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, "owner/repo")
      .optional(),
    FERRY_LEASE_NAME: name.default("ferry-agent"),
    FERRY_WATCH: z
      .string()
      .default(watchedResourceNames.join(","))
      .transform((text, ctx) => {
        const list = text
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = list.filter((s) => !watchedResourceNames.includes(s as WatchedResourceName));
        if (bad.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `unknown resource ${bad.join(", ")}; use ${watchedResourceNames.join(", ")}`,
          });
          return z.NEVER;
        }
        return list as WatchedResourceName[];
      }),
    /** `/healthz` and `/readyz` for the kubelet; 0 turns the probe server off. */
    HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HEALTHY_HOLD: duration("5s"),
    LEASE_DURATION: duration("15s"),
  })
  .refine(
    (env) => (env.FERRY_CLUSTER_SECRET === undefined) !== (env.FERRY_CLUSTER_SECRET_FILE === undefined),
    {
      message: "set exactly one of FERRY_CLUSTER_SECRET and FERRY_CLUSTER_SECRET_FILE",
      path: ["FERRY_CLUSTER_SECRET"],
    },
  );

export type AgentEnv = z.infer<typeof agentEnvSchema>;

/** Reads the secret from the variable or the mounted file (trailing newline trimmed). */
export function clusterSecret(
  env: AgentEnv,
  read: (path: string) => string = (p) => readFileSync(p, "utf8"),
): string {
  const secret = env.FERRY_CLUSTER_SECRET ?? read(env.FERRY_CLUSTER_SECRET_FILE ?? "").trim();
  if (secret.length < 16) throw new Error("the cluster secret must be at least 16 characters");
  return secret;
}
