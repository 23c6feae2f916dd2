import { createHash } from "node:crypto";
import { annotationBatches, toAnnotation } from "../checks/annotations.js";
import type { CheckOutput } from "../checks/check-output.js";
import type { FerryConfig } from "../config/schema.js";
import type { Finding, Severity } from "../findings.js";
import { githubLimits, sizeIn } from "../github/limits.js";
import { codeSpan, link, plainText, tableCell } from "../markdown.js";
import { agree, listing, plural } from "../plural.js";
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
  /** The PR's file view (`https://<host>/<owner>/<repo>/pull/<n>/files`): each line links into it. */
  filesUrl?: string;
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
 * passing); only notices or nothing → success. The summary answers "can I merge, and if not,
 * what do I fix": a first line saying so, then one row per finding, errors first, each with its
 * problem, its fix and its line linked into the PR's file view.
 */
export function renderValidateCheck({
  report,
  config,
  configSource,
  filesUrl,
}: RenderCheckInput): ValidateCheckOutput {
  const counts = countBySeverity(report.findings);
  const conclusion = counts.error > 0 ? "failure" : counts.warning > 0 ? "neutral" : "success";
  const problems = describeCounts(counts);
  const files = plural(report.filesChecked, "file");
  const title = problems === "" ? `No problems in ${files}` : `${problems} in ${files}`;
  const summary = renderSummary(report, config, configSource ?? "defaults (no ferry.yml)", counts, filesUrl);
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

const bySeverity: Severity[] = ["error", "warning", "notice"];

function describeCounts(counts: Counts): string {
  return bySeverity
    .filter((severity) => counts[severity] > 0)
    .map((severity) => plural(counts[severity], severity))
    .join(", ");
}

/** The first line: whether the PR may merge, and what the reviewer should do about the rest. */
function verdict(counts: Counts): string {
  const warnings = counts.warning;
  if (counts.error > 0) {
    const errors = counts.error === 1 ? "the error" : `the ${plural(counts.error, "error")}`;
    const rest =
      warnings === 0
        ? ""
        : warnings === 1
          ? "; the warning does not block it"
          : `; the ${plural(warnings, "warning")} do not block it`;
    return `Fix ${errors} to merge${rest}.`;
  }
  if (warnings > 0)
    return `Nothing blocks the merge; ${plural(warnings, "warning")} ${agree(warnings, "is", "are")} worth a look.`;
  return counts.notice > 0 ? "Nothing blocks the merge." : "Nothing to fix.";
}

function renderSummary(
  report: ValidationReport,
  config: FerryConfig,
  configSource: string,
  counts: Counts,
  filesUrl: string | undefined,
): string {
  const skipped =
    report.skipped.length > 0
      ? ` Ferry skipped ${plural(report.skipped.length, "file")} (listed below).`
      : "";
  const head = [`${verdict(counts)}${skipped}`, ""];
  const tail = [...skippedSection(report), ...configSection(config, configSource)];
  const rows = findingRows(report.findings, filesUrl);
  const table = rows.length === 0 ? [] : ["| | Where | Problem | Fix |", "| :-: | --- | --- | --- |"];
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
  if (shown < rows.length)
    table.push(
      "",
      `…and ${plural(rows.length - shown, "more finding", "more findings")}; see the annotations.`,
    );
  return [...head, ...table, ...(table.length > 0 ? [""] : []), ...tail].join("\n");
}

const icons: Record<Severity, string> = { error: "❌", warning: "⚠️", notice: "ℹ️" };

/**
 * One row per finding: errors, then warnings, then notices; within each by file and line. A
 * file is named on its first row only; every line links to the PR's file view when known.
 */
function findingRows(findings: readonly Finding[], filesUrl: string | undefined): string[] {
  const sorted = [...findings].sort(
    (a, b) =>
      bySeverity.indexOf(a.severity) - bySeverity.indexOf(b.severity) ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line,
  );
  let previous: { file: string; severity: Severity } | undefined;
  return sorted.map((f) => {
    const sameFile = previous?.file === f.file && previous.severity === f.severity;
    previous = f;
    // Paths and messages quote the PR author's files: code spans and plain text only.
    const where = sameFile ? `line ${f.line}` : `${codeSpan(f.file)} line ${f.line}`;
    const { problem, fix } = problemAndFix(f);
    const cells = [
      icons[f.severity],
      link(where, filesUrl && lineAnchor(filesUrl, f.file, f.line), filesUrl),
      `${plainText(problem)} <sub>${plainText(f.rule)}</sub>`,
      fix ? plainText(fix) : "",
    ];
    return `| ${cells.map(tableCell).join(" | ")} |`;
  });
}

/**
 * GitHub's anchor for a line of a PR's file view: `#diff-` and the SHA-256 (hex) of the path,
 * then `R` and the line on the new side.
 */
export function lineAnchor(filesUrl: string, path: string, line: number): string {
  return `${filesUrl}#diff-${createHash("sha256").update(path).digest("hex")}R${line}`;
}

/** Fixes for findings that are not a policy rule's (those carry their own, see PolicyRule.fix). */
const fixes: Record<string, string> = {
  yaml: "correct the YAML at this line",
  "yaml-duplicate-key": "keep one of the duplicate keys",
  "yaml-limits": "split the file or remove the aliases",
  schema: "correct the field as the kind's schema says",
  kustomization: "correct the field as Kustomize documents it",
  "image-reference": "write a valid image reference, e.g. ghcr.io/acme/api:1.4.2",
  "unknown-kind": "add a schema for the kind, or turn strict off for the environment",
};

/** The problem and the fix apart: the fix the message ends with, else the rule's own. */
function problemAndFix(f: Finding): { problem: string; fix: string | undefined } {
  const suffix = f.fix === undefined ? undefined : `; ${f.fix}`;
  if (suffix !== undefined && f.message.endsWith(suffix))
    return { problem: f.message.slice(0, -suffix.length), fix: f.fix };
  const fix = f.fix ?? policyRules.find((r) => r.id === f.rule)?.fix ?? fixes[f.rule];
  // An unknown kind outside strict environments is a notice with nothing to do.
  return { problem: f.message, fix: f.rule === "unknown-kind" && f.severity === "notice" ? "" : fix };
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
    `Source: ${cell(configSource)}. ${
      strict.length > 0
        ? `Kinds Ferry has no schema for are errors in ${listing(strict)} (strict) and notices elsewhere.`
        : "Kinds Ferry has no schema for are notices."
    }`,
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
