import { createHash } from "node:crypto";

/** Git objects hashed exactly as git does, so SHAs are stable and comparable with real git. */
export interface Person {
  name: string;
  email: string;
  date: string; // ISO 8601
}

export interface TreeEntry {
  path: string; // one path segment
  mode: "100644" | "100755" | "040000" | "160000" | "120000";
  type: "blob" | "tree" | "commit";
  sha: string;
}

export type GitObject =
  | { type: "blob"; sha: string; content: Buffer }
  | { type: "tree"; sha: string; entries: TreeEntry[] }
  | {
      type: "commit";
      sha: string;
      tree: string;
      parents: string[];
      author: Person;
      committer: Person;
      message: string;
      /** True for commits made through the API as the app: GitHub signs those. */
      verified: boolean;
    };

export type CommitObject = Extract<GitObject, { type: "commit" }>;
export type TreeObject = Extract<GitObject, { type: "tree" }>;
export type BlobObject = Extract<GitObject, { type: "blob" }>;

export const EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

function hashObject(type: string, body: Buffer): string {
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
    .digest("hex");
}

/** Git sorts tree entries by name, comparing directories as if their name ended in "/". */
function sortKey(e: TreeEntry): string {
  return e.type === "tree" ? `${e.path}/` : e.path;
}

function gitTime(iso: string): string {
  return `${Math.floor(Date.parse(iso) / 1000)} +0000`;
}

export class ObjectStore {
  private readonly objects = new Map<string, GitObject>();

  get(sha: string): GitObject | undefined {
    return this.objects.get(sha);
  }

  has(sha: string): boolean {
    return this.objects.has(sha);
  }

  blob(sha: string): BlobObject | undefined {
    const o = this.objects.get(sha);
    return o?.type === "blob" ? o : undefined;
  }

  tree(sha: string): TreeObject | undefined {
    const o = this.objects.get(sha);
    return o?.type === "tree" ? o : undefined;
  }

  commit(sha: string): CommitObject | undefined {
    const o = this.objects.get(sha);
    return o?.type === "commit" ? o : undefined;
  }

  putBlob(content: Buffer | string): string {
    const buf = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    const sha = hashObject("blob", buf);
    if (!this.objects.has(sha)) this.objects.set(sha, { type: "blob", sha, content: buf });
    return sha;
  }

  putTree(entries: TreeEntry[]): string {
    const sorted = [...entries].sort((a, b) =>
      sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0,
    );
    const body = Buffer.concat(
      sorted.flatMap((e) => [
        Buffer.from(`${e.mode === "040000" ? "40000" : e.mode} ${e.path}\0`),
        Buffer.from(e.sha, "hex"),
      ]),
    );
    const sha = hashObject("tree", body);
    if (!this.objects.has(sha)) this.objects.set(sha, { type: "tree", sha, entries: sorted });
    return sha;
  }

  putCommit(c: Omit<CommitObject, "type" | "sha">): string {
    const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`)];
    lines.push(`author ${c.author.name} <${c.author.email}> ${gitTime(c.author.date)}`);
    lines.push(`committer ${c.committer.name} <${c.committer.email}> ${gitTime(c.committer.date)}`);
    const sha = hashObject("commit", Buffer.from(`${lines.join("\n")}\n\n${c.message}`));
    if (!this.objects.has(sha)) this.objects.set(sha, { type: "commit", sha, ...c });
    return sha;
  }

  /** Flattens a tree into path → blob entry (blobs and submodules only). */
  flatten(treeSha: string, prefix = ""): Map<string, TreeEntry> {
    const out = new Map<string, TreeEntry>();
    const tree = this.tree(treeSha);
    if (!tree) return out;
    for (const e of tree.entries) {
      const full = prefix + e.path;
      if (e.type === "tree") for (const [p, sub] of this.flatten(e.sha, `${full}/`)) out.set(p, sub);
      else out.set(full, { ...e, path: full });
    }
    return out;
  }

  /** Every entry (trees too) with full paths, like `GET /git/trees/{sha}?recursive=1`. */
  walk(treeSha: string, prefix = ""): TreeEntry[] {
    const tree = this.tree(treeSha);
    if (!tree) return [];
    return tree.entries.flatMap((e) => {
      const full = { ...e, path: prefix + e.path };
      return e.type === "tree" ? [full, ...this.walk(e.sha, `${full.path}/`)] : [full];
    });
  }

  /** Builds nested trees from flat path → entry (with `path` ignored) and returns the root sha. */
  buildTree(files: Map<string, Omit<TreeEntry, "path">>): string {
    interface Dir {
      files: Map<string, Omit<TreeEntry, "path">>;
      dirs: Map<string, Dir>;
    }
    const root: Dir = { files: new Map(), dirs: new Map() };
    for (const [path, entry] of files) {
      const parts = path.split("/").filter(Boolean);
      const name = parts.pop();
      if (!name) continue;
      let dir = root;
      for (const part of parts) {
        let next = dir.dirs.get(part);
        if (!next) {
          next = { files: new Map(), dirs: new Map() };
          dir.dirs.set(part, next);
        }
        dir = next;
      }
      dir.files.set(name, entry);
    }
    const write = (dir: Dir): string => {
      const entries: TreeEntry[] = [];
      for (const [name, e] of dir.files) entries.push({ path: name, mode: e.mode, type: e.type, sha: e.sha });
      for (const [name, sub] of dir.dirs)
        entries.push({ path: name, mode: "040000", type: "tree", sha: write(sub) });
      return this.putTree(entries);
    };
    return write(root);
  }

  /** Applies path → content (null deletes) on top of a base tree. */
  applyFiles(baseTree: string | undefined, files: Record<string, string | Buffer | null>): string {
    const flat = baseTree ? this.flatten(baseTree) : new Map<string, TreeEntry>();
    for (const [path, content] of Object.entries(files)) {
      if (content === null) flat.delete(path);
      else flat.set(path, { path, mode: "100644", type: "blob", sha: this.putBlob(content) });
    }
    return this.buildTree(flat);
  }

  /** Ancestors of `sha` including itself, newest first (breadth-first over parents). */
  history(sha: string, limit = Number.POSITIVE_INFINITY): CommitObject[] {
    const out: CommitObject[] = [];
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length > 0 && out.length < limit) {
      const next = queue.shift() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      const c = this.commit(next);
      if (!c) continue;
      out.push(c);
      queue.push(...c.parents);
    }
    return out;
  }

  isAncestor(ancestor: string, of: string): boolean {
    return this.history(of).some((c) => c.sha === ancestor);
  }

  /** File-level diff between two trees (either may be absent). */
  diffTrees(baseTree: string | undefined, headTree: string | undefined): FileChange[] {
    const a = baseTree ? this.flatten(baseTree) : new Map<string, TreeEntry>();
    const b = headTree ? this.flatten(headTree) : new Map<string, TreeEntry>();
    const out: FileChange[] = [];
    for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const before = a.get(path);
      const after = b.get(path);
      if (before?.sha === after?.sha) continue;
      const status = !before ? "added" : !after ? "removed" : "modified";
      const oldText = before ? (this.blob(before.sha)?.content.toString("utf8") ?? "") : "";
      const newText = after ? (this.blob(after.sha)?.content.toString("utf8") ?? "") : "";
      out.push({
        filename: path,
        status,
        sha: after?.sha ?? before?.sha ?? "",
        ...unifiedPatch(oldText, newText),
      });
    }
    return out;
  }
}

export interface FileChange {
  filename: string;
  status: "added" | "removed" | "modified";
  sha: string;
  additions: number;
  deletions: number;
  changes: number;
  patch: string;
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** A single-hunk unified patch (GitHub's `patch` field): good enough for line-level assertions. */
export function unifiedPatch(
  oldText: string,
  newText: string,
): { additions: number; deletions: number; changes: number; patch: string } {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // LCS table: files in tests are small, O(n·m) is fine.
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const below = lcs[i + 1] as number[];
    for (let j = m - 1; j >= 0; j--) {
      row[j] =
        a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  // Walk the table into ops; deletions before additions, as git prints them.
  const ops: { op: " " | "-" | "+"; text: string; a: number; b: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ op: " ", text: a[i] as string, a: i++, b: j++ });
    } else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      ops.push({ op: "-", text: a[i] as string, a: i++, b: j });
    } else {
      ops.push({ op: "+", text: b[j] as string, a: i, b: j++ });
    }
  }
  const additions = ops.filter((o) => o.op === "+").length;
  const deletions = ops.filter((o) => o.op === "-").length;
  // Hunks with three lines of context, like `git diff`.
  const CONTEXT = 3;
  const keep = ops.map((_, k) =>
    ops.slice(Math.max(0, k - CONTEXT), k + CONTEXT + 1).some((o) => o.op !== " "),
  );
  const hunks: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if (!keep[k]) {
      k++;
      continue;
    }
    const first = ops[k] as (typeof ops)[number];
    const lines: string[] = [];
    let oldCount = 0;
    let newCount = 0;
    while (k < ops.length && keep[k]) {
      const o = ops[k++] as (typeof ops)[number];
      lines.push(`${o.op}${o.text}`);
      if (o.op !== "+") oldCount++;
      if (o.op !== "-") newCount++;
    }
    const oldStart = oldCount === 0 ? first.a : first.a + 1;
    const newStart = newCount === 0 ? first.b : first.b + 1;
    hunks.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n${lines.join("\n")}`);
  }
  const patch = hunks.join("\n");
  return { additions, deletions, changes: additions + deletions, patch };
}
