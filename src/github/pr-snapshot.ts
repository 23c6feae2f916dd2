import { tooLarge } from "../manifests/safe-text.js";
import type { SourceFile } from "../manifests/sites.js";
import { isYamlPath } from "../manifests/yaml-file.js";
import type { Octokit, RepoRef } from "./repo-client.js";
import {
  type BlobNode,
  type BlobToFetch,
  blobFields,
  fileFromBlob,
  globRoots,
  subtreeFields,
  treeFragments,
} from "./tree-query.js";
import { readBlobs, subtreeFiles } from "./tree-read.js";

/** Files of a PR as the guard needs them: changed files at head, env files at base and head. */
export interface PrSnapshot {
  /**
   * Changed (added or modified) files at the head. Binary, huge or non-UTF-8 files are marked
   * `unreadable`: the validator reports YAML ones as errors and lists the others as skipped.
   */
  changed: SourceFile[];
  /** Changed paths that were not read, with the reason. */
  skipped: { path: string; reason: string }[];
  /** Every file under the environments' paths, at the base and at the head. */
  base: SourceFile[];
  head: SourceFile[];
}

/** Files per GraphQL query: keeps each query well under GitHub's size and node limits. */
const filesPerQuery = 100;
/** Larger changed files are not read (an error for YAML files, a note for others). */
export const maxGuardFileBytes = 1024 * 1024;

/**
 * Reads a PR's changed files and the environments' subtrees at base and head with as few
 * requests as GitHub allows: one GraphQL query for both subtrees (which already hold the changed
 * files under the environments' paths) and up to 100 other changed files, one more per further
 * 100 changed files outside the environments.
 */
export async function readPrSnapshot(
  octokit: Octokit,
  repo: RepoRef,
  pr: { base: string; head: string },
  changedPaths: readonly string[],
  envGlobs: readonly string[],
): Promise<PrSnapshot> {
  const roots = globRoots(envGlobs);
  const underRoots = (path: string) => roots.some((r) => r === "" || path === r || path.startsWith(`${r}/`));
  const rootFields = (sha: string, alias: string) =>
    `${alias}: object(oid: ${JSON.stringify(sha)}) { ... on Commit { ${subtreeFields(roots, "t")} } }`;
  const snapshot: PrSnapshot = { changed: [], skipped: [], base: [], head: [] };
  const outside = changedPaths.filter((p) => !underRoots(p));
  const chunks: string[][] = [];
  for (let i = 0; i < outside.length; i += filesPerQuery) chunks.push(outside.slice(i, i + filesPerQuery));
  if (chunks.length === 0) chunks.push([]);
  for (const [n, chunk] of chunks.entries()) {
    const fileFields = chunk
      .map(
        (path, i) =>
          `f${i}: object(expression: ${JSON.stringify(`${pr.head}:${path}`)}) { ... on Blob { ${blobFields} } }`,
      )
      .join("\n");
    const trees =
      n === 0 && roots.length > 0 ? `${rootFields(pr.base, "base")}\n${rootFields(pr.head, "head")}` : "";
    if (!trees && !fileFields) break;
    const data = await octokit.graphql<{ repository: Record<string, unknown> }>(
      `query FerryPrFiles($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {\n${trees}\n${fileFields}\n} }${trees ? `\n${treeFragments()}` : ""}`,
      { owner: repo.owner, name: repo.repo },
    );
    const r = data.repository;
    const fetch: BlobToFetch[] = [];
    chunk.forEach((path, i) => {
      const blob = r[`f${i}`] as BlobNode | null;
      if (!blob) return; // removed in the PR
      const read = fileFromBlob(path, blob, maxGuardFileBytes);
      if ("file" in read) snapshot.changed.push(read.file);
      else fetch.push(read.fetch);
    });
    snapshot.changed.push(...(await readBlobs(octokit, repo, pr.head, fetch, maxGuardFileBytes)));
    if (trees) {
      snapshot.base = await subtreeFiles(octokit, repo, pr.base, roots, r.base);
      snapshot.head = await subtreeFiles(octokit, repo, pr.head, roots, r.head);
    }
  }
  // Changed files under the environments come from the head subtree already read.
  const head = new Map(snapshot.head.map((f) => [f.path, f]));
  for (const path of changedPaths.filter(underRoots)) {
    const file = head.get(path);
    if (file === undefined) continue;
    const bytes = file.unreadable ? 0 : Buffer.byteLength(file.text, "utf8");
    if (bytes > maxGuardFileBytes) {
      snapshot.changed.push({ path, text: "", unreadable: tooLarge(bytes, maxGuardFileBytes) });
    } else snapshot.changed.push(file);
  }
  // Files the validator does not read (not YAML) but could not be read either: listed, not hidden.
  for (const file of snapshot.changed) {
    if (file.unreadable && !isYamlPath(file.path))
      snapshot.skipped.push({ path: file.path, reason: file.unreadable.message });
  }
  return snapshot;
}
