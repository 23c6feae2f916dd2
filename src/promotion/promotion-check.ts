import type { CheckOutput } from "../checks/check-output.js";
import { isImageTag } from "../images/reference.js";
import { checkTagRules, compareTags } from "../images/tags.js";
import { codeSpan, link, plainText, tableCell } from "../markdown.js";
import { listing, plural } from "../plural.js";
import { provenanceLine } from "../provenance/evidence-text.js";
import type { ProvenanceVerdict } from "../provenance/verdict.js";
import { upstreamEnvironments } from "./environments.js";
import type { ImageChange } from "./image-changes.js";
import type { Marker } from "./marker.js";

export const promotionCheckName = "Ferry / promotion";
export const rollbackLabel = "ferry:rollback";
export const provenanceRule = "provenance-verified";

/** What the `provenance-verified` rule knows of one change: its policy's mode and the digest's verdict. */
export interface ProvenanceFact {
  mode: "required" | "optional";
  /** Absent when the change pins no digest. */
  verdict?: ProvenanceVerdict;
}

/** Proof that a tag ran in an environment: a green reconcile check, or (no cluster reports) a merged Ferry PR. */
export interface Evidence {
  kind: "reconcile" | "merged";
  /** The Ferry PR that brought the tag; absent when the check was found on the commit at hand. */
  pr?: number;
  sha: string;
  /** The passed reconcile check run's page (its `html_url`), when known. */
  url?: string;
}

export interface PromotionFacts {
  changes: ImageChange[];
  /** `(env, app, tag)` → evidence that the tag ran there, for every lookup the rules need. */
  evidence(env: string, app: string, tag: string): Evidence | undefined;
  /** When each tag was built (from Ferry PR markers), to order tags that are not semver. */
  builtAt(tag: string): number | undefined;
  /** Set when the PR comes from a Ferry branch `ferry/<env>/<app>`. */
  ferry?: { marker?: Marker; unexpected: string[] };
  /**
   * The rollback label: who applied it, and — when Ferry applied it for a ChatOps command — the
   * person who asked (from the PR's marker), so the override is credited to a human.
   */
  rollback?: { by: string; requestedBy?: string };
  /** Web URL of the config repo, e.g. `https://github.com/acme/deploy`: evidence links point into it. */
  repoUrl?: string;
  /** `(env, app)` → the provenance fact of that change; undefined where provenance is off. */
  provenance?(env: string, app: string): ProvenanceFact | undefined;
}

/** ok: nothing to say against it; unknown: Ferry cannot tell the order (neutral); fail: a rule is broken. */
type Verdict = "ok" | "unknown" | "fail";

/**
 * One thing said about a promotion: `reason` is its short name (an annotation's title, the check's
 * title), `text` the sentence as markdown (tags in code spans), `plain` the same for annotations.
 */
interface Note {
  level: Verdict;
  reason: string;
  text: string;
  plain: string;
}

interface Line {
  env: string;
  app: string;
  from: string;
  to: string;
  verdict: Verdict;
  notes: Note[];
  /** The tag this line rolls back to under the rollback label. */
  rolledBackTo?: string;
  /** Upstream environments that verified the tag. */
  verifiedIn: string[];
}

const mark: Record<Verdict, string> = { ok: "✅", unknown: "⚠️", fail: "❌" };

/** `Ferry / promotion` for a PR: order, tag rules, downgrades and Ferry-branch tampering. Pure. */
export function promotionCheck(facts: PromotionFacts): CheckOutput {
  const lines = facts.changes.map((c) => judge(c, facts));
  const problems: Note[] = [];
  if (facts.ferry && !facts.ferry.marker) {
    const text = "This Ferry branch's PR has lost its marker; Ferry cannot tell what it promotes.";
    problems.push({ level: "fail", reason: "lost marker", text, plain: text });
  }
  if (facts.ferry && facts.ferry.unexpected.length > 0) {
    const text = (files: string) =>
      `A Ferry PR may change image references only, but this one also changes: ${files}.`;
    problems.push({
      level: "fail",
      reason: "changes beyond image references",
      text: text(facts.ferry.unexpected.map(codeSpan).join(", ")),
      plain: text(facts.ferry.unexpected.join(", ")),
    });
  }
  const failing = [...problems, ...lines.flatMap((l) => l.notes.filter((n) => n.level === "fail"))];
  const unknown = lines.filter((l) => l.verdict === "unknown").length;
  const table = lines.length
    ? [
        "| Environment | App | From | To | Result |",
        "| --- | --- | --- | --- | --- |",
        ...lines.map(
          (l) =>
            // From and to are the PR's text: code spans. Notes quote only valid image tags (see judge).
            `| ${l.env} | ${l.app} | ${tableCell(codeSpan(l.from))} | ${tableCell(codeSpan(l.to))} | ${mark[l.verdict]} ${tableCell(l.notes.map((n) => n.text).join("; "))} |`,
        ),
      ]
    : ["This PR changes no image reference of an app in ferry.yml."];
  const credit = facts.rollback ? creditFor(facts.rollback) : undefined;
  const overrides = credit ? ["", `**Override:** the \`${rollbackLabel}\` label, ${credit.long}.`] : [];
  const rolledBack = lines.find((l) => l.rolledBackTo !== undefined);
  return {
    name: promotionCheckName,
    // Neutral, not success: a reviewer must not read "cannot tell" as "in order".
    conclusion: failing.length > 0 ? "failure" : unknown > 0 ? "neutral" : "success",
    title:
      failing.length > 0
        ? `${plural(failing.length, "problem")}: ${[...new Set(failing.map((n) => n.reason))].join(", ")}`
        : unknown > 0
          ? unknown === lines.length
            ? "Order unknown: check by hand that this is no downgrade"
            : `Order unknown for ${unknown} of ${plural(lines.length, "promotion")}`
          : rolledBack && credit
            ? `Rollback to ${rolledBack.rolledBackTo} allowed by the ${rollbackLabel} label (${credit.short})`
            : lines.length === 1 && lines[0] && lines[0].verifiedIn.length > 0
              ? `${lines[0].app} ${lines[0].to} verified healthy in ${listing(lines[0].verifiedIn)}`
              : lines.length
                ? `${plural(lines.length, "promotion")} in order`
                : "No promotion in this PR",
    summary: [
      ...problems.map((p) => `❌ ${p.text}`),
      ...(problems.length ? [""] : []),
      ...table,
      ...overrides,
    ].join("\n"),
    annotations: facts.changes.flatMap((c, i) => {
      const line = lines[i];
      if (line === undefined || line.verdict === "ok") return [];
      const said = line.notes.filter((n) => n.level === line.verdict);
      return c.sites.slice(0, 10).map((s) => ({
        path: s.file,
        start_line: s.line,
        end_line: s.line,
        annotation_level: line.verdict === "fail" ? ("failure" as const) : ("warning" as const),
        // A short reason as the title: GitHub shows it in bold above the message.
        title: capitalise([...new Set(said.map((n) => n.reason))].join(", ")),
        message: said.map((n) => n.plain).join("; "),
      }));
    }),
  };
}

/** Who overrode the order with the rollback label; a bot that applied it for a person credits the person. */
function creditFor(rollback: { by: string; requestedBy?: string }): { short: string; long: string } {
  if (rollback.requestedBy !== undefined && rollback.by.endsWith("[bot]"))
    return {
      short: `asked by @${rollback.requestedBy}`,
      long: `applied by Ferry for @${rollback.requestedBy} through ChatOps`,
    };
  return { short: `applied by @${rollback.by}`, long: `applied by @${rollback.by}` };
}

function judge(change: ImageChange, facts: PromotionFacts): Line {
  const { env, app } = change;
  const from = change.from.join(", ") || "(none)";
  const line: Line = { env: env.name, app: app.name, from, to: "", verdict: "ok", notes: [], verifiedIn: [] };
  const note = (level: Verdict, reason: string, text: string, plain = text) => {
    if (level === "fail" || (level === "unknown" && line.verdict === "ok")) line.verdict = level;
    line.notes.push({ level, reason, text, plain });
  };
  const fail = (reason: string, text: string, plain?: string) => note("fail", reason, text, plain);
  if (change.to.length !== 1) {
    line.to = change.to.map((p) => p.tag ?? p.digest ?? "").join(", ");
    // The tags are the PR's text: never echoed as markdown.
    fail("tags disagree", "the changed references disagree; promote one tag at a time");
    return line;
  }
  const pin = change.to[0] as { tag?: string; digest?: string };
  const tag = pin.tag ?? "";
  line.to = pin.digest ? `${tag}@${pin.digest.slice(0, 19)}…` : tag;
  if (!tag) fail("no tag", "no tag");
  else if (!isImageTag(tag)) {
    // Never echoed: the notes are rendered as markdown, and this text is the PR author's.
    fail("invalid tag", "the new tag is not a valid image tag (1-128 of letters, digits, _ . -)");
    return line;
  }
  const broken = tag ? checkTagRules(tag, env.tags) : undefined;
  if (broken) fail("tag rule", broken);
  if (env.digest === "required" && !pin.digest) fail("digest required", `${env.name} requires a digest`);
  judgeProvenance(facts.provenance?.(env.name, app.name), pin.digest, line);
  const upstream = upstreamEnvironments(env, app);
  if (upstream.length > 0 && tag) {
    const missing: string[] = [];
    for (const name of upstream) {
      const proof = facts.evidence(name, app.name, tag);
      if (proof) {
        line.verifiedIn.push(name);
        note("ok", "verified", describe(proof, name, facts.repoUrl), describe(proof, name));
      } else missing.push(name);
    }
    // Fan-in: every upstream environment must have verified the tag, not just one.
    if (missing.length > 0)
      fail(
        `not verified in ${listing(missing)}`,
        `${tag} was not verified healthy in ${listing(missing)} first`,
      );
  }
  const running = change.from.length === 1 ? change.from[0] : undefined;
  // The running tag is the repository's text: only a valid image tag is ever quoted or ordered.
  if (running === undefined || !isImageTag(running) || !tag || running === tag) return done(line);
  const builtAt = buildTimes(facts);
  const order = compareTags(tag, running, builtAt);
  if (order === undefined) {
    const unknownTimes = [running, tag].filter((t) => builtAt(t) === undefined);
    const sentence = (q: (t: string) => string) =>
      `order unknown: ${q(running)} and ${q(tag)} are not both semver versions` +
      (unknownTimes.length ? ` and Ferry knows no build time for ${unknownTimes.map(q).join(" or ")}` : "") +
      "; check by hand that this is not a downgrade";
    note(
      "unknown",
      "order unknown",
      sentence(codeSpan),
      sentence((t) => t),
    );
  } else if (order < 0) {
    if (!facts.rollback)
      fail(
        "downgrade",
        `downgrade from ${running}: add the \`${rollbackLabel}\` label to roll back`,
        `downgrade from ${running}: add the ${rollbackLabel} label to roll back`,
      );
    else {
      const ran = facts.evidence(env.name, app.name, tag);
      if (ran) {
        line.rolledBackTo = tag;
        note("ok", "rollback", `rollback to a tag that ${describe(ran, env.name, facts.repoUrl)}`);
      } else fail("rollback target not verified", `rollback target ${tag} never ran healthy in ${env.name}`);
    }
  }
  return done(line);
}

/** The `provenance-verified` rule: the digest a change introduces carries a passing attestation. */
function judgeProvenance(fact: ProvenanceFact | undefined, digest: string | undefined, line: Line): void {
  if (!fact) return;
  const required = fact.mode === "required";
  const say = (failing: boolean, text: string, plain = text) => {
    const level: Verdict = failing ? "fail" : "ok";
    if (failing) line.verdict = "fail";
    line.notes.push({
      level,
      reason: provenanceRule,
      text: `${provenanceRule}: ${text}`,
      plain: `${provenanceRule}: ${plain}`,
    });
  };
  if (!digest || !fact.verdict) {
    if (required)
      say(true, "provenance is required, and a tag-only reference cannot be verified; pin the digest");
    return;
  }
  const verdict = fact.verdict;
  if (verdict.status === "verified") say(false, `✅ ${tableCell(provenanceLine(verdict))}`);
  else if (verdict.status === "failed") say(true, plainReason(verdict.reason));
  else if (verdict.status === "missing") say(required, plainReason(verdict.reason));
  else say(required, plainReason(verdict.reason));
}

/** Reasons quote certificate claims and digests: plain text, so nothing in them is markup. */
function plainReason(reason: string): string {
  return plainText(reason);
}

function done(line: Line): Line {
  if (line.verdict === "ok" && line.notes.length === 0)
    line.notes.push({ level: "ok", reason: "in order", text: "in order", plain: "in order" });
  return line;
}

/** Build times from merged Ferry PRs, and a Ferry PR's own target from its marker. */
function buildTimes(facts: PromotionFacts): (tag: string) => number | undefined {
  const marker = facts.ferry?.marker;
  const own = marker ? Date.parse(marker.builtAt) : Number.NaN;
  return (tag) => facts.builtAt(tag) ?? (marker?.tag === tag && !Number.isNaN(own) ? own : undefined);
}

/** The evidence as a sentence; with the repository's URL, the check, commit and PR are links. */
function describe(e: Evidence, env: string, repoUrl?: string): string {
  const to = (text: string, path: string | undefined) =>
    repoUrl === undefined || path === undefined ? text : link(text, `${repoUrl}/${path}`, repoUrl);
  const commit = to(e.sha.slice(0, 7), `commit/${e.sha}`);
  const pr = e.pr === undefined ? undefined : to(`#${e.pr}`, `pull/${e.pr}`);
  if (e.kind === "merged")
    return `merged in ${env} by ${pr ?? commit} (no cluster reports for ${env}: a merged Ferry PR counts)`;
  // The same words as the PR body's evidence line: the check by its full name, the PR that deployed the tag.
  const name = `Ferry / reconcile (${env})`;
  const check = repoUrl !== undefined && e.url !== undefined ? link(name, e.url, repoUrl) : name;
  return `verified healthy in ${env}: ${check} passed on ${commit}${pr ? `, deployed by ${pr}` : ""}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
