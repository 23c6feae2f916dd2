import { hasStatus, type Octokit, type RepoRef } from "./repo-client.js";

export type Reachability =
  | { reachable: true }
  /** `status` is GitHub's compare status (`ahead`, `diverged`), or `missing` for a 404. */
  | { reachable: false; status: string };

/**
 * Whether `sha` is in the history of `branch`: `GET /repos/{owner}/{repo}/compare/{branch}...{sha}`
 * says `behind` (the branch has moved past it) or `identical` (it is the tip). `ahead` or
 * `diverged` means the commit is not on the branch (a feature branch, or force-pushed away); 404
 * means GitHub knows no such branch or commit. Other errors propagate: GitHub trouble is retried
 * by the caller, never read as an answer.
 */
export async function commitReachable(
  octokit: Octokit,
  repo: RepoRef,
  branch: string,
  sha: string,
): Promise<Reachability> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      ...repo,
      basehead: `${branch}...${sha}`,
      // Only the status is read: keep the listed commits (and the answer) small.
      per_page: 1,
    });
    return data.status === "behind" || data.status === "identical"
      ? { reachable: true }
      : { reachable: false, status: data.status };
  } catch (error) {
    if (hasStatus(error, 404)) return { reachable: false, status: "missing" };
    throw error;
  }
}
