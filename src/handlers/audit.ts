import type { Context } from "probot";
import { publishCheckRun } from "../github/repo-client.js";
import { plainText } from "../markdown.js";
import { plural } from "../plural.js";

export const auditCheckName = "Ferry / audit";

interface CommitPulls {
  associatedPullRequests: { nodes: { number: number; merged: boolean }[] };
}

/**
 * A push to the default branch whose commits came through no merged PR gets a failing
 * `Ferry / audit` on its head commit, naming the commits and their authors. One GraphQL query
 * asks GitHub which PRs each pushed commit belongs to.
 */
export async function auditPush(context: Context<"push">): Promise<void> {
  const { payload } = context;
  if (
    payload.deleted ||
    payload.ref !== `refs/heads/${payload.repository.default_branch}` ||
    payload.commits.length === 0
  )
    return;
  const repo = context.repo();
  const fields = payload.commits
    .map(
      (c, i) =>
        `c${i}: object(oid: ${JSON.stringify(c.id)}) { ... on Commit { associatedPullRequests(first: 5) { nodes { number merged } } } }`,
    )
    .join("\n");
  const data = await context.octokit.graphql<{ repository: Record<string, CommitPulls | null> }>(
    `query FerryAudit($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {\n${fields}\n} }`,
    { owner: repo.owner, name: repo.repo },
  );
  const direct = payload.commits.filter(
    (_c, i) => !data.repository[`c${i}`]?.associatedPullRequests.nodes.some((p) => p.merged),
  );
  if (direct.length === 0) return;
  const rows = direct.map(
    (c) =>
      // Author names and messages are whatever the pusher wrote: plain text only.
      `| ${c.id.slice(0, 7)} | ${c.author.username ? `@${c.author.username}` : plainText(c.author.name)} | ${plainText(c.message.split("\n")[0] ?? "")} |`,
  );
  await publishCheckRun(context.octokit, repo, payload.after, {
    name: auditCheckName,
    conclusion: "failure",
    title: `${plural(direct.length, "commit")} reached ${payload.repository.default_branch} without a pull request`,
    summary: [
      `Pushed by @${payload.pusher.name}. Every change to the default branch should come through a reviewed PR;`,
      "turn on branch protection (require pull requests) to make this impossible.",
      "",
      "| Commit | Author | Message |",
      "| --- | --- | --- |",
      ...rows,
    ].join("\n"),
    annotations: [],
  });
}
