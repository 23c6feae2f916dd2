import { createTwoFilesPatch } from "diff";
import type { Finding } from "../findings.js";
import type { PlannedSite } from "../manifests/rewrite.js";
import { plural } from "../plural.js";
import { type FileChange, pinString, type UpdatePlan } from "./plan-update.js";

/** A git-style unified diff of one planned file change (`--- a/path`, `+++ b/path`, 3 lines of context). */
export function unifiedDiff(change: Pick<FileChange, "path" | "before" | "after">): string {
  const patch = createTwoFilesPatch(
    `a/${change.path}`,
    `b/${change.path}`,
    change.before,
    change.after,
    "",
    "",
    {
      context: 3,
    },
  );
  // Drop the `====` banner and the empty tab-separated headers so it reads like `git diff`.
  return patch.replace(/^=+\r?\n/, "").replace(/^(--- a\/.*|\+\+\+ b\/.*)\t$/gm, "$1");
}

/**
 * `file:line  kind  path  old → new` for each reference; one left alone reads `(current)` when
 * it already has the target tag, else `(unchanged)` (the plan was refused or failed there).
 */
export function referenceLines(references: readonly PlannedSite[], targetTag?: string): string[] {
  return references.map((r) => {
    const from = r.added ? "(none)" : pinString(r.tag, r.digest);
    const to = pinString(r.to.tag, r.to.digest);
    const what = r.changed
      ? `${from} → ${to}${r.added ? " (entry added)" : ""}`
      : `${from} ${r.tag === targetTag || (targetTag === undefined && from === to) ? "(current)" : "(unchanged)"}`;
    return `${r.file}:${r.line}  ${r.kind}  ${r.path}  ${what}`;
  });
}

/** `path:line:column: severity message [rule]`, as every Ferry command prints findings. */
export function findingLine(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.message} [${f.rule}]`;
}

/** The whole human-readable plan: references, findings, diffs and a one-line summary. */
export function renderPlanText(plan: UpdatePlan, heading: string, targetTag?: string): string {
  const out: string[] = [heading, ""];
  if (plan.references.length > 0)
    out.push("References:", ...referenceLines(plan.references, targetTag).map((l) => `  ${l}`), "");
  if (plan.findings.length > 0) out.push("Findings:", ...plan.findings.map((f) => `  ${findingLine(f)}`), "");
  for (const change of plan.changes) out.push(unifiedDiff(change).replace(/\n$/, ""));
  const changed = plan.changes.reduce((n, c) => n + c.references.length, 0);
  const errors = plan.findings.filter((f) => f.severity === "error").length;
  const summary = plan.alreadyCurrent
    ? "Nothing to change: every reference already pins the target."
    : `${plural(changed, "reference")} in ${plural(plan.changes.length, "file")} to change` +
      (errors > 0 ? `; ${plural(errors, "error")}` : "");
  if (plan.changes.length > 0) out.push("");
  out.push(summary);
  return `${out.join("\n")}\n`;
}
