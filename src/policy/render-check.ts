import { annotationBatches, toAnnotation } from "../checks/annotations.js";
import type { CheckOutput } from "../checks/check-output.js";
import type { FerryConfig } from "../config/schema.js";
import type { Finding, Severity } from "../findings.js";
import { githubLimits, sizeIn } from "../github/limits.js";
import { codeSpan, plainText, tableCell } from "../markdown.js";
import type { ValidationReport } from "./engine.js";
import { policyRules } from "./rules/index.js";
import { resolveRule } from "./settings.js";

export const validateCheckName = "Ferry / validate";

/** The `Ferry / validate` check run: a CheckOutput whose conclusion is one of three. */
export interface ValidateCheckOutput extends CheckOutput {
  conclusion: "success" | "failure" | "neutral";
}

export interface RenderCheckInput {
  report: ValidationReport;
  config: FerryConfig;
  /** Where the config came from, e.g. `.github/ferry.yml@main` or `defaults (no ferry.yml)`. */
  configSource?: string;
}

/** GitHub's cap on `output.summary`, in bytes of UTF-8 (not characters: see src/github/limits.ts). */
export const maxSummaryLength = githubLimits.checkSummary.max;
/** Room kept for the lines added after rendering (the "N more findings are not annotated" line). */
const summaryReserve = 1_000;

/**
 * Splits annotations into requests of at most 50 (GitHub's cap per create/update); always at
 * least one batch, so an empty result still makes one request. Same as src/checks.
 */
export const batchAnnotations = annotationBatches;

/**
 * Renders validation findings as the `Ferry / validate` check run, one annotation per finding
 * on its line. Conclusion: any error → failure; warnings but no errors → neutral (visible in
 * the PR's checks list, yet it does not block a required check, since GitHub counts neutral as
 * passing); only notices or nothing → success.
 */
export function renderValidateCheck({ report, config, configSource }: RenderCheckInput): ValidateCheckOutput {
  const counts = countBySeverity(report.findings);
  const conclusion = counts.error > 0 ? "failure" : counts.warning > 0 ? "neutral" : "success";
  const problems = describeCounts(counts);
  const files = plural(report.filesChecked, "file");
  const title = problems === "" ? `No problems in ${files}` : `${problems} in ${files}`;
  const summary = renderSummary(report, config, configSource ?? "defaults (no ferry.yml)", problems);
  return {
    name: validateCheckName,
    conclusion,
    title,
    summary,
    annotations: report.findings.map(toAnnotation),
  };
}

type Counts = Record<Severity, number>;

function countBySeverity(findings: readonly Finding[]): Counts {
  const counts: Counts = { error: 0, warning: 0, notice: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

function describeCounts(counts: Counts): string {
  const order: Severity[] = ["error", "warning", "notice"];
  return order
    .filter((severity) => counts[severity] > 0)
    .map((severity) => plural(counts[severity], severity))
    .join(", ");
}

function renderSummary(
  report: ValidationReport,
  config: FerryConfig,
  configSource: string,
  problems: string,
): string {
  const head = [
    `**${problems === "" ? "No problems" : problems}** in ${plural(report.filesChecked, "file")} checked` +
      (report.skipped.length > 0 ? ` (${plural(report.skipped.length, "file")} skipped).` : "."),
    "",
  ];
  const tail = [...skippedSection(report), ...configSection(config, configSource)];
  const rows = findingRows(report.findings);
  const table =
    rows.length === 0
      ? []
      : ["| File | Rule | Severity | Count | Lines |", "| --- | --- | --- | ---: | --- |"];
  // Keep the summary under GitHub's byte limit: drop table rows, never the config section.
  let budget = maxSummaryLength - sizeIn([...head, ...table, ...tail].join("\n"), "bytes") - summaryReserve;
  let shown = 0;
  for (const row of rows) {
    const size = sizeIn(row, "bytes") + 1;
    if (budget - size < 0) break;
    budget -= size;
    table.push(row);
    shown++;
  }
  if (shown < rows.length) table.push("", `…and ${rows.length - shown} more rows; see the annotations.`);
  return [...head, ...table, "", ...tail].join("\n");
}

/** One row per (file, rule, severity), in file order. */
function findingRows(findings: readonly Finding[]): string[] {
  const groups = new Map<string, { file: string; rule: string; severity: Severity; lines: number[] }>();
  for (const f of findings) {
    const key = `${f.file}\n${f.rule}\n${f.severity}`;
    const group = groups.get(key) ?? { file: f.file, rule: f.rule, severity: f.severity, lines: [] };
    group.lines.push(f.line);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ file, rule, severity, lines }) => {
    const shown = lines.slice(0, 10).join(", ") + (lines.length > 10 ? ", …" : "");
    return `| ${tableCell(codeSpan(file))} | ${cell(rule)} | ${severity} | ${lines.length} | ${shown} |`;
  });
}

function skippedSection(report: ValidationReport): string[] {
  if (report.skipped.length === 0) return [];
  // Paths are the PR author's: a code span that no backtick in the name can end.
  const shown = report.skipped.slice(0, 50).map((s) => `- ${codeSpan(s.path)}: ${plainText(s.reason)}`);
  const more = report.skipped.length > 50 ? [`- …and ${report.skipped.length - 50} more`] : [];
  return ["### Skipped", "", ...shown, ...more, ""];
}

/** The policy in effect: each rule's severity per environment, with the lists it uses. */
function configSection(config: FerryConfig, configSource: string): string[] {
  const scopes = [undefined, ...config.environments];
  const header = `| Rule | ${scopes.map((e) => (e === undefined ? "outside environments" : `\`${cell(e.name)}\``)).join(" | ")} |`;
  const rows = policyRules.map((rule) => {
    const cells = scopes.map((environment) => {
      const resolved = resolveRule(rule, config, environment);
      const lists = [...resolved.registries, ...resolved.labels];
      const detail =
        resolved.severity !== "off" && lists.length > 0 ? ` (${lists.map(cell).join(", ")})` : "";
      return `${resolved.severity}${detail}`;
    });
    return `| ${rule.id} | ${cells.join(" | ")} |`;
  });
  const strict = config.environments.filter((e) => e.strict).map((e) => e.name);
  return [
    "<details><summary>Config used</summary>",
    "",
    `Source: ${cell(configSource)}. Unknown kinds are ${strict.length > 0 ? `errors in ${strict.join(", ")} and ` : ""}notices elsewhere.`,
    "",
    header,
    `| --- | ${scopes.map(() => "---").join(" | ")} |`,
    ...rows,
    "",
    "</details>",
  ];
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
