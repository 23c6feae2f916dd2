import type { CheckOutput } from "../checks/check-output.js";
import { isImageTag } from "../images/reference.js";
import { checkTagRules, compareTags } from "../images/tags.js";
import { codeSpan, plainText, tableCell } from "../markdown.js";
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
}

export interface PromotionFacts {
  changes: ImageChange[];
  /** `(env, app, tag)` → evidence that the tag ran there, for every lookup the rules need. */
  evidence(env: string, app: string, tag: string): Evidence | undefined;
  /** When each tag was built (from Ferry PR markers), to order tags that are not semver. */
  builtAt(tag: string): number | undefined;
  /** Set when the PR comes from a Ferry branch `ferry/<env>/<app>`. */
  ferry?: { marker?: Marker; unexpected: string[] };
  rollback?: { by: string };
  /** `(env, app)` → the provenance fact of that change; undefined where provenance is off. */
  provenance?(env: string, app: string): ProvenanceFact | undefined;
}

/** ok: nothing to say against it; unknown: Ferry cannot tell the order (neutral); fail: a rule is broken. */
type Verdict = "ok" | "unknown" | "fail";

interface Line {
  env: string;
  app: string;
  from: string;
  to: string;
  verdict: Verdict;
  notes: string[];
}

const mark: Record<Verdict, string> = { ok: "✅", unknown: "⚠️", fail: "❌" };

/** `Ferry / promotion` for a PR: order, tag rules, downgrades and Ferry-branch tampering. Pure. */
export function promotionCheck(facts: PromotionFacts): CheckOutput {
  const lines = facts.changes.map((c) => judge(c, facts));
  const problems: string[] = [];
  if (facts.ferry && !facts.ferry.marker)
    problems.push("This Ferry branch's PR has lost its marker; Ferry cannot tell what it promotes.");
  if (facts.ferry && facts.ferry.unexpected.length > 0) {
    problems.push(
      `A Ferry PR may change image references only, but this one also changes: ${facts.ferry.unexpected.map(codeSpan).join(", ")}.`,
    );
  }
  const failing = lines.filter((l) => l.verdict === "fail").length + problems.length;
  const unknown = lines.filter((l) => l.verdict === "unknown").length;
  const table = lines.length
    ? [
        "| Environment | App | From | To | Result |",
        "| --- | --- | --- | --- | --- |",
        ...lines.map(
          (l) =>
            // From and to are the PR's text: code spans. Notes quote only valid image tags (see judge).
            `| ${l.env} | ${l.app} | ${tableCell(codeSpan(l.from))} | ${tableCell(codeSpan(l.to))} | ${mark[l.verdict]} ${l.notes.join("; ")} |`,
        ),
      ]
    : ["This PR changes no image reference of an app in ferry.yml."];
  const overrides = facts.rollback
    ? ["", `**Override:** label \`${rollbackLabel}\` applied by @${facts.rollback.by}.`]
    : [];
  const plural = (n: number) => `${n} promotion${n === 1 ? "" : "s"}`;
  return {
    name: promotionCheckName,
    // Neutral, not success: a reviewer must not read "cannot tell" as "in order".
    conclusion: failing > 0 ? "failure" : unknown > 0 ? "neutral" : "success",
    title:
      failing > 0
        ? `${failing} promotion problem(s)`
        : unknown > 0
          ? `Promotion order unknown (${unknown} of ${plural(lines.length)})`
          : lines.length
            ? `${plural(lines.length)} in order`
            : "No promotion in this PR",
    summary: [
      ...problems.map((p) => `❌ ${p}`),
      ...(problems.length ? [""] : []),
      ...table,
      ...overrides,
    ].join("\n"),
    annotations: facts.changes.flatMap((c, i) => {
      const line = lines[i];
      if (line === undefined || line.verdict === "ok") return [];
      return c.sites.slice(0, 10).map((s) => ({
        path: s.file,
        start_line: s.line,
        end_line: s.line,
        annotation_level: line.verdict === "fail" ? ("failure" as const) : ("warning" as const),
        title: promotionCheckName,
        message: line.notes.join("; "),
      }));
    }),
  };
}

function judge(change: ImageChange, facts: PromotionFacts): Line {
  const { env, app } = change;
  const from = change.from.join(", ") || "(none)";
  const line: Line = { env: env.name, app: app.name, from, to: "", verdict: "ok", notes: [] };
  const fail = (note: string) => {
    line.verdict = "fail";
    line.notes.push(note);
  };
  if (change.to.length !== 1) {
    line.to = change.to.map((p) => p.tag ?? p.digest ?? "").join(", ");
    fail(`the changed references disagree (${line.to}); promote one tag at a time`);
    return line;
  }
  const pin = change.to[0] as { tag?: string; digest?: string };
  const tag = pin.tag ?? "";
  line.to = pin.digest ? `${tag}@${pin.digest.slice(0, 19)}…` : tag;
  if (!tag) fail("no tag");
  else if (!isImageTag(tag)) {
    // Never echoed: the notes are rendered as markdown, and this text is the PR author's.
    fail("the new tag is not a valid image tag (1-128 of letters, digits, _ . -)");
    return line;
  }
  const broken = tag ? checkTagRules(tag, env.tags) : undefined;
  if (broken) fail(broken);
  if (env.digest === "required" && !pin.digest) fail(`${env.name} requires a digest`);
  judgeProvenance(facts.provenance?.(env.name, app.name), pin.digest, line);
  const upstream = upstreamEnvironments(env, app);
  if (upstream.length > 0 && tag) {
    const missing: string[] = [];
    for (const name of upstream) {
      const proof = facts.evidence(name, app.name, tag);
      if (proof) line.notes.push(describe(proof, name));
      else missing.push(name);
    }
    // Fan-in: every upstream environment must have verified the tag, not just one.
    if (missing.length > 0) fail(`${tag} was not verified healthy in ${missing.join(" and ")} first`);
  }
  const running = change.from.length === 1 ? change.from[0] : undefined;
  // The running tag is the repository's text: only a valid image tag is ever quoted or ordered.
  if (running === undefined || !isImageTag(running) || !tag || running === tag) return done(line);
  const builtAt = buildTimes(facts);
  const order = compareTags(tag, running, builtAt);
  if (order === undefined) {
    const unknownTimes = [running, tag].filter((t) => builtAt(t) === undefined).map((t) => `\`${t}\``);
    line.notes.push(
      `order unknown: ${codeSpan(running)} and ${codeSpan(tag)} are not both semver versions` +
        (unknownTimes.length ? ` and Ferry knows no build time for ${unknownTimes.join(" or ")}` : "") +
        "; check by hand that this is not a downgrade",
    );
    if (line.verdict === "ok") line.verdict = "unknown";
  } else if (order < 0) {
    if (!facts.rollback) fail(`downgrade from ${running}: add the \`${rollbackLabel}\` label to roll back`);
    else {
      const ran = facts.evidence(env.name, app.name, tag);
      if (ran) line.notes.push(`rollback to a tag that ${describe(ran, env.name)}`);
      else fail(`rollback target ${tag} never ran healthy in ${env.name}`);
    }
  }
  return done(line);
}

/** The `provenance-verified` rule: the digest a change introduces carries a passing attestation. */
function judgeProvenance(fact: ProvenanceFact | undefined, digest: string | undefined, line: Line): void {
  if (!fact) return;
  const required = fact.mode === "required";
  const say = (failing: boolean, note: string) => {
    line.notes.push(`${provenanceRule}: ${note}`);
    if (failing) line.verdict = "fail";
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
  if (line.verdict === "ok" && line.notes.length === 0) line.notes.push("in order");
  return line;
}

/** Build times from merged Ferry PRs, and a Ferry PR's own target from its marker. */
function buildTimes(facts: PromotionFacts): (tag: string) => number | undefined {
  const marker = facts.ferry?.marker;
  const own = marker ? Date.parse(marker.builtAt) : Number.NaN;
  return (tag) => facts.builtAt(tag) ?? (marker?.tag === tag && !Number.isNaN(own) ? own : undefined);
}

function describe(e: Evidence, env: string): string {
  const pr = e.pr === undefined ? "" : `, #${e.pr}`;
  return e.kind === "reconcile"
    ? `verified healthy in ${env} (Ferry / reconcile on ${e.sha.slice(0, 7)}${pr})`
    : `merged in ${env} by #${e.pr} (no cluster reports for ${env}: a merged Ferry PR counts)`;
}
