import type { CheckOutput } from "../checks/check-output.js";
import { isImageTag } from "../images/reference.js";
import { checkTagRules, compareTags } from "../images/tags.js";
import { codeSpan, tableCell } from "../markdown.js";
import type { ImageChange } from "./image-changes.js";
import type { Marker } from "./marker.js";

export const promotionCheckName = "Ferry / promotion";
export const rollbackLabel = "ferry:rollback";

/** Proof that a tag ran in an environment: a green reconcile check, or (no cluster reports) a merged Ferry PR. */
export interface Evidence {
  kind: "reconcile" | "merged";
  pr: number;
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
}

interface Line {
  env: string;
  app: string;
  from: string;
  to: string;
  ok: boolean;
  notes: string[];
}

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
  const ok = lines.every((l) => l.ok) && problems.length === 0;
  const table = lines.length
    ? [
        "| Environment | App | From | To | Result |",
        "| --- | --- | --- | --- | --- |",
        ...lines.map(
          (l) =>
            // From and to are the PR's text: code spans. Notes quote only valid image tags (see judge).
            `| ${l.env} | ${l.app} | ${tableCell(codeSpan(l.from))} | ${tableCell(codeSpan(l.to))} | ${l.ok ? "✅" : "❌"} ${l.notes.join("; ")} |`,
        ),
      ]
    : ["This PR changes no image reference of an app in ferry.yml."];
  const overrides = facts.rollback
    ? ["", `**Override:** label \`${rollbackLabel}\` applied by @${facts.rollback.by}.`]
    : [];
  return {
    name: promotionCheckName,
    conclusion: ok ? "success" : "failure",
    title: ok
      ? lines.length
        ? `${lines.length} promotion${lines.length === 1 ? "" : "s"} in order`
        : "No promotion in this PR"
      : `${lines.filter((l) => !l.ok).length + problems.length} promotion problem(s)`,
    summary: [
      ...problems.map((p) => `❌ ${p}`),
      ...(problems.length ? [""] : []),
      ...table,
      ...overrides,
    ].join("\n"),
    annotations: facts.changes.flatMap((c, i) =>
      lines[i]?.ok
        ? []
        : c.sites.slice(0, 10).map((s) => ({
            path: s.file,
            start_line: s.line,
            end_line: s.line,
            annotation_level: "failure" as const,
            title: promotionCheckName,
            message: lines[i]?.notes.join("; ") ?? "",
          })),
    ),
  };
}

function judge(change: ImageChange, facts: PromotionFacts): Line {
  const { env, app } = change;
  const from = change.from.join(", ") || "(none)";
  const line: Line = { env: env.name, app: app.name, from, to: "", ok: true, notes: [] };
  const fail = (note: string) => {
    line.ok = false;
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
  if (env.after && tag) {
    const proof = facts.evidence(env.after, app.name, tag);
    if (proof) line.notes.push(describe(proof, env.after));
    else fail(`${tag} was not verified healthy in ${env.after} first`);
  }
  const running = change.from.length === 1 ? change.from[0] : undefined;
  const order = running && isImageTag(running) && tag ? compareTags(tag, running, facts.builtAt) : undefined;
  if (order !== undefined && order < 0) {
    if (!facts.rollback) fail(`downgrade from ${running}: add the \`${rollbackLabel}\` label to roll back`);
    else {
      const ran = facts.evidence(env.name, app.name, tag);
      if (ran) line.notes.push(`rollback to a tag that ${describe(ran, env.name)}`);
      else fail(`rollback target ${tag} never ran healthy in ${env.name}`);
    }
  }
  if (line.ok && line.notes.length === 0) line.notes.push("in order");
  return line;
}

function describe(e: Evidence, env: string): string {
  return e.kind === "reconcile"
    ? `verified healthy in ${env} (Ferry / reconcile on ${e.sha.slice(0, 7)}, #${e.pr})`
    : `merged in ${env} by #${e.pr} (no cluster reports for ${env}: a merged Ferry PR counts)`;
}
