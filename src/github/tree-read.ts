import type { SourceFile } from "../manifests/sites.js";
import { type Octokit, type RepoRef, readFile } from "./repo-client.js";
import { collectEntries } from "./tree-query.js";

/**
 * The files of the subtrees `roots` of commit `sha`, from a GraphQL answer whose commit object
 * holds `t<i>` fields (`file(path:)` entries or a `tree`) per root. Directories deeper than one
 * query reaches, and huge files, are read through REST: rare.
 */
export async function subtreeFiles(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  roots: readonly string[],
  commit: unknown,
  field = (i: number) => `t${i}`,
): Promise<SourceFile[]> {
  const c = (commit ?? {}) as Record<string, { entries?: unknown[] } | null>;
  const tree = collectEntries(
    roots.flatMap((_r, i) => {
      const entry = c[field(i)];
      // `tree` (the repo root) answers a Tree: its entries; `file` answers one TreeEntry.
      return (entry && "entries" in entry ? (entry.entries ?? []) : [entry]) as never[];
    }),
  );
  if (tree.deeper.length > 0) {
    const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: sha, recursive: "true" });
    for (const e of data.tree) {
      if (e.type === "blob" && e.path && tree.deeper.some((d) => e.path?.startsWith(`${d}/`)))
        tree.truncated.push(e.path);
    }
  }
  for (const path of tree.truncated) {
    const file = await readFile(octokit, repo, sha, path);
    if (file) tree.files.push({ path, text: file.text });
  }
  return tree.files;
}
