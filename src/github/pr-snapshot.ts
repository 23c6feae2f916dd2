import type { SourceFile } from "../manifests/sites.js";
import type { Octokit, RepoRef } from "./repo-client.js";
import { globRoots, subtreeFields, treeFragments } from "./tree-query.js";
import { subtreeFiles } from "./tree-read.js";

/** Files of a PR as the guard needs them: changed files at head, env files at base and head. */
export interface PrSnapshot {
  /** Changed (added or modified) files at the head, text only; binary and huge files are skipped. */
  changed: SourceFile[];
  /** Changed paths that were not read, with the reason. */
  skipped: { path: string; reason: string }[];
  /** Every file under the environments' paths, at the base and at the head. */
  base: SourceFile[];
  head: SourceFile[];
}

/** Files per GraphQL query: keeps each query well under GitHub's size and node limits. */
const filesPerQuery = 100;
/** Larger files are skipped with a note, like GitHub's own diff view. */
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
          `f${i}: object(expression: ${JSON.stringify(`${pr.head}:${path}`)}) { ... on Blob { text isBinary isTruncated byteSize } }`,
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
    chunk.forEach((path, i) => {
      const blob = r[`f${i}`] as {
        text?: string | null;
        isBinary?: boolean;
        isTruncated?: boolean;
        byteSize?: number;
      } | null;
      if (!blob) return; // removed in the PR
      if (blob.isBinary) snapshot.skipped.push({ path, reason: "binary file" });
      else if ((blob.byteSize ?? 0) > maxGuardFileBytes || blob.isTruncated)
        snapshot.skipped.push(tooLarge(path));
      else if (typeof blob.text === "string") snapshot.changed.push({ path, text: blob.text });
    });
    if (trees) {
      snapshot.base = await subtreeFiles(octokit, repo, pr.base, roots, r.base);
      snapshot.head = await subtreeFiles(octokit, repo, pr.head, roots, r.head);
    }
  }
  // Changed files under the environments come from the head subtree already read.
  const head = new Map(snapshot.head.map((f) => [f.path, f.text]));
  for (const path of changedPaths.filter(underRoots)) {
    const text = head.get(path);
    if (text === undefined) snapshot.skipped.push({ path, reason: "binary file" });
    else if (Buffer.byteLength(text, "utf8") > maxGuardFileBytes) snapshot.skipped.push(tooLarge(path));
    else snapshot.changed.push({ path, text });
  }
  return snapshot;
}

function tooLarge(path: string): { path: string; reason: string } {
  return { path, reason: `larger than ${maxGuardFileBytes} bytes` };
}
