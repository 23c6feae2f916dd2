import { fitBody } from "./limits.js";
import type { Octokit, RepoRef } from "./repo-client.js";

/** One of Ferry's per-environment issues ("Drift in <env>", "Unhealthy in <env>"): found by label and exact title. */
export interface IssueName {
  label: string;
  title: string;
}

/** The open issue, found by label and exact title: one request. */
export async function findEnvironmentIssue(
  octokit: Octokit,
  repo: RepoRef,
  name: IssueName,
): Promise<number | undefined> {
  const { data } = await octokit.rest.issues.listForRepo({
    ...repo,
    state: "open",
    labels: name.label,
    per_page: 100,
  });
  return data.find((i) => i.title === name.title && !i.pull_request)?.number;
}

/** Opens the issue, or rewrites the body of the open one. */
export async function upsertEnvironmentIssue(
  octokit: Octokit,
  repo: RepoRef,
  name: IssueName,
  body: string,
  open: number | undefined,
): Promise<number> {
  if (open !== undefined) {
    await octokit.rest.issues.update({ ...repo, issue_number: open, body: fitBody(body) });
    return open;
  }
  const { data } = await octokit.rest.issues.create({
    ...repo,
    title: name.title,
    body: fitBody(body),
    labels: [name.label],
  });
  return data.number;
}

/** Closes the issue with its body saying so: one request (a comment would cost a second, rate-limited one). */
export async function closeEnvironmentIssue(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  body: string,
): Promise<void> {
  await octokit.rest.issues.update({
    ...repo,
    issue_number: number,
    body: fitBody(body),
    state: "closed",
    state_reason: "completed",
  });
}
