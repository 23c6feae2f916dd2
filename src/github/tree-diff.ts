import type { Octokit, RepoRef } from "./repo-client.js";

/** A changed path and whether it was removed. */
export interface ChangedPath {
  path: string;
  removed: boolean;
}

/**
 * Every path that differs between two commits, from one recursive tree read of each (two
 * requests, no cap on the number of changed files). Undefined when GitHub truncated either tree
 * (more than 100,000 entries or 7 MB), so the caller can fall back and say what it missed.
 */
export async function treeDiff(
  octokit: Octokit,
  repo: RepoRef,
  base: string,
  head: string,
): Promise<ChangedPath[] | undefined> {
  const [before, after] = await Promise.all([flatTree(octokit, repo, base), flatTree(octokit, repo, head)]);
  if (before === undefined || after === undefined) return undefined;
  const changed: ChangedPath[] = [];
  for (const [path, id] of after) if (before.get(path) !== id) changed.push({ path, removed: false });
  for (const path of before.keys()) if (!after.has(path)) changed.push({ path, removed: true });
  return changed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Path → `mode sha` of every file (and submodule) in a commit's tree, or undefined when truncated. */
async function flatTree(octokit: Octokit, repo: RepoRef, commit: string) {
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: commit, recursive: "1" });
  if (data.truncated) return undefined;
  const files = new Map<string, string>();
  for (const e of data.tree) if (e.type !== "tree" && e.path) files.set(e.path, `${e.mode} ${e.sha}`);
  return files;
}
