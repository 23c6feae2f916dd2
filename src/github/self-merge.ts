import type { CheckRunState } from "../promotion/merge-readiness.js";
import { hasStatus, type Octokit, type RepoRef } from "./repo-client.js";

/** The open Ferry PR as the self-merge needs it. */
export interface MergeCandidate {
  number: number;
  headSha: string;
}

/** Check names the base branch's protection requires (none when it is not protected): one request. */
export async function protectedChecks(octokit: Octokit, repo: RepoRef, branch: string): Promise<string[]> {
  const { data } = await octokit.rest.repos.getBranch({ ...repo, branch });
  return data.protected ? (data.protection?.required_status_checks?.contexts ?? []) : [];
}

/** The latest run of every check on `sha`, whichever app posted it. */
export async function checksOn(octokit: Octokit, repo: RepoRef, sha: string): Promise<CheckRunState[]> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    ...repo,
    ref: sha,
    filter: "latest",
    per_page: 100,
  });
  return runs.map((r) => ({
    name: r.name,
    appId: r.app?.id ?? 0,
    status: r.status,
    conclusion: r.conclusion,
  }));
}

/**
 * Squash-merges the PR at exactly `headSha`. When GitHub refuses (a required review, a conflict),
 * says why on the PR, once per head, and returns the reason; a PR merged meanwhile is no refusal.
 */
export async function mergeOrSayWhy(
  octokit: Octokit,
  repo: RepoRef,
  pr: MergeCandidate,
): Promise<{ merged: true } | { merged: false; reason: string }> {
  try {
    await octokit.rest.pulls.merge({
      ...repo,
      pull_number: pr.number,
      merge_method: "squash",
      sha: pr.headSha,
    });
    return { merged: true };
  } catch (error) {
    if (!hasStatus(error, 405) && !hasStatus(error, 409) && !hasStatus(error, 422)) throw error;
    const { data: now } = await octokit.rest.pulls.get({ ...repo, pull_number: pr.number });
    if (now.merged || now.state !== "open" || now.head.sha !== pr.headSha) return { merged: true };
    const answer = (error as { response?: { data?: { message?: unknown } } }).response?.data?.message;
    // GitHub's own words, kept to one line of code so nothing in them renders as Markdown.
    const reason = String(answer ?? (error as Error).message)
      .replace(/[`\r\n]/g, " ")
      .slice(0, 300);
    const marker = `<!-- ferry:merge-refused ${pr.headSha} -->`;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: pr.number,
      per_page: 100,
    });
    if (!comments.some((c) => c.body?.includes(marker)))
      await octokit.rest.issues.createComment({
        ...repo,
        issue_number: pr.number,
        body: `Ferry could not merge this PR: GitHub answered \`${reason}\`. Fix that (or merge it by hand); Ferry tries again when the next check suite completes.\n\n${marker}`,
      });
    return { merged: false, reason };
  }
}
