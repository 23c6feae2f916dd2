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

/** Fragments E0..E<depth>: a tree entry with its blob text or its entries, nested. */
export function treeFragments(depth = treeDepth): string {
  const blob = "... on Blob { text isBinary isTruncated byteSize }";
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
  object?: {
    text?: string | null;
    isBinary?: boolean | null;
    isTruncated?: boolean;
    byteSize?: number;
    entries?: EntryNode[];
  } | null;
}

export interface CollectedTree {
  files: SourceFile[];
  /** Directories at the depth limit, still to fetch. */
  deeper: string[];
  /** Files GraphQL returned truncated (very large): fetch through REST if needed. */
  truncated: string[];
}

/** Flattens the nested entries of one query answer into files, noting what it could not include. */
export function collectEntries(
  entries: (EntryNode | null | undefined)[],
  into: CollectedTree = { files: [], deeper: [], truncated: [] },
): CollectedTree {
  for (const entry of entries) {
    if (!entry?.path) continue;
    const object = entry.object;
    if (entry.type === "blob") {
      if (object?.isBinary) continue;
      if (object?.isTruncated) into.truncated.push(entry.path);
      else if (typeof object?.text === "string") into.files.push({ path: entry.path, text: object.text });
    } else if (entry.type === "tree") {
      if (object?.entries) collectEntries(object.entries, into);
      else into.deeper.push(entry.path);
    }
  }
  return into;
}
