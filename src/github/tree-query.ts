import { binaryFile, mayHaveLostBytes, tooLarge } from "../manifests/safe-text.js";
import type { SourceFile } from "../manifests/sites.js";

/** Directory levels fetched per GraphQL query; deeper trees are fetched by a follow-up query. */
export const treeDepth = 6;

/**
 * The longest literal directory (or file) prefix of each glob, deduplicated and without prefixes
 * covered by another: the subtrees one query must fetch to see every file the globs can match.
 */
export function globRoots(globs: readonly string[]): string[] {
  const roots = globs.map((glob) => {
    const segments = glob.replace(/^\.?\//, "").split("/");
    const literal: string[] = [];
    for (const s of segments) {
      if (/[*?[\]{}!()+@]/.test(s)) break;
      literal.push(s);
    }
    return literal.join("/");
  });
  const unique = [...new Set(roots)].sort();
  return unique.filter((r) => !unique.some((o) => o !== r && (o === "" || r.startsWith(`${o}/`))));
}

/**
 * GraphQL fields, to place inside a `... on Commit { }`, that fetch each root's subtree with
 * blob texts: `<prefix><i>: file(path: "<root>") { ...E0 }` (or the whole `tree` for the repo root,
 * whose entries then reach one level deeper).
 */
export function subtreeFields(roots: readonly string[], prefix: string): string {
  return roots
    .map((root, i) =>
      root === ""
        ? // The root's entries start at E0 too: GraphQL rejects a document with an unused fragment.
          `${prefix}${i}: tree { entries { ...E0 } }`
        : `${prefix}${i}: file(path: ${JSON.stringify(root)}) { ...E0 }`,
    )
    .join("\n");
}

/** What a query asks of each blob: enough to read it, refuse it, or fetch its exact bytes. */
export const blobFields = "oid text isBinary isTruncated byteSize";

/** A blob as GraphQL answers it. */
export interface BlobNode {
  oid?: string;
  text?: string | null;
  isBinary?: boolean | null;
  isTruncated?: boolean;
  byteSize?: number;
}

/** A file whose exact bytes must be read through REST. */
export interface BlobToFetch {
  path: string;
  oid: string | undefined;
}

/**
 * A blob as a file: its text, or why it cannot be read (binary, over `maxBytes`), or — when
 * GraphQL truncated it, sent no text, or its text may have lost bytes that were not UTF-8 —
 * that its bytes must be fetched and decoded exactly.
 */
export function fileFromBlob(
  path: string,
  blob: BlobNode,
  maxBytes: number,
): { file: SourceFile } | { fetch: BlobToFetch } {
  if (blob.isBinary) return { file: { path, text: "", unreadable: binaryFile() } };
  const size = blob.byteSize ?? 0;
  if (size > maxBytes) return { file: { path, text: "", unreadable: tooLarge(size, maxBytes) } };
  if (blob.isTruncated || typeof blob.text !== "string" || mayHaveLostBytes(blob.text)) {
    return { fetch: { path, oid: blob.oid } };
  }
  return { file: { path, text: blob.text } };
}

/** Fragments E0..E<depth>: a tree entry with its blob text or its entries, nested. */
export function treeFragments(depth = treeDepth): string {
  const blob = `... on Blob { ${blobFields} }`;
  const parts: string[] = [];
  for (let level = 0; level <= depth; level++) {
    const inner = level < depth ? ` ... on Tree { entries { ...E${level + 1} } }` : "";
    parts.push(`fragment E${level} on TreeEntry { path type object { ${blob}${inner} } }`);
  }
  return parts.join("\n");
}

interface EntryNode {
  path?: string | null;
  type: string;
  object?: (BlobNode & { entries?: EntryNode[] }) | null;
}

export interface CollectedTree {
  /** Readable files, and files marked unreadable (binary, too large) so they are reported. */
  files: SourceFile[];
  /** Directories at the depth limit, still to fetch. */
  deeper: string[];
  /** Files whose exact bytes must still be read (truncated, or maybe not UTF-8). */
  fetch: BlobToFetch[];
}

/** Flattens the nested entries of one query answer into files, noting what it could not include. */
export function collectEntries(
  entries: (EntryNode | null | undefined)[],
  maxBytes: number,
  into: CollectedTree = { files: [], deeper: [], fetch: [] },
): CollectedTree {
  for (const entry of entries) {
    if (!entry?.path) continue;
    const object = entry.object;
    if (entry.type === "blob") {
      const read = fileFromBlob(entry.path, object ?? {}, maxBytes);
      if ("file" in read) into.files.push(read.file);
      else into.fetch.push(read.fetch);
    } else if (entry.type === "tree") {
      if (object?.entries) collectEntries(object.entries, maxBytes, into);
      else into.deeper.push(entry.path);
    }
  }
  return into;
}
