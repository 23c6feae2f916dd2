import type { Finding } from "../findings.js";
import { annotationsPerRequest } from "../github/limits.js";
import { plainMessage } from "../markdown.js";

export { annotationsPerRequest };

/** A check run annotation as GitHub's API takes it. */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  raw_details?: string;
}

const levels = { error: "failure", warning: "warning", notice: "notice" } as const;

/**
 * One annotation per finding, on the finding's exact line (columns only within a single line, as
 * GitHub requires), titled by the rule. GitHub shows annotation text as plain text, not markdown.
 */
export function toAnnotation(finding: Finding): Annotation {
  const endLine = finding.endLine ?? finding.line;
  return {
    path: finding.file,
    start_line: finding.line,
    end_line: endLine,
    ...(endLine === finding.line
      ? { start_column: finding.column, end_column: finding.endColumn ?? finding.column }
      : {}),
    annotation_level: levels[finding.severity],
    message: plainMessage(finding.message),
    title: finding.rule,
  };
}

/** Splits annotations into GitHub-sized batches; always at least one (possibly empty) batch. */
export function annotationBatches(annotations: Annotation[]): Annotation[][] {
  const batches: Annotation[][] = [];
  for (let i = 0; i < annotations.length; i += annotationsPerRequest) {
    batches.push(annotations.slice(i, i + annotationsPerRequest));
  }
  return batches.length > 0 ? batches : [[]];
}

/**
 * Ferry annotates at most this many lines per check run. Each 50 cost one more check-run PATCH in
 * the installation's write queue, which GitHub paces at about one a second and caps at 80 content
 * writes a minute and 500 an hour (secondary rate limits): 20,000 findings were 400 PATCHes, most
 * of that hour's writes, for annotations no reviewer reads past the first few hundred. 500 is
 * 10 requests, a handful of seconds; the summary table still counts every finding per file and rule,
 * and `ferry validate` (text, JSON or SARIF) lists them all.
 */
export const maxAnnotationsPerCheck = 500;

const rank = { failure: 0, warning: 1, notice: 2 } as const;

/**
 * The annotations a check run carries: at most `max`, failures first (what blocks the PR), then
 * warnings, then notices, each in the order given. `omitted` says how many were left out.
 */
export function capAnnotations(
  annotations: readonly Annotation[],
  max = maxAnnotationsPerCheck,
): { kept: Annotation[]; omitted: number } {
  if (annotations.length <= max) return { kept: [...annotations], omitted: 0 };
  const kept = annotations
    .map((annotation, index) => ({ annotation, index }))
    .sort(
      (a, b) =>
        rank[a.annotation.annotation_level] - rank[b.annotation.annotation_level] || a.index - b.index,
    )
    .slice(0, max)
    .map((x) => x.annotation);
  return { kept, omitted: annotations.length - max };
}
