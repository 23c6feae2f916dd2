import { codeSpan, httpsHost, link, tableCell } from "../markdown.js";
import { provenanceLine, type VerifiedProvenance } from "../provenance/evidence-text.js";
import type { Build } from "./build.js";
import { commitTrailers, type Marker, renderMarker } from "./marker.js";

/** One rewritten reference, as the PR body lists it. */
export interface ChangedReference {
  file: string;
  line: number;
  from: string;
  to: string;
}

export interface PromotionText {
  app: string;
  env: string;
  marker: Marker;
  references: ChangedReference[];
  build?: Pick<Build, "url" | "trigger" | "workflow">;
  /** Web URL of the app repo, for the compare link; links go only to its host, over https. */
  sourceUrl?: string;
  /** Source commit of the tag the environment runs now, when a previous Ferry PR recorded it. */
  previousSha?: string;
  /** Markdown: the caller escapes whatever part of it a person wrote. */
  rollbackReason?: string;
  autoMerge?: boolean;
  /** The attestation that proves who built the digest, when the policy checks provenance. */
  provenance?: VerifiedProvenance;
}

/** A commit SHA as Git writes it; anything else (an edited marker, say) gets no link. */
const commitSha = /^[0-9a-f]{7,64}$/i;

export function promotionTitle(t: Pick<PromotionText, "app" | "env" | "marker">): string {
  return t.marker.rollback
    ? `Roll back ${t.app} to ${t.marker.tag} in ${t.env}`
    : `Promote ${t.app} ${t.marker.tag} to ${t.env}`;
}

export function promotionBody(t: PromotionText): string {
  const m = t.marker;
  const version = m.digest ? `${codeSpan(m.tag)} (${codeSpan(m.digest)})` : codeSpan(m.tag);
  const lines = [
    m.rollback
      ? `Ferry rolls **${t.app}** back to ${version} in **${t.env}**.`
      : `Ferry promotes **${t.app}** ${m.from ? `${codeSpan(m.from)} → ` : ""}${version} to **${t.env}**.`,
    "",
  ];
  if (t.rollbackReason) lines.push(`**Reason:** ${t.rollbackReason}`, "");
  lines.push("| File | Line | From | To |", "| --- | --- | --- | --- |");
  for (const r of t.references)
    lines.push(
      `| ${[r.file, String(r.line), r.from, r.to].map((c, i) => tableCell(i === 1 ? c : codeSpan(c))).join(" | ")} |`,
    );
  lines.push("");
  const host = httpsHost(t.sourceUrl);
  const sha = m.sha && commitSha.test(m.sha) ? m.sha : undefined;
  const previous = t.previousSha && commitSha.test(t.previousSha) ? t.previousSha : undefined;
  if (host && sha && previous && previous !== sha) {
    const range = `${previous.slice(0, 7)}...${sha.slice(0, 7)}`;
    lines.push(`Changes: ${link(range, `${t.sourceUrl}/compare/${previous}...${sha}`, host)}`);
  } else if (host && sha) {
    lines.push(`Source: ${link(sha.slice(0, 7), `${t.sourceUrl}/commit/${sha}`, host)}`);
  }
  if (t.build?.url) {
    const what = t.build.workflow
      ? `workflow run #${t.build.workflow.runNumber}`
      : t.build.trigger.replaceAll("_", " ");
    // Only GitHub's own pages on the source's host are linked; any other URL is not shown at all.
    lines.push(`Build: ${link(what, t.build.url, host)}`);
  }
  if (t.provenance) lines.push(`Provenance: ✅ ${provenanceLine(t.provenance)}`);
  if (t.autoMerge) lines.push("", "Auto-merge is on: this PR merges once the required checks pass.");
  lines.push(
    "",
    "<sub>Opened by Ferry. Push to this branch only to take it over: Ferry then leaves it alone.</sub>",
  );
  lines.push(renderMarker(m));
  return lines.join("\n");
}

export function commitMessage(t: Pick<PromotionText, "app" | "env" | "marker">): string {
  return `${promotionTitle(t)}\n\n${commitTrailers(t.marker)}`;
}
