import type { AppConfig, EnvironmentConfig, ProvenanceSetting } from "../config/schema.js";
import { githubActionsIssuer, type ProvenancePolicy } from "./policy.js";

export const defaultTriggers = ["push", "workflow_dispatch", "release"];

/**
 * The policy for one app in one environment: Ferry's defaults, then the app's `provenance`, then
 * the environment's. Without a source repo nothing can be checked, so the mode is off (the
 * config schema already refuses a checked mode without `source`).
 */
export function resolvePolicy(app: AppConfig, env: EnvironmentConfig): ProvenancePolicy {
  const merged: ProvenanceSetting = { ...app.provenance, ...env.provenance };
  const repository = app.source ?? "";
  return {
    mode: repository ? (merged.mode ?? "off") : "off",
    repository,
    repositoryId: app.sourceId,
    workflows: merged.workflows ?? [`${repository}/.github/workflows/**`],
    refs: merged.refs ?? [`refs/heads/${app.trigger.branch}`],
    triggers: merged.triggers ?? defaultTriggers,
    githubHostedRunners: merged.githubHostedRunners ?? true,
    issuer: merged.issuer ?? githubActionsIssuer,
    requireReachable: merged.requireReachable ?? false,
    branch: app.trigger.branch,
  };
}
