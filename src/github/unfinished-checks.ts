import type { Octokit, RepoRef } from "./repo-client.js";

/** A Ferry check run that has not completed, where the sweep found it. */
export interface UnfinishedCheck {
  id: number;
  name: string;
  status: "queued" | "in_progress";
  startedAt: number;
  /** The commit it is on. */
  sha: string;
  /** The open PR whose head it is on, when it is on one. */
  pr?: number;
}

interface Runs {
  checkSuites: {
    nodes: { app: { databaseId: number } | null; checkRuns: { nodes: RunNode[] } }[];
  };
}
interface RunNode {
  databaseId: number;
  name: string;
  status: string;
  startedAt: string | null;
}

/** Recent default-branch commits looked at: reconcile checks live on the merges of Ferry PRs. */
const commitsScanned = 20;
const pullsScanned = 50;

const runsField = `checkSuites(first: 10) { nodes { app { databaseId } checkRuns(first: 20, filterBy: { checkType: LATEST }) { nodes { databaseId name status startedAt } } } }`;

/**
 * Ferry's unfinished check runs in one config repo, in one GraphQL request: on the heads of the
 * open PRs (guard checks) and on the default branch's recent commits (reconcile checks).
 */
export async function unfinishedChecks(
  octokit: Octokit,
  repo: RepoRef,
  appId: number,
): Promise<UnfinishedCheck[]> {
  const data = await octokit.graphql<{
    repository: {
      pullRequests: {
        nodes: { number: number; headRefOid: string; commits: { nodes: { commit: Runs }[] } }[];
      };
      defaultBranchRef: { target: { history?: { nodes: ({ oid: string } & Runs)[] } } } | null;
    } | null;
  }>(
    `query FerrySweep($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
      pullRequests(states: OPEN, first: ${pullsScanned}, orderBy: { field: UPDATED_AT, direction: DESC }) {
        nodes { number headRefOid commits(last: 1) { nodes { commit { ${runsField} } } } }
      }
      defaultBranchRef { target { ... on Commit { history(first: ${commitsScanned}) { nodes { oid ${runsField} } } } } }
    } }`,
    { owner: repo.owner, name: repo.repo },
  );
  const found: UnfinishedCheck[] = [];
  const collect = (runs: Runs | undefined, sha: string, pr?: number) => {
    for (const suite of runs?.checkSuites.nodes ?? []) {
      if (suite.app?.databaseId !== appId) continue;
      for (const run of suite.checkRuns.nodes) {
        const status = run.status.toLowerCase();
        if (status !== "queued" && status !== "in_progress") continue;
        found.push({
          id: run.databaseId,
          name: run.name,
          status,
          startedAt: Date.parse(run.startedAt ?? "") || 0,
          sha,
          ...(pr !== undefined ? { pr } : {}),
        });
      }
    }
  };
  for (const pull of data.repository?.pullRequests.nodes ?? [])
    collect(pull.commits.nodes[0]?.commit, pull.headRefOid, pull.number);
  for (const commit of data.repository?.defaultBranchRef?.target.history?.nodes ?? [])
    collect(commit, commit.oid);
  return found;
}
