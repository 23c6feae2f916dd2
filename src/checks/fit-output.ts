import { clipText, fitText, githubLimits } from "../github/limits.js";
import { type Annotation, capAnnotations, maxAnnotationsPerCheck } from "./annotations.js";
import type { CheckOutput } from "./check-output.js";

const count = (n: number) => n.toLocaleString("en-US");

/** The line a check's summary carries when it has more findings than annotations. */
export function moreFindingsLine(omitted: number, max = maxAnnotationsPerCheck): string {
  return `**${count(omitted)} more ${omitted === 1 ? "finding is" : "findings are"} not annotated.** Ferry puts at most ${count(max)} annotations on a check, errors first; run \`ferry validate\` on the branch (\`--format sarif\` for code scanning) to list every finding.`;
}

/**
 * A check run output GitHub accepts: at most `maxAnnotationsPerCheck` annotations, with a line at
 * the top of the summary saying how many more there are, and every field cut to GitHub's limit in
 * GitHub's unit (bytes for the output, characters for annotation titles). Pure.
 */
export function fitCheckOutput(output: CheckOutput, maxAnnotations = maxAnnotationsPerCheck): CheckOutput {
  const { kept, omitted } = capAnnotations(output.annotations, maxAnnotations);
  const summary =
    omitted > 0 ? afterHeadline(output.summary, moreFindingsLine(omitted, maxAnnotations)) : output.summary;
  return {
    ...output,
    name: clipText(output.name, githubLimits.checkName),
    title: clipText(output.title, githubLimits.checkTitle),
    summary: fitText(summary, githubLimits.checkSummary),
    ...(output.text !== undefined ? { text: fitText(output.text, githubLimits.checkText) } : {}),
    annotations: kept.map(fitAnnotation),
  };
}

function fitAnnotation(annotation: Annotation): Annotation {
  return {
    ...annotation,
    message: fitText(annotation.message, githubLimits.annotationMessage),
    ...(annotation.title !== undefined
      ? { title: clipText(annotation.title, githubLimits.annotationTitle) }
      : {}),
    ...(annotation.raw_details !== undefined
      ? { raw_details: fitText(annotation.raw_details, githubLimits.annotationRawDetails) }
      : {}),
  };
}

/** `line` as the summary's second paragraph, right under its headline. */
function afterHeadline(summary: string, line: string): string {
  const end = summary.indexOf("\n\n");
  return end < 0 ? `${summary}\n\n${line}` : `${summary.slice(0, end)}\n\n${line}${summary.slice(end)}`;
}
