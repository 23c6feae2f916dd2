import { decodeYamlBytes } from "../manifests/safe-text.js";
import type { SourceFile } from "../manifests/sites.js";
import { defaultYamlLimits } from "../manifests/yaml-file.js";
import { type Octokit, type RepoRef, readFile } from "./repo-client.js";
import { type BlobToFetch, collectEntries } from "./tree-query.js";

/**
 * The files of the subtrees `roots` of commit `sha`, from a GraphQL answer whose commit object
 * holds `t<i>` fields (`file(path:)` entries or a `tree`) per root. Directories deeper than one
 * query reaches, huge files and texts that may have lost bytes are read as exact bytes through
 * REST: rare. A file that cannot be read as YAML text (binary, not UTF-8, too large) comes back
 * marked `unreadable`, so whoever reads it reports it instead of passing it over.
 */
export async function subtreeFiles(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  roots: readonly string[],
  commit: unknown,
  field = (i: number) => `t${i}`,
  maxBytes = defaultYamlLimits.maxBytes,
): Promise<SourceFile[]> {
  const c = (commit ?? {}) as Record<string, { entries?: unknown[] } | null>;
  const tree = collectEntries(
    roots.flatMap((_r, i) => {
      const entry = c[field(i)];
      // `tree` (the repo root) answers a Tree: its entries; `file` answers one TreeEntry.
      return (entry && "entries" in entry ? (entry.entries ?? []) : [entry]) as never[];
    }),
    maxBytes,
  );
  if (tree.deeper.length > 0) {
    const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: sha, recursive: "true" });
    for (const e of data.tree) {
      if (e.type === "blob" && e.path && tree.deeper.some((d) => e.path?.startsWith(`${d}/`)))
        tree.fetch.push({ path: e.path, oid: e.sha });
    }
  }
  tree.files.push(...(await readBlobs(octokit, repo, sha, tree.fetch, maxBytes)));
  return tree.files;
}

/** Files read as exact bytes (by blob id, else by path at `sha`) and decoded strictly. */
export async function readBlobs(
  octokit: Octokit,
  repo: RepoRef,
  sha: string,
  blobs: readonly BlobToFetch[],
  maxBytes = defaultYamlLimits.maxBytes,
): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const { path, oid } of blobs) {
    if (oid === undefined) {
      const file = await readFile(octokit, repo, sha, path);
      if (file) files.push({ path, ...file });
      continue;
    }
    const { data } = await octokit.rest.git.getBlob({ ...repo, file_sha: oid });
    const decoded = decodeYamlBytes(Buffer.from(data.content, "base64"), maxBytes);
    files.push("text" in decoded ? { path, text: decoded.text } : { path, text: "", unreadable: decoded });
  }
  return files;
}
