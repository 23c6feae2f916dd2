import type { Context } from "probot";
import type { AppDeps } from "../app.js";
import type { EnvironmentConfig, FerryConfig } from "../config/schema.js";
import {
  findReconcileCheck,
  latestFerryCommit,
  resolveCommit,
  writeReconcileCheck,
} from "../github/reconcile-checks.js";
import type { Octokit, RepoRef } from "../github/repo-client.js";
import { repoWebUrl } from "../github/web.js";
import { type CheckState, shared } from "../reports/memory.js";
import {
  type CheckSubject,
  checkName,
  type EnvironmentRecord,
  queuedCheck,
  reconcileCheck,
  worstObject,
} from "../reports/reconcile-check.js";
import type { Report } from "../reports/report.js";
import { outcome, stageOf } from "../reports/soak.js";
import {
  armTimers,
  changeSoak,
  type IssueKind,
  issueFingerprints,
  issueKinds,
  prefetchOrder,
  startSoak,
  syncIssues,
} from "./reconcile-effects.js";

export type Log = Context["log"];

/** Everything one environment's reconcile work needs, passed along together. */
export interface ReconcileScope {
  octokit: Octokit;
  deps: AppDeps;
  repo: RepoRef;
  config: FerryConfig;
  env: EnvironmentConfig;
  log: Log;
}

export const envKey = (s: Pick<ReconcileScope, "repo" | "env">) =>
  `${s.repo.owner}/${s.repo.repo}#${s.env.name}`;
export const checkKey = (s: Pick<ReconcileScope, "repo" | "env">, sha: string) => `${envKey(s)}@${sha}`;

/**
 * A verified report → the environment's reconcile check on the commit it reconciled (or, when
 * that is unknown, the latest merged Ferry commit), then drift issue, chain and timeout.
 * Decisions run under the environment's lock; check writes coalesce per commit.
 */
export async function onReport(s: ReconcileScope, report: Report): Promise<string> {
  const target = await targetCommit(s, report.revision);
  const key = checkKey(s, target.sha);
  const step = await s.deps.locks.run(`reconcile:${envKey(s)}`, () =>
    decide(s, { ...report, revision: target.revision }, target.sha),
  );
  if ("skip" in step) {
    // A check whose earlier write failed is written now, so a retried report is not lost.
    if (s.deps.reconcile.checks.get(key)?.pending) await flushCheck(s, target.sha);
    await syncIssues(s, target.sha, []);
    await armTimers(s, target.sha); // re-armed from GitHub's state after a restart
    return step.skip;
  }
  await flushCheck(s, target.sha);
  await syncIssues(s, target.sha, step.issuesChanged);
  if (step.startSoak) await startSoak(s, target.sha);
  await armTimers(s, target.sha);
  return `${step.status}${step.conclusion ? ` (${step.conclusion})` : ""} on ${target.sha.slice(0, 7)}`;
}

/** A Ferry PR merged: the environment's check starts queued on the merge commit, unless a report beat us. */
export async function queueReconcile(s: ReconcileScope, sha: string, subject?: CheckSubject): Promise<void> {
  const mem = s.deps.reconcile;
  const queued = await s.deps.locks.run(`reconcile:${envKey(s)}`, async () => {
    mem.latestMerged.set(envKey(s), sha);
    // A report may have got there first (known here, or already on GitHub): it is newer than "queued".
    const known = mem.checks.get(checkKey(s, sha));
    if (known) {
      known.subject ??= subject;
      return false;
    }
    const state = await checkState(s, sha);
    state.subject ??= subject;
    if (state.onGitHub !== undefined) return false;
    state.pending = queuedCheck(s.env.name, sha, state.subject);
    return true;
  });
  if (!queued) return;
  await flushCheck(s, sha);
  await armTimers(s, sha);
}

const verdictStands =
  "The verdict for this commit stands (a concluded check is not reopened); the table shows the latest state.";

interface Step {
  status: string;
  conclusion?: string;
  /** Issues whose content the report changed. */
  issuesChanged: IssueKind[];
  startSoak: boolean;
}

async function decide(s: ReconcileScope, report: Report, sha: string): Promise<Step | { skip: string }> {
  const mem = s.deps.reconcile;
  const state = await checkState(s, sha);
  const previous = mem.records.get(envKey(s));
  await prefetchOrder(s, previous, report);
  const decision = reconcileCheck(report, previous, {
    compareRevisions: (a, b) => mem.order.get(`${s.repo.owner}/${s.repo.repo}@${a}..${b}`) ?? undefined,
    target: { repo: `${s.repo.owner}/${s.repo.repo}`, sha },
    // The merged PR's app and tag describe this commit only: a report about another revision is not them.
    ...(state.subject && report.revision === sha ? { subject: state.subject } : {}),
    repoUrl: repoWebUrl(s.octokit, s.repo),
  });
  if ("skip" in decision) return decision;
  const issuesBefore = issueFingerprints(s, previous);
  mem.records.set(envKey(s), decision.record);
  const now = s.deps.clock().getTime();
  const stage = stageOf(state, now);
  // A report about no commit of this repo never replaces a conclusion on this one.
  if (report.revision !== sha && stage !== "open") {
    return { skip: "the report names no commit of the config repo; the concluded check stands" };
  }
  const worst = worstObject(Object.values(decision.record.objects).filter((o) => o.revision === sha));
  const next =
    report.revision === sha && worst !== undefined ? outcome(stage, worst.phase) : { conclude: true };
  if (next.conclude) {
    state.pending = { ...decision, headSha: sha };
    state.status = decision.status;
    state.title = decision.title;
    state.conclusion = decision.conclusion;
    if (decision.status === "completed") state.timedOut = false;
  } else {
    // The verdict stands for this commit; the table shows what the cluster said since.
    const differs = decision.status !== state.status || decision.conclusion !== state.conclusion;
    state.pending = {
      ...decision,
      headSha: sha,
      status: state.status,
      ...(state.conclusion ? { conclusion: state.conclusion } : {}),
      title: state.title ?? decision.title,
      summary: differs ? `${verdictStands}\n\n${decision.summary}` : decision.summary,
    };
  }
  changeSoak(s, sha, next.soak, worst);
  const issuesAfter = issueFingerprints(s, decision.record);
  return {
    status: state.status,
    ...(state.conclusion ? { conclusion: state.conclusion } : {}),
    issuesChanged: issueKinds.filter((kind) => issuesBefore[kind] !== issuesAfter[kind]),
    startSoak: next.soak === "start" && state.conclusion === "success",
  };
}

/** The app's state of the check on `sha`: memory, else read back from GitHub (memo included). */
export async function checkState(s: ReconcileScope, sha: string): Promise<CheckState> {
  const mem = s.deps.reconcile;
  const key = checkKey(s, sha);
  const known = mem.checks.get(key);
  if (known) return known;
  const found = await findReconcileCheck(s.octokit, s.repo, sha, checkName(s.env.name));
  const conclusion =
    found?.conclusion === "success" || found?.conclusion === "failure" ? found.conclusion : undefined;
  const state: CheckState = found
    ? {
        status: found.status,
        ...(conclusion ? { conclusion } : {}),
        ...(found.title ? { title: found.title } : {}),
        startedAt: found.startedAt,
        ...(found.memo?.timedOut ? { timedOut: true } : {}),
        ...(found.memo?.subject ? { subject: found.memo.subject } : {}),
        ...(found.memo?.soak ? { soak: found.memo.soak } : {}),
        onGitHub: { id: found.id, status: found.status, ...(conclusion ? { conclusion } : {}) },
      }
    : { status: "queued", startedAt: s.deps.clock().getTime() };
  mem.checks.set(key, state);
  if (found?.memo && !mem.records.has(envKey(s))) mem.records.set(envKey(s), found.memo.record);
  return state;
}

/** Writes the newest pending check for `sha`; concurrent callers share one write. */
export function flushCheck(s: ReconcileScope, sha: string): Promise<void> {
  const mem = s.deps.reconcile;
  const key = checkKey(s, sha);
  return mem.writes.write(key, async () => {
    const state = mem.checks.get(key);
    const check = state?.pending;
    if (!state || !check) return;
    state.pending = undefined;
    const record: EnvironmentRecord = mem.records.get(envKey(s)) ?? { objects: {} };
    const memo = {
      startedAt: state.startedAt,
      ...(state.timedOut ? { timedOut: true } : {}),
      ...(state.soak ? { soak: state.soak } : {}),
      record,
      ...(state.subject ? { subject: state.subject } : {}),
    };
    // What the chain did is said only while the check is a success: information, not a verdict
    // (a soak's note, which says why nothing is promoted, shows on a failure too).
    const shown =
      state.note && (check.conclusion === "success" || !state.noteOnlyOnSuccess)
        ? { ...check, summary: `${check.summary}\n\n${state.note}` }
        : check;
    try {
      const id = await writeReconcileCheck(s.octokit, s.repo, sha, shown, memo, state.onGitHub);
      state.last = check;
      state.onGitHub = {
        id,
        status: check.status,
        ...(check.conclusion ? { conclusion: check.conclusion } : {}),
      };
      s.deps.dashboards.refreshDashboard(s.octokit, s.repo);
    } catch (error) {
      state.pending ??= check;
      throw error;
    }
  });
}

/** The config-repo commit a report is about: its revision when the repo has it, else the fallback. */
async function targetCommit(
  s: ReconcileScope,
  revision: string | undefined,
): Promise<{ sha: string; revision: string | undefined }> {
  const mem = s.deps.reconcile;
  const repoName = `${s.repo.owner}/${s.repo.repo}`;
  if (revision !== undefined) {
    const full = await shared(
      mem.commits,
      `${repoName}@${revision}`,
      async () => (await resolveCommit(s.octokit, s.repo, revision)) ?? null,
    );
    if (full !== null) return { sha: full, revision: full };
  }
  let fallback = mem.latestMerged.get(envKey(s));
  if (fallback === undefined) {
    fallback = await latestFerryCommit(s.octokit, s.repo, s.env.name);
    mem.latestMerged.set(envKey(s), fallback);
  }
  return { sha: fallback, revision };
}
