import { parseMarker } from "../promotion/marker.js";
import type { MergedPromotion } from "../promotion/rollback.js";
import { latestCheckRun, type Octokit, type RepoRef } from "./repo-client.js";

/** Merged Ferry PRs of one branch (the last 30), newest first, with their markers: one request. */
export async function mergedPromotions(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
): Promise<MergedPromotion[]> {
  const { data } = await octokit.rest.pulls.list({
    ...repo,
    state: "closed",
    head: `${repo.owner}:${branch}`,
    sort: "updated",
    direction: "desc",
    per_page: 30,
  });
  return data
    .flatMap((pr) => {
      const marker = parseMarker(pr.body);
      return pr.merged_at && pr.merge_commit_sha && marker
        ? [{ marker, mergeSha: pr.merge_commit_sha, number: pr.number }]
        : [];
    })
    .sort((a, b) => b.number - a.number);
}

/** Whether `check` concluded success on `sha` (the latest run of that name). */
export async function checkPassed(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  check: string,
): Promise<boolean> {
  return (await passedCheck(octokit, repo, sha, check)) !== undefined;
}

/** The page of `check` on `sha` when its latest run concluded success, else undefined: one request. */
export async function passedCheck(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  check: string,
): Promise<{ url: string } | undefined> {
  const run = await latestCheckRun(octokit, repo, sha, check);
  return run?.conclusion === "success" ? { url: run.html_url ?? "" } : undefined;
}
