import { codeBlock, codeSpan, httpsHost, link, plainText, tableCell } from "../markdown.js";
import { listing } from "../plural.js";
import { provenanceLine, type VerifiedProvenance } from "../provenance/evidence-text.js";
import { formatDuration } from "../reports/duration.js";
import { commitTrailers, type Marker, renderMarker } from "./marker.js";
import type { Evidence } from "./promotion-check.js";

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
  /** The build and what to call it (`workflow run #12`); linked only on the source's host. */
  build?: { url?: string; label: string };
  /** Web URL of the app repo, for the compare link; links go only to its host, over https. */
  sourceUrl?: string;
  /** Source commit of the tag the environment runs now, when a previous Ferry PR recorded it. */
  previousSha?: string;
  /** Web URL of the config repo (`https://<host>/<owner>/<repo>`): evidence links point into it. */
  repoUrl?: string;
  /** The upstream environments that verified the tag, with their evidence: the body leads with them. */
  verified?: VerifiedIn[];
  /** Upstream environments that did not verify the tag (a ChatOps promotion out of order). */
  unverified?: string[];
  /** The issue or PR where the ChatOps command was given (the marker names who gave it). */
  requestedIn?: number;
  /** A rollback's reason (a person's text, escaped here) and where the target ran before. */
  rollback?: { reason?: string; ran?: { env: string; pr: number; healthy: boolean } };
  /** The source repo's release for the tag, shown collapsed. */
  releaseNotes?: { url: string; body: string };
  autoMerge?: boolean;
  /** The attestation that proves who built the digest, when the policy checks provenance. */
  provenance?: VerifiedProvenance;
}

/** Evidence that the tag ran in an upstream environment, and for how long it had been healthy. */
export interface VerifiedIn extends Evidence {
  env: string;
  healthyForMs?: number;
}

/** A commit SHA as Git writes it; anything else (an edited marker, say) gets no link. */
const commitSha = /^[0-9a-f]{7,64}$/i;
/** Release notes beyond this many characters are cut: the PR is about the promotion, not the notes. */
const maxNotes = 20_000;

export function promotionTitle(t: Pick<PromotionText, "app" | "env" | "marker">): string {
  return t.marker.rollback
    ? `Roll back ${t.app} to ${t.marker.tag} in ${t.env}`
    : `Promote ${t.app} ${t.marker.tag} to ${t.env}`;
}

/**
 * The PR body, evidence first: what a reviewer needs to approve a promotion is whether the tag
 * ran healthy where it had to, so that (or a warning that it did not) is the first line. Then
 * the change, the links to the source and the build, and the release notes.
 */
export function promotionBody(t: PromotionText): string {
  const m = t.marker;
  // The digest shortened as `docker images` does; the full one is in the files and the marker.
  const version = m.digest ? `${codeSpan(m.tag)} (${codeSpan(shortDigest(m.digest))})` : codeSpan(m.tag);
  const lines = [...lead(t)];
  lines.push(
    m.rollback
      ? `Ferry rolls **${t.app}** back to ${version} in **${t.env}**.`
      : `Ferry promotes **${t.app}** ${m.from ? `${codeSpan(m.from)} → ` : ""}${version} to **${t.env}**.`,
    "",
  );
  lines.push("| File | Line | From | To |", "| --- | --- | --- | --- |");
  for (const r of t.references)
    lines.push(
      `| ${[r.file, String(r.line), r.from, r.to].map((c, i) => tableCell(i === 1 ? c : codeSpan(c))).join(" | ")} |`,
    );
  const links = [changes(t), buildLink(t)].filter((l): l is string => l !== undefined);
  if (links.length > 0) lines.push("", links.join(" · "));
  lines.push(...releaseNotes(t));
  if (t.provenance) lines.push("", `Provenance: ✅ ${provenanceLine(t.provenance)}`);
  if (t.autoMerge) lines.push("", "Auto-merge is on: this PR merges once the required checks pass.");
  lines.push(
    "",
    "<sub>Opened by Ferry. Push to this branch only to take it over: Ferry then leaves it alone.</sub>",
  );
  lines.push(renderMarker(m));
  return lines.join("\n");
}

/** The first lines: a warning callout when the PR is not a verified promotion, else the evidence. */
function lead(t: PromotionText): string[] {
  const m = t.marker;
  const tag = plainText(m.tag);
  const asker = m.requestedBy
    ? `@${m.requestedBy} asked for ${m.rollback ? "it" : "this promotion"} through ChatOps${t.requestedIn ? ` in #${t.requestedIn}` : ""}`
    : undefined;
  if (m.rollback) {
    const callout = [
      "> [!WARNING]",
      `> **Rollback, not a verified promotion:** the \`ferry:rollback\` label lets ${tag} replace the newer ${plainText(m.from ?? "tag")}.${asker ? ` ${capitalise(asker)}.` : ""}`,
    ];
    if (t.rollback?.reason) callout.push(">", `> **Reason:** ${plainText(t.rollback.reason)}`);
    const ran = t.rollback?.ran;
    if (ran)
      callout.push(
        ">",
        `> ${tag} ${ran.healthy ? "ran healthy" : "was merged"} in ${ran.env} before, deployed by #${ran.pr}.`,
      );
    return [...callout, ""];
  }
  if (t.unverified && t.unverified.length > 0) {
    const where = listing(t.unverified);
    return [
      "> [!WARNING]",
      `> **Not verified:** ${tag} has not run healthy in ${where}.${asker ? ` ${capitalise(asker)}, out of order;` : ""} \`Ferry / promotion\` fails until ${where} ${t.unverified.length === 1 ? "verifies" : "verify"} ${tag}.`,
      "",
    ];
  }
  const evidence = (t.verified ?? []).map((v) => `✅ ${verifiedLine(t, v)}`);
  if (asker) evidence.push(`${capitalise(asker)}.`);
  return evidence.length > 0 ? [...evidence, ""] : [];
}

/** `**1.5.0 ran healthy in staging for 10m**: [Ferry / reconcile (staging)](…) passed on [abc1234](…), deployed by [#1](…).` */
function verifiedLine(t: PromotionText, v: VerifiedIn): string {
  const tag = plainText(t.marker.tag);
  const to = (text: string, path: string) =>
    t.repoUrl === undefined ? text : link(text, `${t.repoUrl}/${path}`, t.repoUrl);
  const commit = commitSha.test(v.sha) ? to(v.sha.slice(0, 7), `commit/${v.sha}`) : undefined;
  const pr = v.pr === undefined ? undefined : to(`#${v.pr}`, `pull/${v.pr}`);
  if (v.kind === "merged")
    return `**${tag} was merged in ${v.env}**${pr ? ` by ${pr}` : ""} (${v.env} has no cluster reports, so a merged Ferry PR counts).`;
  const held =
    v.healthyForMs !== undefined && v.healthyForMs >= 1000 ? ` for ${formatDuration(v.healthyForMs)}` : "";
  const name = `Ferry / reconcile (${v.env})`;
  const check = v.url && t.repoUrl ? link(name, v.url, t.repoUrl) : name;
  return `**${tag} ran healthy in ${v.env}${held}**: ${check} passed${commit ? ` on ${commit}` : ""}${pr ? `, deployed by ${pr}` : ""}.`;
}

/**
 * `Changes: [1.4.1 → 1.5.0](compare)`: between the source commits when both are known; between
 * the tags when the new one is a release (so the tags are git tags); else the source commit.
 */
function changes(t: PromotionText): string | undefined {
  const m = t.marker;
  const host = httpsHost(t.sourceUrl);
  if (!host) return undefined;
  const sha = m.sha && commitSha.test(m.sha) ? m.sha : undefined;
  const previous = t.previousSha && commitSha.test(t.previousSha) ? t.previousSha : undefined;
  // Tags are valid image tags here (Ferry checked them), so they are safe in a URL path and as text.
  const label = m.from ? `${plainText(m.from)} → ${plainText(m.tag)}` : undefined;
  if (sha && previous && previous !== sha)
    return `Changes: ${link(label ?? `${previous.slice(0, 7)}...${sha.slice(0, 7)}`, `${t.sourceUrl}/compare/${previous}...${sha}`, host)}`;
  if (label && m.from && t.releaseNotes)
    return `Changes: ${link(label, `${t.sourceUrl}/compare/${encodeURIComponent(m.from)}...${encodeURIComponent(m.tag)}`, host)}`;
  if (sha) return `Source: ${link(sha.slice(0, 7), `${t.sourceUrl}/commit/${sha}`, host)}`;
  return undefined;
}

function buildLink(t: PromotionText): string | undefined {
  if (!t.build?.url) return undefined;
  // Only GitHub's own pages on the source's host are linked; any other URL is not shown at all.
  // Ferry's own labels ("workflow run #12") as they are; anything else (an edited marker) as plain text.
  const label = /^[a-z ]{1,40}(?: #\d{1,12})?$/i.test(t.build.label)
    ? t.build.label
    : plainText(t.build.label);
  return `Build: ${link(label, t.build.url, httpsHost(t.sourceUrl))}`;
}

/** The release's notes, collapsed, verbatim in a code block (they are the source repo's text), cut to size. */
function releaseNotes(t: PromotionText): string[] {
  const notes = t.releaseNotes;
  if (!notes || notes.body.trim() === "") return [];
  const cut = notes.body.length > maxNotes;
  const full = link("the full release notes", notes.url, httpsHost(t.sourceUrl));
  return [
    "",
    `<details><summary>Release notes for ${plainText(t.marker.tag)}</summary>`,
    "",
    codeBlock(cut ? `${notes.body.slice(0, maxNotes)}\n…` : notes.body),
    ...(cut ? ["", `Cut to ${maxNotes.toLocaleString("en-US")} characters: see ${full}.`] : []),
    "",
    "</details>",
  ];
}

function shortDigest(digest: string): string {
  const [algorithm, hex = ""] = digest.split(":");
  return hex.length > 12 ? `${algorithm}:${hex.slice(0, 12)}…` : digest;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function commitMessage(t: Pick<PromotionText, "app" | "env" | "marker">): string {
  return `${promotionTitle(t)}\n\n${commitTrailers(t.marker)}`;
}
