import type { CheckConclusion, CheckStatus, ReconcileCheck } from "../reports/reconcile-check.js";
import type { CheckMemo } from "../reports/record-block.js";
import { parseMemo, renderMemo } from "../reports/record-block.js";
import { clipText, fitText, githubLimits } from "./limits.js";
import { hasStatus, latestCheckRun, type Octokit, type RepoRef } from "./repo-client.js";

/** A `Ferry / reconcile (<env>)` run as GitHub holds it, with Ferry's memo read back. */
export interface FoundCheck {
  id: number;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  title: string | null;
  startedAt: number;
  memo: CheckMemo | undefined;
}

/** The latest run named `name` on `sha`, or undefined: one request. */
export async function findReconcileCheck(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  name: string,
): Promise<FoundCheck | undefined> {
  const run = await latestCheckRun(octokit, repo, sha, name);
  if (run === undefined) return undefined;
  const memo = parseMemo(run.output.text);
  return {
    id: run.id,
    status: run.status as FoundCheck["status"],
    conclusion: run.conclusion,
    title: run.output.title ?? null,
    startedAt: memo?.startedAt ?? (Date.parse(run.started_at ?? "") || Date.now()),
    memo,
  };
}

/**
 * Writes the check with the memo hidden in its text: one request. A completed run's status and
 * conclusion are final: a new verdict (another conclusion, or open again) is a new run of the
 * same name, which GitHub shows as the latest. Only the output of a run is rewritten in place.
 */
export async function writeReconcileCheck(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  check: ReconcileCheck,
  memo: CheckMemo,
  existing?: { id: number; status: CheckStatus; conclusion?: CheckConclusion },
): Promise<number> {
  const body = {
    ...repo,
    ...(check.status === "completed"
      ? { status: "completed" as const, conclusion: check.conclusion ?? ("neutral" as const) }
      : { status: check.status }),
    output: {
      title: clipText(check.title, githubLimits.checkTitle),
      summary: fitText(check.summary, githubLimits.checkSummary),
      text: renderMemo(memo),
    },
  };
  const sameVerdict = check.status === "completed" && check.conclusion === existing?.conclusion;
  if (existing !== undefined && (existing.status !== "completed" || sameVerdict)) {
    return (await octokit.rest.checks.update({ ...body, check_run_id: existing.id })).data.id;
  }
  const { data } = await octokit.rest.checks.create({
    ...body,
    name: check.name,
    head_sha: sha,
    started_at: new Date(memo.startedAt).toISOString(),
  });
  return data.id;
}

/** The full sha of `rev` in the repo, or undefined when the repo has no such commit. */
export async function resolveCommit(
  octokit: Octokit,
  repo: RepoRef,
  rev: string,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.repos.getCommit({ ...repo, ref: rev, per_page: 1 });
    return data.sha;
  } catch (error) {
    if (hasStatus(error, 404) || hasStatus(error, 422)) return undefined;
    throw error;
  }
}

/** Git order of two commits: > 0 when `a` is newer than `b`, < 0 when older, undefined when diverged. */
export async function compareCommits(
  octokit: Octokit,
  repo: RepoRef,
  a: string,
  b: string,
): Promise<number | undefined> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${b}...${a}`,
      per_page: 1,
    });
    return { ahead: 1, behind: -1, identical: 0 }[data.status as string];
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * Merge commit of the environment's most recently merged Ferry PR (`ferry/<env>/*`), else the
 * default branch head: where a report with no known revision is posted, so it is never dropped.
 */
export async function latestFerryCommit(octokit: Octokit, repo: RepoRef, env: string): Promise<string> {
  const { data } = await octokit.rest.pulls.list({
    ...repo,
    state: "closed",
    sort: "updated",
    direction: "desc",
    per_page: 50,
  });
  const merged = data
    .filter((p) => p.merged_at && p.merge_commit_sha && p.head.ref.startsWith(`ferry/${env}/`))
    .sort((x, y) => Date.parse(y.merged_at ?? "") - Date.parse(x.merged_at ?? ""))[0];
  if (merged?.merge_commit_sha) return merged.merge_commit_sha;
  const { data: repository } = await octokit.rest.repos.get(repo);
  const { data: branch } = await octokit.rest.repos.getBranch({ ...repo, branch: repository.default_branch });
  return branch.commit.sha;
}
