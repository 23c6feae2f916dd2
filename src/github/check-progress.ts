import type { Octokit, RepoRef } from "./repo-client.js";

/** Updates a running check's output (status stays in_progress): one request. */
export async function showCheckProgress(
  octokit: Octokit,
  repo: RepoRef,
  checkRunId: number,
  output: { title: string; summary: string },
): Promise<void> {
  await octokit.rest.checks.update({ ...repo, check_run_id: checkRunId, status: "in_progress", output });
}
