import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Finding, Severity } from "../findings.js";
import { builtinChecks } from "./builtin-checks.js";
import { policyRules } from "./rules/index.js";

const levels: Record<Severity, Result.level> = { error: "error", warning: "warning", notice: "note" };

/**
 * SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`): one run, the
 * tool's rules (policy rules and built-in checks), one result per finding located by a
 * repository-relative URI and a 1-based region.
 */
export function renderSarif(findings: readonly Finding[], toolVersion?: string): Log {
  const descriptors: ReportingDescriptor[] = [
    ...policyRules.map((rule) => ({
      id: rule.id,
      name: rule.id,
      shortDescription: { text: rule.description },
      defaultConfiguration: {
        level: rule.defaultSeverity === "off" ? ("none" as const) : levels[rule.defaultSeverity],
      },
    })),
    ...builtinChecks.map((check) => ({
      id: check.id,
      name: check.id,
      shortDescription: { text: check.description },
    })),
  ];
  const ids = descriptors.map((d) => d.id);
  // A finding from a check this list does not know still gets a rule entry.
  for (const finding of findings) {
    if (!ids.includes(finding.rule)) {
      ids.push(finding.rule);
      descriptors.push({ id: finding.rule, name: finding.rule, shortDescription: { text: finding.rule } });
    }
  }
  const results: Result[] = findings.map((finding) => ({
    ruleId: finding.rule,
    ruleIndex: ids.indexOf(finding.rule),
    level: levels[finding.severity],
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(finding.file), uriBaseId: "%SRCROOT%" },
          region: {
            startLine: finding.line,
            startColumn: finding.column,
            ...(finding.endLine === undefined ? {} : { endLine: finding.endLine }),
            ...(finding.endColumn === undefined ? {} : { endColumn: finding.endColumn }),
          },
        },
      },
    ],
  }));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Ferry",
            ...(toolVersion === undefined ? {} : { version: toolVersion }),
            rules: descriptors,
          },
        },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}
