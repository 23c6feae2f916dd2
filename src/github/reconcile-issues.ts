import { appendHistory, withHistory } from "../reports/issue-history.js";
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

/**
 * Opens the issue with `current` and a first history line, or brings the open one up to date:
 * its current part replaced, its history kept and `line` added (a read, then an update).
 */
export async function upsertEnvironmentIssue(
  octokit: Octokit,
  repo: RepoRef,
  name: IssueName,
  current: string,
  line: string,
  open: number | undefined,
): Promise<number> {
  if (open !== undefined) {
    const previous = await bodyOf(octokit, repo, open);
    await octokit.rest.issues.update({
      ...repo,
      issue_number: open,
      body: fitBody(withHistory(current, previous, line)),
    });
    return open;
  }
  const { data } = await octokit.rest.issues.create({
    ...repo,
    title: name.title,
    body: fitBody(withHistory(current, undefined, line)),
    labels: [name.label],
  });
  return data.number;
}

/**
 * Closes the issue with `line` added to its history; what it listed stays, so the closed issue
 * still says what happened. No comment: that would cost a second, rate-limited write.
 */
export async function closeEnvironmentIssue(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  line: string,
): Promise<void> {
  const previous = (await bodyOf(octokit, repo, number)) ?? "";
  await octokit.rest.issues.update({
    ...repo,
    issue_number: number,
    body: fitBody(appendHistory(previous, line)),
    state: "closed",
    state_reason: "completed",
  });
}

async function bodyOf(octokit: Octokit, repo: RepoRef, number: number): Promise<string | undefined> {
  const { data } = await octokit.rest.issues.get({ ...repo, issue_number: number });
  return data.body ?? undefined;
}
