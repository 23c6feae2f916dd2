import type { EnvironmentConfig } from "../config/schema.js";
import type { SourceFile } from "../manifests/sites.js";
import { type Octokit, type RepoRef, readFile } from "./repo-client.js";
import { collectEntries, globRoots, treeFragments } from "./tree-query.js";

export interface EnvironmentAt {
  files: SourceFile[];
  committedDate: string;
  /** Body of the last merged PR of each asked branch (same order), when there is one. */
  mergedBodies: (string | undefined)[];
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
  const files = roots
    .map((root, i) =>
      root === ""
        ? `r${i}: tree { entries { ...E1 } }`
        : `r${i}: file(path: ${JSON.stringify(root)}) { ...E0 }`,
    )
    .join("\n");
  const merged = branches
    .map(
      (b, i) =>
        `m${i}: pullRequests(headRefName: ${JSON.stringify(b)}, states: [MERGED], first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { body } }`,
    )
    .join("\n");
  const data = await octokit.graphql<{
    repository: Record<string, unknown> & {
      object: (Record<string, unknown> & { committedDate: string }) | null;
    };
  }>(
    `query FerryEnvironmentAt($owner: String!, $name: String!, $oid: GitObjectID!) {
  repository(owner: $owner, name: $name) {
    object(oid: $oid) { ... on Commit { committedDate ${files} } }
    ${merged}
  }
}
${treeFragments()}`,
    { owner: repo.owner, name: repo.repo, oid: sha },
  );
  const commit = data.repository.object;
  const tree = collectEntries(
    roots.map((_r, i) => {
      const field = commit?.[`r${i}`] as { entries?: unknown[] } | null | undefined;
      return (field && "entries" in field ? { path: "", type: "tree", object: field } : field) as never;
    }),
  );
  // Deeper directories and huge files (rare) are read one by one.
  if (tree.deeper.length > 0) {
    const { data: full } = await octokit.rest.git.getTree({ ...repo, tree_sha: sha, recursive: "true" });
    tree.truncated.push(
      ...full.tree
        .filter((e) => e.type === "blob" && e.path && tree.deeper.some((d) => e.path?.startsWith(`${d}/`)))
        .map((e) => e.path as string),
    );
  }
  for (const path of tree.truncated) {
    const file = await readFile(octokit, repo, sha, path);
    if (file) tree.files.push({ path, text: file.text });
  }
  return {
    files: tree.files,
    committedDate: commit?.committedDate ?? new Date().toISOString(),
    mergedBodies: branches.map(
      (_b, i) => (data.repository[`m${i}`] as { nodes: { body: string }[] } | undefined)?.nodes[0]?.body,
    ),
  };
}
