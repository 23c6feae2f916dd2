import type { Actor, AppRecord, CheckRunRecord, CheckSuiteRecord, RepoRecord } from "./model.js";
import type { GitHubState } from "./state.js";
import { now } from "./state.js";

/**
 * Check suites as GitHub keeps them: one per app and head commit. A suite summarises the latest
 * run of each name in it; it goes back to queued when re-requested, and every time it turns
 * completed GitHub sends `check_suite.completed`.
 */

/** Most severe first: the suite's conclusion is the first of these any of its runs has. */
const SEVERITY = ["action_required", "cancelled", "timed_out", "failure", "neutral", "skipped", "success"];

/** The app's suite for `headSha`, created (queued, no runs) when missing. */
export function suiteFor(
  state: GitHubState,
  repo: RepoRecord,
  app: AppRecord,
  headSha: string,
): CheckSuiteRecord {
  const existing = repo.checkSuites.find((s) => s.head_sha === headSha && s.app_id === app.id);
  if (existing) return existing;
  const branch = [...repo.refs.entries()].find(
    ([ref, sha]) => sha === headSha && ref.startsWith("refs/heads/"),
  )?.[0];
  const t = now();
  const suite: CheckSuiteRecord = {
    id: state.id(),
    app_id: app.id,
    head_sha: headSha,
    head_branch: branch?.slice("refs/heads/".length) ?? null,
    created_at: t,
    updated_at: t,
    status: "queued",
    conclusion: null,
  };
  repo.checkSuites.push(suite);
  return suite;
}

/** The newest run of each name, as GitHub shows them. */
export function latestRuns(runs: CheckRunRecord[]): CheckRunRecord[] {
  const latest = new Map<string, CheckRunRecord>();
  for (const run of runs) latest.set(run.name, run);
  return [...latest.values()];
}

/** Recomputes a suite after one of its runs changed; emits `check_suite.completed` when it completes. */
export function refreshSuite(
  state: GitHubState,
  repo: RepoRecord,
  suite: CheckSuiteRecord,
  sender: Actor,
): void {
  const runs = latestRuns(repo.checkRuns.filter((r) => r.check_suite_id === suite.id));
  if (runs.length === 0) return;
  const wasCompleted = suite.status === "completed";
  const done = runs.every((r) => r.status === "completed");
  suite.status = done ? "completed" : "in_progress";
  suite.conclusion = done ? (SEVERITY.find((c) => runs.some((r) => r.conclusion === c)) ?? "success") : null;
  suite.updated_at = now();
  if (done && !wasCompleted) state.events?.checkSuite(repo, "completed", suite, sender);
}

/** "Re-run all checks": the suite is queued again, its conclusion cleared, its app asked to re-run. */
export function rerequestSuite(
  state: GitHubState,
  repo: RepoRecord,
  suite: CheckSuiteRecord,
  sender: Actor,
): void {
  suite.status = "queued";
  suite.conclusion = null;
  suite.updated_at = now();
  state.events?.checkSuite(repo, "rerequested", suite, sender);
}

/** A push creates a suite for every app that may write checks and asks it to run (`requested`). */
export function requestSuites(state: GitHubState, repo: RepoRecord, headSha: string, sender: Actor): void {
  for (const app of state.apps.values()) {
    if (app.permissions.checks !== "write") continue;
    const fresh = !repo.checkSuites.some((s) => s.head_sha === headSha && s.app_id === app.id);
    const suite = suiteFor(state, repo, app, headSha);
    if (fresh) state.events?.checkSuite(repo, "requested", suite, sender);
  }
}
