import { configPath } from "../config/load.js";
import type { FerryConfig } from "../config/schema.js";
import type { Finding, Result } from "../findings.js";
import { toAnnotation } from "./annotations.js";
import type { CheckOutput } from "./check-output.js";

export const configCheckName = "Ferry / config";

/** The `Ferry / config` check for one version of ferry.yml. */
export function configCheck(result: Result<FerryConfig>): CheckOutput {
  if (result.ok) {
    const c = result.value;
    return {
      name: configCheckName,
      conclusion: "success",
      title: "ferry.yml is valid",
      summary: [
        `\`${configPath}\` is valid and is now the configuration Ferry uses for this repository.`,
        "",
        `- Environments: ${c.environments.map((e) => (e.after ? `${e.name} (after ${e.after.join(" and ")})` : e.name)).join(", ")}`,
        `- Apps: ${c.apps.map((a) => `${a.name} (\`${a.image}\`)`).join(", ") || "none"}`,
        `- Clusters: ${c.clusters.map((k) => `${k.name} → ${k.environment}`).join(", ") || "none"}`,
      ].join("\n"),
      annotations: [],
    };
  }
  const errors = result.errors;
  return {
    name: configCheckName,
    conclusion: "failure",
    title: `ferry.yml has ${errors.length} error${errors.length === 1 ? "" : "s"}`,
    summary: [
      `\`${configPath}\` is invalid. Ferry keeps using the last valid configuration until it is fixed.`,
      "",
      "| Line | Problem |",
      "| --- | --- |",
      ...errors.map((e: Finding) => `| ${e.line}:${e.column} | ${e.message.replaceAll("|", "\\|")} |`),
      "",
      "See docs/configuration.md for every field.",
    ].join("\n"),
    annotations: errors.map(toAnnotation),
  };
}
