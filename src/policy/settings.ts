import type {
  EnvironmentConfig,
  FerryConfig,
  PolicyRuleId,
  RuleSetting,
  SeveritySetting,
} from "../config/schema.js";
import type { PolicyRule } from "./rule.js";

/** A rule's effective configuration for one environment (or for files outside every environment). */
export interface ResolvedRule {
  severity: SeveritySetting;
  /** Where the severity came from, for the check summary. */
  source: "environment" | "environment digest" | "policy" | "default";
  registries: readonly string[];
  labels: readonly string[];
}

/**
 * Severity: the environment's `policy` override, then (digest-pinned only) the environment's
 * `digest: required`, then the top-level `policy`, then the rule's default. Lists
 * (`registries`, `labels`) come from the environment when it gives one, else from the top level.
 */
export function resolveRule(
  rule: PolicyRule,
  config: FerryConfig,
  environment: EnvironmentConfig | undefined,
): ResolvedRule {
  const envSetting = environment?.policy[rule.id];
  const topSetting = config.policy[rule.id];
  const envSeverity = severityOf(envSetting);
  const topSeverity = severityOf(topSetting);
  let severity: SeveritySetting = rule.defaultSeverity;
  let source: ResolvedRule["source"] = "default";
  if (envSeverity !== undefined) {
    severity = envSeverity;
    source = "environment";
  } else if (rule.id === "digest-pinned" && environment?.digest === "required") {
    severity = "error";
    source = "environment digest";
  } else if (topSeverity !== undefined) {
    severity = topSeverity;
    source = "policy";
  }
  return {
    severity,
    source,
    registries: listOf(envSetting, rule.id, "registries") ?? listOf(topSetting, rule.id, "registries") ?? [],
    labels: listOf(envSetting, rule.id, "labels") ?? listOf(topSetting, rule.id, "labels") ?? [],
  };
}

function severityOf(setting: RuleSetting | undefined): SeveritySetting | undefined {
  if (setting === undefined) return undefined;
  if (typeof setting === "string") return setting;
  // The array shorthand (`allowed-registries: [ghcr.io/acme]`) means "on, as an error".
  if (Array.isArray(setting)) return "error";
  return setting.severity;
}

function listOf(
  setting: RuleSetting | undefined,
  id: PolicyRuleId,
  key: "registries" | "labels",
): readonly string[] | undefined {
  if (setting === undefined || typeof setting === "string") return undefined;
  if (Array.isArray(setting)) {
    const owner = key === "registries" ? "allowed-registries" : "required-labels";
    return id === owner ? setting : undefined;
  }
  return setting[key];
}
