import { type ConfigResult, configPath } from "../config/load.js";
import type { Finding } from "../findings.js";
import { codeSpan, plainText } from "../markdown.js";
import { toAnnotation } from "./annotations.js";
import type { CheckOutput } from "./check-output.js";

export const configCheckName = "Ferry / config";

/** The `Ferry / config` check for one version of ferry.yml. */
export function configCheck(result: ConfigResult): CheckOutput {
  if (result.ok) {
    const c = result.value;
    const warnings = result.warnings;
    const said =
      warnings.length === 0 ? "" : `, with ${warnings.length} warning${warnings.length === 1 ? "" : "s"}`;
    return {
      name: configCheckName,
      conclusion: "success",
      title: `ferry.yml is valid${said}`,
      summary: [
        `\`${configPath}\` is valid${said} and is now the configuration Ferry uses for this repository.`,
        "",
        `- Environments: ${c.environments.map((e) => (e.after ? `${e.name} (after ${e.after.join(" and ")})` : e.name)).join(", ")}`,
        `- Apps: ${c.apps.map((a) => `${a.name} (${codeSpan(a.image)})`).join(", ") || "none"}`,
        `- Clusters: ${c.clusters.map((k) => `${k.name} → ${k.environment}`).join(", ") || "none"}`,
        ...(warnings.length > 0 ? ["", ...problemTable(warnings)] : []),
      ].join("\n"),
      annotations: warnings.map(toAnnotation),
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
      ...problemTable(errors),
      "",
      "See docs/configuration.md for every field.",
    ].join("\n"),
    annotations: errors.map(toAnnotation),
  };
}

/** Messages quote ferry.yml, which a pull request author may have written: plain text only. */
function problemTable(findings: Finding[]): string[] {
  return [
    "| Line | Problem |",
    "| --- | --- |",
    ...findings.map((f) => `| ${f.line}:${f.column} | ${plainText(f.message)} |`),
  ];
}
