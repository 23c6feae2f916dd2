import { type ConfigResult, configPath } from "../config/load.js";
import type { Finding } from "../findings.js";
import { codeSpan, link, plainText, tableCell } from "../markdown.js";
import { listing, plural } from "../plural.js";
import { toAnnotation } from "./annotations.js";
import type { CheckOutput } from "./check-output.js";

export const configCheckName = "Ferry / config";

/**
 * Where a reader of the check finds every field and the schema for editors: this project's
 * docs, since a config repo has no docs/ of Ferry's (a test keeps these in step with package.json).
 */
const projectUrl = "https://github.com/ferry-gitops/ferry";
export const configDocsUrl = `${projectUrl}/blob/main/docs/configuration.md`;
export const configSchemaUrl = `${projectUrl}/blob/main/docs/ferry.schema.json`;

export interface ConfigCheckLinks {
  /** The checked ferry.yml's page at the commit (`https://<host>/<owner>/<repo>/blob/<sha>/.github/ferry.yml`). */
  fileUrl?: string;
}

/** The `Ferry / config` check for one version of ferry.yml. */
export function configCheck(result: ConfigResult, links: ConfigCheckLinks = {}): CheckOutput {
  if (result.ok) {
    const c = result.value;
    const warnings = result.warnings;
    const said = warnings.length === 0 ? "" : `, with ${plural(warnings.length, "warning")}`;
    return {
      name: configCheckName,
      conclusion: "success",
      title: `ferry.yml is valid${said}`,
      summary: [
        `\`${configPath}\` is valid${said} and is now the configuration Ferry uses for this repository.`,
        "",
        `- Environments: ${c.environments.map((e) => (e.after ? `${e.name} (after ${listing(e.after)})` : e.name)).join(", ")}`,
        `- Apps: ${c.apps.map((a) => `${a.name} (${codeSpan(a.image)})`).join(", ") || "none"}`,
        `- Clusters: ${c.clusters.map((k) => `${k.name} → ${k.environment}`).join(", ") || "none"}`,
        ...(warnings.length > 0 ? ["", ...problemTable(warnings, links)] : []),
      ].join("\n"),
      annotations: warnings.map(toAnnotation),
    };
  }
  const errors = result.errors;
  return {
    name: configCheckName,
    conclusion: "failure",
    title: `ferry.yml has ${plural(errors.length, "error")}`,
    summary: [
      `\`${configPath}\` is invalid: Ferry keeps using the last valid configuration until it is fixed.`,
      "",
      ...problemTable(errors, links),
      "",
      `Every field is described in [the configuration reference](${configDocsUrl}); editors can check ferry.yml against its [JSON Schema](${configSchemaUrl}).`,
    ].join("\n"),
    annotations: errors.map(toAnnotation),
  };
}

/** Messages quote ferry.yml, which a pull request author may have written: plain text only. */
function problemTable(findings: Finding[], links: ConfigCheckLinks): string[] {
  const line = (f: Finding) =>
    link(String(f.line), links.fileUrl && `${links.fileUrl}#L${f.line}`, links.fileUrl);
  return [
    "| Line | Problem |",
    "| --- | --- |",
    ...[...findings]
      .sort((a, b) => a.line - b.line || a.column - b.column)
      .map((f) => `| ${line(f)} | ${tableCell(plainText(f.message))} |`),
  ];
}
