import type { AppConfig, EnvironmentConfig, FerryConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { isImageTag } from "../images/reference.js";
import { semverOf } from "../images/tags.js";
import type { SourceFile } from "../manifests/sites.js";
import { codeSpan, httpsHost, plainText, safeUrl } from "../markdown.js";
import { plural } from "../plural.js";
import type { VerifiedProvenance } from "../provenance/evidence-text.js";
import type { Build } from "./build.js";
import { decide, type PairState, type Target } from "./decide.js";
import { isFerryCommit, type Marker, parseCommitMarker, parseMarker } from "./marker.js";
import { planUpdate } from "./plan-update.js";
import { commitMessage, type PromotionText, promotionBody, promotionTitle } from "./pr-body.js";

export type RepoRef = { owner: string; repo: string };

/** What the GitHub side reports about one (env, app) pair, read in one request where possible. */
export interface PairSnapshot {
  baseOid: string;
  files: SourceFile[];
  /** The `ferry/<env>/<app>` branch, if it exists. */
  branch?: { oid: string; message: string };
  openPr?: { id: string; number: number; url: string; body: string; labels: string[] };
  /** Body of the last merged PR from the same branch: what the environment runs now. */
  lastMergedBody?: string;
}

export interface PullRequestRef {
  id: string;
  number: number;
  url: string;
}

/** The I/O port the promotion needs; implemented over GitHub's API in src/github/. */
export interface PromotionStore {
  read(repo: RepoRef, env: EnvironmentConfig, branch: string): Promise<PairSnapshot>;
  /** Creates branch, commit and PR; adopts a branch that exists without a PR. */
  create(repo: RepoRef, change: Change, snapshot: PairSnapshot): Promise<PullRequestRef>;
  /** Resets the branch to the base, commits, and retitles the open PR. */
  update(repo: RepoRef, change: Change, snapshot: PairSnapshot, pr: PullRequestRef): Promise<PullRequestRef>;
  /** Labels the PR and enables auto-merge when asked; says whether auto-merge is on. */
  decorate(
    repo: RepoRef,
    pr: PullRequestRef,
    labels: string[],
    autoMerge: boolean,
  ): Promise<{ autoMerge: boolean }>;
  comment(repo: RepoRef, prNumber: number, body: string): Promise<void>;
  /** The source repo's release for `tag` (its page and notes), or undefined when it has none: one request. */
  releaseNotes(source: RepoRef, tag: string): Promise<{ url: string; body: string } | undefined>;
}

export interface Change {
  branch: string;
  files: { path: string; text: string }[];
  message: string;
  title: string;
  body: string;
}

export interface PromoteRequest {
  repo: RepoRef;
  config: FerryConfig;
  app: AppConfig;
  env: EnvironmentConfig;
  target: Target;
  build?: Build;
  /** Web URL of the app repo, for the compare link. */
  sourceUrl?: string;
  /** What the PR body says about who asked for it, what it rests on and what it overrides. */
  context?: PromotionContext;
  /** The verified attestation of the target digest, shown in the PR body. */
  provenance?: VerifiedProvenance;
}

/** The body's lead: upstream evidence, or why the PR is not a verified promotion. */
export type PromotionContext = Pick<
  PromotionText,
  "verified" | "unverified" | "repoUrl" | "requestedIn" | "rollback"
> & { requestedBy?: string };

export type PromoteOutcome =
  | { status: "created" | "updated"; pr: PullRequestRef; autoMerge: boolean; files: number }
  /** `already`: the open PR carries this very target (nothing was refused). */
  | { status: "skipped" | "current"; reason: string; pr?: PullRequestRef; already?: true }
  | { status: "failed"; reason: string; findings: Finding[]; pr?: PullRequestRef };

export function ferryBranch(env: string, app: string): string {
  return `ferry/${env}/${app}`;
}

/** Errors worth re-reading GitHub and trying again for: another writer got there first. */
export function isConflict(error: unknown): boolean {
  const e = error as { status?: number; message?: string; errors?: { type?: string }[] };
  if (e?.status === 409 || e?.status === 422 || (e?.status ?? 0) >= 500) return true;
  // GraphQL answers 200 with typed errors: STALE_DATA for a moved head, UNPROCESSABLE for an existing ref.
  if (e?.errors?.some((x) => x.type === "STALE_DATA" || x.type === "UNPROCESSABLE" || x.type === "CONFLICT"))
    return true;
  return /expectedHeadOid|already exists|not a fast forward|reference update failed|A pull request already exists/i.test(
    e?.message ?? "",
  );
}

/**
 * `promote(app, tag, env)`: the one entry point for builds, the environment chain and ChatOps.
 * Reads the pair's state, decides, and converges GitHub to exactly one open PR carrying the
 * newest target — re-reading and retrying when a concurrent writer or a flaky answer intervenes.
 */
export async function promote(
  store: PromotionStore,
  req: PromoteRequest,
  attempts = 3,
): Promise<PromoteOutcome> {
  const branch = ferryBranch(req.env.name, req.app.name);
  let lastError: unknown;
  let knownPr: PullRequestRef | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const snapshot = await store.read(req.repo, req.env, branch);
    knownPr = snapshot.openPr;
    try {
      return await promoteOnce(store, req, branch, snapshot);
    } catch (error) {
      if (!isConflict(error)) throw error;
      lastError = error;
    }
  }
  return {
    status: "failed",
    reason: `GitHub kept refusing the change after ${attempts} attempts: ${(lastError as Error)?.message ?? lastError}`,
    findings: [],
    ...(knownPr ? { pr: knownPr } : {}),
  };
}

async function promoteOnce(
  store: PromotionStore,
  req: PromoteRequest,
  branch: string,
  snapshot: PairSnapshot,
): Promise<PromoteOutcome> {
  const { app, env, target } = req;
  const plan = planUpdate({
    files: snapshot.files,
    environment: env,
    app,
    target: { tag: target.tag, ...(target.digest ? { digest: target.digest } : {}) },
  });
  const lastMerged = parseMarker(snapshot.lastMergedBody);
  const current = [...new Set(plan.references.map((r) => r.tag).filter((t): t is string => t !== undefined))];
  const runningTag = current.length === 1 ? current[0] : undefined;
  const state: PairState = {
    ...(snapshot.openPr
      ? {
          openPr: {
            // The branch's Ferry commit says what it carries, even if the body's update was lost.
            marker: parseCommitMarker(snapshot.branch?.message) ?? parseMarker(snapshot.openPr.body),
            headIsFerry: isFerryCommit(snapshot.branch?.message),
          },
        }
      : {}),
    ...(runningTag
      ? {
          running: {
            tag: runningTag,
            ...(lastMerged?.tag === runningTag ? { builtAt: lastMerged.builtAt } : {}),
          },
        }
      : {}),
  };
  const pr = snapshot.openPr;
  const labels = ["ferry", `env:${env.name}`, ...(target.rollback ? ["ferry:rollback"] : [])];
  const decision = decide(env, target, state);
  if (
    decision.action === "skip" &&
    pr &&
    state.openPr?.headIsFerry &&
    labels.some((l) => !pr.labels.includes(l))
  ) {
    // A PR whose creation was cut short (e.g. answered 502 after it landed) is adopted and finished.
    await store.decorate(req.repo, pr, labels, env.autoMerge);
  }
  if (decision.action === "skip") {
    if (decision.comment && pr) {
      await store.comment(
        req.repo,
        pr.number,
        `Ferry did not update this PR to ${codeSpan(target.tag)}: ${plainText(decision.reason)}.`,
      );
    }
    return {
      status: "skipped",
      reason: decision.reason,
      ...(pr ? { pr } : {}),
      ...(decision.already ? { already: true as const } : {}),
    };
  }
  const errors = plan.findings.filter((f) => f.severity === "error");
  if (plan.changes.length === 0) {
    if (errors.length > 0 || plan.references.length === 0) {
      const reason =
        errors.length > 0
          ? `${plural(errors.length, "file")} of ${env.name} could not be read or rewritten`
          : `no reference to ${app.image} found under ${env.paths.join(", ")}`;
      return { status: "failed", reason, findings: errors, ...(pr ? { pr } : {}) };
    }
    return { status: "current", reason: `${env.name} already runs ${target.tag}`, ...(pr ? { pr } : {}) };
  }
  const build = req.build?.url
    ? { url: req.build.url, label: req.build.label ?? buildLabel(req.build) }
    : undefined;
  const sourceHref = safeUrl(req.sourceUrl, httpsHost(req.sourceUrl));
  const buildHref = safeUrl(build?.url, httpsHost(req.sourceUrl));
  const marker: Marker = {
    app: app.name,
    env: env.name,
    tag: target.tag,
    ...(target.digest ? { digest: target.digest } : {}),
    ...(runningTag && runningTag !== target.tag ? { from: runningTag } : {}),
    builtAt: target.builtAt,
    ...(req.build?.source ? { source: req.build.source } : {}),
    ...(req.build?.sha ? { sha: req.build.sha } : {}),
    ...(target.rollback ? { rollback: true } : {}),
    // Carried to the next environment's PR: only URLs its body would link (https, the source's host).
    ...(sourceHref ? { sourceUrl: sourceHref } : {}),
    ...(buildHref && build ? { buildUrl: buildHref, buildLabel: build.label } : {}),
    ...(req.context?.requestedBy ? { requestedBy: req.context.requestedBy } : {}),
  };
  const source = marker.source?.split("/");
  // One request, only for tags a release could have: a release's own, or a semver version
  // (a commit-SHA tag never names one). A missing release costs the request and shows nothing.
  const mayBeRelease = req.build?.trigger === "release" || semverOf(target.tag) !== undefined;
  const notes =
    source?.length === 2 && isImageTag(target.tag) && mayBeRelease
      ? await store.releaseNotes({ owner: source[0] as string, repo: source[1] as string }, target.tag)
      : undefined;
  const { requestedBy: _asker, ...context } = req.context ?? {};
  const text = {
    app: app.name,
    env: env.name,
    marker,
    references: plan.changes.flatMap((c) =>
      c.references.map((r) => ({ file: c.path, line: r.line, from: r.from, to: r.to })),
    ),
    ...(build ? { build } : {}),
    ...(req.sourceUrl ? { sourceUrl: req.sourceUrl } : {}),
    ...(lastMerged?.sha ? { previousSha: lastMerged.sha } : {}),
    ...context,
    ...(notes ? { releaseNotes: notes } : {}),
    ...(req.provenance ? { provenance: req.provenance } : {}),
    autoMerge: env.autoMerge,
  };
  const change: Change = {
    branch,
    files: plan.changes.map((c) => ({ path: c.path, text: c.after })),
    message: commitMessage(text),
    title: promotionTitle(text),
    body: promotionBody(text),
  };
  const made =
    decision.action === "update" && pr
      ? await store.update(req.repo, change, snapshot, pr)
      : await store.create(req.repo, change, snapshot);
  if (decision.action === "update" && pr) {
    // The PR keeps its labels and auto-merge across updates; only add what is missing.
    const missing = labels.filter((l) => !pr.labels.includes(l));
    if (missing.length > 0) await store.decorate(req.repo, made, missing, false);
    return { status: "updated", pr: made, autoMerge: env.autoMerge, files: change.files.length };
  }
  const { autoMerge } = await store.decorate(req.repo, made, labels, env.autoMerge);
  return { status: "created", pr: made, autoMerge, files: change.files.length };
}

/** What the PR body calls a build it links: `workflow run #12`, `registry package`, `release`. */
function buildLabel(build: Build): string {
  return build.workflow ? `workflow run #${build.workflow.runNumber}` : build.trigger.replaceAll("_", " ");
}
