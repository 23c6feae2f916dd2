import { toAnnotation } from "../checks/annotations.js";
import type { CheckOutput } from "../checks/check-output.js";
import type { Finding } from "../findings.js";
import { plural } from "../plural.js";
import type { ObjectDiff } from "./diff.js";

export const renderCheckName = (environment: string) => `Ferry / render (${environment})`;

/** GitHub's caps on a check run's summary and text, in bytes. */
const maxOutputBytes = 65_535;
/** One object's diff is cut past this, so one huge ConfigMap does not hide every other object. */
const maxObjectBytes = 12_000;

export interface RenderCheckInput {
  environment: string;
  diffs: readonly ObjectDiff[];
  /** Render failures, refusals, and findings on the rendered objects mapped to source lines. */
  findings: readonly Finding[];
  /** Set when nothing was rendered: why (a missing binary). */
  skipped?: string;
  /** Targets rendered per side, for the summary. */
  rendered: { kustomize: number; helm: number };
}

/**
 * `Ferry / render (<env>)`: the rendered diff per object (collapsed, bounded in bytes) and the
 * findings on the rendered objects. Conclusion: any error → failure; skipped (no binary) or
 * warnings → neutral; otherwise success. A skipped render is never a success.
 */
export function renderCheck(input: RenderCheckInput): CheckOutput {
  const name = renderCheckName(input.environment);
  const annotations = input.findings.map(toAnnotation);
  if (input.skipped !== undefined) {
    return {
      name,
      conclusion: "neutral",
      title: "Not rendered",
      summary: `Ferry did not render ${input.environment}: ${input.skipped}.`,
      annotations,
    };
  }
  const errors = input.findings.filter((f) => f.severity === "error").length;
  if (errors === 0 && input.diffs.length === 0 && input.rendered.kustomize + input.rendered.helm === 0) {
    // Everything was refused (a remote base, a plugin, a chart from a Helm repository).
    return {
      name,
      conclusion: "neutral",
      title: "Not rendered",
      summary: [
        `Ferry rendered nothing for **${input.environment}**:`,
        "",
        ...input.findings
          .slice(0, 30)
          .map((f) => `- \`${cell(f.file)}:${f.line}\`: ${cell(firstLine(f.message))}`),
      ].join("\n"),
      annotations,
    };
  }
  const warnings = input.findings.filter((f) => f.severity === "warning").length;
  const counts = (["added", "changed", "removed"] as const)
    .map((c) => [c, input.diffs.filter((d) => d.change === c).length] as const)
    .filter(([, n]) => n > 0);
  const objects = input.diffs.length;
  // One kind of change says it once ("2 objects changed"); several name each ("3 objects differ: 2 added, 1 changed").
  const changed =
    counts.length === 1
      ? `${plural(objects, "object")} ${counts[0]?.[0]}`
      : `${plural(objects, "object")} differ: ${counts.map(([c, n]) => `${n} ${c}`).join(", ")}`;
  const title =
    (objects === 0 ? "No rendered change" : changed) + (errors > 0 ? `, ${plural(errors, "error")}` : "");
  const what = [
    input.rendered.kustomize > 0 ? plural(input.rendered.kustomize, "kustomization") : "",
    input.rendered.helm > 0 ? plural(input.rendered.helm, "Helm chart") : "",
  ]
    .filter((s) => s !== "")
    .join(" and ");
  const summaryLines = [
    `Rendered ${what || "nothing"} at the base and the head of this PR for **${input.environment}** (no network, no plugins).`,
    "",
    ...(objects === 0 ? [] : ["| Object | Change | Lines |", "| --- | --- | ---: |"]),
  ];
  for (const d of input.diffs) {
    const row = `| \`${cell(d.key)}\` | ${d.change} | +${d.added} −${d.removed} |`;
    if (bytes([...summaryLines, row].join("\n")) > maxOutputBytes - 2_000) {
      summaryLines.push(`| …and more | | |`);
      break;
    }
    summaryLines.push(row);
  }
  const notes = input.findings.filter((f) => f.rule === "render" || f.rule === "render-sandbox");
  if (notes.length > 0) {
    summaryLines.push("", "### Not rendered or failed", "");
    for (const f of notes.slice(0, 30))
      summaryLines.push(`- \`${cell(f.file)}:${f.line}\`: ${cell(firstLine(f.message))}`);
    if (notes.length > 30) summaryLines.push(`- …and ${notes.length - 30} more; see the annotations.`);
  }
  if (errors + warnings > notes.length)
    summaryLines.push(
      "",
      `Findings on the rendered objects are annotated on the source line that set the field.`,
    );
  return {
    name,
    conclusion: errors > 0 ? "failure" : warnings > 0 ? "neutral" : "success",
    title,
    summary: truncateBytes(summaryLines.join("\n"), maxOutputBytes),
    ...(objects > 0 ? { text: diffText(input.diffs) } : {}),
    annotations,
  };
}

/** Each object as a collapsed block with its unified diff; within GitHub's byte cap. */
export function diffText(diffs: readonly ObjectDiff[]): string {
  const parts: string[] = [];
  let used = 0;
  let shown = 0;
  const budget = maxOutputBytes - 500;
  for (const d of diffs) {
    const patch = truncateBytes(d.patch, maxObjectBytes, "\n… (diff cut here)");
    const block = `<details><summary><code>${html(d.key)}</code> ${d.change} (+${d.added} −${d.removed})</summary>\n\n\`\`\`diff\n${patch.replace(/```/g, "ˋˋˋ")}\n\`\`\`\n\n</details>\n`;
    const size = bytes(block);
    if (used + size > budget) break;
    parts.push(block);
    used += size;
    shown++;
  }
  if (shown < diffs.length)
    parts.push(
      `\n…and ${plural(diffs.length - shown, "more changed object")}, over GitHub's size limit for a check run (run \`ferry diff\` locally to see them all).\n`,
    );
  return parts.join("\n");
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Cuts a text to at most `max` UTF-8 bytes (never inside a character), with a note. */
function truncateBytes(text: string, max: number, note = "\n…"): string {
  if (bytes(text) <= max) return text;
  let cut = text.slice(0, max - bytes(note));
  while (bytes(cut) > max - bytes(note)) cut = cut.slice(0, -Math.max(1, Math.ceil((bytes(cut) - max) / 3)));
  return cut + note;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
