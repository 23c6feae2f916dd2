import type { Finding } from "../findings.js";

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
}

/** GitHub accepts at most this many annotations per create or update request. */
export const annotationsPerRequest = 50;

const levels = { error: "failure", warning: "warning", notice: "notice" } as const;

/** One annotation per finding, on the finding's exact line (columns only within a single line, as GitHub requires). */
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
    message: finding.message,
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
