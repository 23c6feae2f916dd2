import type { EnvironmentConfig } from "../config/schema.js";
import type { SourceFile } from "../manifests/sites.js";
import type { Octokit, RepoRef } from "./repo-client.js";
import { globRoots, subtreeFields, treeFragments } from "./tree-query.js";
import { subtreeFiles } from "./tree-read.js";

export interface EnvironmentAt {
  files: SourceFile[];
  committedDate: string;
  /** Body of the last merged PR of each asked branch (same order), when there is one. */
  mergedBodies: (string | undefined)[];
  /** Number of that PR (same order). */
  mergedNumbers: (number | undefined)[];
}

/**
 * One GraphQL query: the environment's files at a commit (what it runs there) and the bodies of
 * the last merged Ferry PRs of the given branches (their markers carry digest and build time).
 */
export async function readEnvironmentAt(
  octokit: Octokit,
  repo: RepoRef,
  env: EnvironmentConfig,
  sha: string,
  branches: string[],
): Promise<EnvironmentAt> {
  const roots = globRoots(env.paths);
  const fields = subtreeFields(roots, "r");
  const merged = branches
    .map(
      (b, i) =>
        `m${i}: pullRequests(headRefName: ${JSON.stringify(b)}, states: [MERGED], first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { body number } }`,
    )
    .join("\n");
  const data = await octokit.graphql<{
    repository: Record<string, unknown> & {
      object: (Record<string, unknown> & { committedDate: string }) | null;
    };
  }>(
    `query FerryEnvironmentAt($owner: String!, $name: String!, $oid: GitObjectID!) {
  repository(owner: $owner, name: $name) {
    object(oid: $oid) { ... on Commit { committedDate ${fields} } }
    ${merged}
  }
}
${treeFragments()}`,
    { owner: repo.owner, name: repo.repo, oid: sha },
  );
  const commit = data.repository.object;
  const files = await subtreeFiles(octokit, repo, sha, roots, commit, (i) => `r${i}`);
  return {
    files,
    committedDate: commit?.committedDate ?? new Date().toISOString(),
    mergedBodies: branches.map((_b, i) => mergedNode(data.repository, i)?.body),
    mergedNumbers: branches.map((_b, i) => mergedNode(data.repository, i)?.number),
  };
}

function mergedNode(
  repository: Record<string, unknown>,
  i: number,
): { body: string; number: number } | undefined {
  return (repository[`m${i}`] as { nodes: { body: string; number: number }[] } | undefined)?.nodes[0];
}
