import type { SourceFile } from "../manifests/sites.js";
import type { Octokit, RepoRef } from "./repo-client.js";
import { subtreeFields, treeFragments } from "./tree-query.js";
import { subtreeFiles } from "./tree-read.js";

/**
 * The files under `paths` (files or directories) at the base and the head, in one GraphQL
 * query: what a render needs beyond the environments' own subtrees (a base, a chart).
 */
export async function readRenderInputs(
  octokit: Octokit,
  repo: RepoRef,
  shas: { base: string; head: string },
  paths: readonly string[],
): Promise<{ base: SourceFile[]; head: SourceFile[] }> {
  if (paths.length === 0) return { base: [], head: [] };
  const side = (sha: string, alias: string) =>
    `${alias}: object(oid: ${JSON.stringify(sha)}) { ... on Commit { ${subtreeFields(paths, "t")} } }`;
  const data = await octokit.graphql<{ repository: Record<string, unknown> }>(
    `query FerryRenderInputs($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {\n${side(shas.base, "base")}\n${side(shas.head, "head")}\n} }\n${treeFragments()}`,
    { owner: repo.owner, name: repo.repo },
  );
  return {
    base: await subtreeFiles(octokit, repo, shas.base, paths, data.repository.base),
    head: await subtreeFiles(octokit, repo, shas.head, paths, data.repository.head),
  };
}
