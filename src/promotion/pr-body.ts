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
  /** Web URL of the app repo, for the compare link. */
  sourceUrl?: string;
  /** Source commit of the tag the environment runs now, when a previous Ferry PR recorded it. */
  previousSha?: string;
  rollbackReason?: string;
  autoMerge?: boolean;
}

export function promotionTitle(t: Pick<PromotionText, "app" | "env" | "marker">): string {
  return t.marker.rollback
    ? `Roll back ${t.app} to ${t.marker.tag} in ${t.env}`
    : `Promote ${t.app} ${t.marker.tag} to ${t.env}`;
}

export function promotionBody(t: PromotionText): string {
  const m = t.marker;
  const version = m.digest ? `\`${m.tag}\` (\`${m.digest}\`)` : `\`${m.tag}\``;
  const lines = [
    m.rollback
      ? `Ferry rolls **${t.app}** back to ${version} in **${t.env}**.`
      : `Ferry promotes **${t.app}** ${m.from ? `\`${m.from}\` → ` : ""}${version} to **${t.env}**.`,
    "",
  ];
  if (t.rollbackReason) lines.push(`**Reason:** ${t.rollbackReason}`, "");
  lines.push("| File | Line | From | To |", "| --- | --- | --- | --- |");
  for (const r of t.references) lines.push(`| \`${r.file}\` | ${r.line} | \`${r.from}\` | \`${r.to}\` |`);
  lines.push("");
  if (t.sourceUrl && t.previousSha && m.sha && t.previousSha !== m.sha) {
    lines.push(
      `Changes: [${t.previousSha.slice(0, 7)}...${m.sha.slice(0, 7)}](${t.sourceUrl}/compare/${t.previousSha}...${m.sha})`,
    );
  } else if (t.sourceUrl && m.sha) {
    lines.push(`Source: [${m.sha.slice(0, 7)}](${t.sourceUrl}/commit/${m.sha})`);
  }
  if (t.build?.url) {
    const what = t.build.workflow
      ? `workflow run #${t.build.workflow.runNumber}`
      : t.build.trigger.replaceAll("_", " ");
    lines.push(`Build: [${what}](${t.build.url})`);
  }
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
