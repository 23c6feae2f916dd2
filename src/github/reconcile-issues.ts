import { driftLabel, driftTitle } from "../reports/drift.js";
import { fitBody } from "./limits.js";
import type { Octokit, RepoRef } from "./repo-client.js";

/** The open "Drift in <env>" issue, found by label and exact title: one request. */
export async function findDriftIssue(
  octokit: Octokit,
  repo: RepoRef,
  env: string,
): Promise<number | undefined> {
  const { data } = await octokit.rest.issues.listForRepo({
    ...repo,
    state: "open",
    labels: driftLabel,
    per_page: 100,
  });
  return data.find((i) => i.title === driftTitle(env) && !i.pull_request)?.number;
}

/** Opens the drift issue, or rewrites the body of the open one. */
export async function upsertDriftIssue(
  octokit: Octokit,
  repo: RepoRef,
  env: string,
  body: string,
  open: number | undefined,
): Promise<number> {
  if (open !== undefined) {
    await octokit.rest.issues.update({ ...repo, issue_number: open, body: fitBody(body) });
    return open;
  }
  const { data } = await octokit.rest.issues.create({
    ...repo,
    title: driftTitle(env),
    body: fitBody(body),
    labels: [driftLabel],
  });
  return data.number;
}

/** Closes the issue with its body saying so: one request (a comment would cost a second, rate-limited one). */
export async function closeDriftIssue(
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
