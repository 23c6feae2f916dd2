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

  /** The entry at `path` (a file or directory) under a tree, walking one segment at a time. */
  lookup(treeSha: string, path: string): TreeEntry | undefined {
    let entry: TreeEntry | undefined;
    let tree = treeSha;
    for (const part of path.split("/").filter(Boolean)) {
      entry = this.tree(tree)?.entries.find((e) => e.path === part);
      if (!entry) return undefined;
      tree = entry.sha;
    }
    return entry ? { ...entry, path } : undefined;
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
  history(sha: string, limit = Number.POSITIVE_INFINITY, stopAt?: string): CommitObject[] {
    const out: CommitObject[] = [];
    const seen = new Set<string>([sha]);
    const queue = [sha];
    for (let i = 0; i < queue.length && out.length < limit; i++) {
      const c = this.commit(queue[i] as string);
      if (!c) continue;
      out.push(c);
      if (c.sha === stopAt) break;
      for (const p of c.parents) {
        if (!seen.has(p)) {
          seen.add(p);
          queue.push(p);
        }
      }
    }
    return out;
  }

  isAncestor(ancestor: string, of: string): boolean {
    return this.history(of, Number.POSITIVE_INFINITY, ancestor).some((c) => c.sha === ancestor);
  }

  /** Objects are immutable, so diffs between two trees can be cached (pages of a 3,000-file PR). */
  private readonly diffs = new Map<string, FileChange[]>();

  diffTrees(baseTree: string | undefined, headTree: string | undefined): FileChange[] {
    const key = `${baseTree ?? ""}..${headTree ?? ""}`;
    let cached = this.diffs.get(key);
    if (!cached) {
      cached = this.computeDiff(baseTree, headTree);
      this.diffs.set(key, cached);
    }
    return cached;
  }

  private computeDiff(baseTree: string | undefined, headTree: string | undefined): FileChange[] {
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
  const n = a.length;
  const m = b.length;
  // Common prefix and suffix are context; the LCS only runs on the changed middle.
  let pre = 0;
  while (pre < n && pre < m && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < n - pre && suf < m - pre && a[n - 1 - suf] === b[m - 1 - suf]) suf++;
  const ops: { op: " " | "-" | "+"; text: string; a: number; b: number }[] = [];
  for (let k = 0; k < pre; k++) ops.push({ op: " ", text: a[k] as string, a: k, b: k });
  const ma = a.slice(pre, n - suf);
  const mb = b.slice(pre, m - suf);
  if (ma.length * mb.length > 4_000_000) {
    // Too big for a table: replace the middle wholesale (still a valid patch).
    for (const [k, text] of ma.entries()) ops.push({ op: "-", text, a: pre + k, b: pre });
    for (const [k, text] of mb.entries()) ops.push({ op: "+", text, a: pre + ma.length, b: pre + k });
  } else {
    const lcs: number[][] = Array.from({ length: ma.length + 1 }, () =>
      new Array<number>(mb.length + 1).fill(0),
    );
    for (let i = ma.length - 1; i >= 0; i--) {
      const row = lcs[i] as number[];
      const below = lcs[i + 1] as number[];
      for (let j = mb.length - 1; j >= 0; j--) {
        row[j] =
          ma[i] === mb[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
      }
    }
    // Walk the table; deletions before additions, as git prints them.
    let i = 0;
    let j = 0;
    while (i < ma.length || j < mb.length) {
      if (i < ma.length && j < mb.length && ma[i] === mb[j]) {
        ops.push({ op: " ", text: ma[i] as string, a: pre + i++, b: pre + j++ });
      } else if (i < ma.length && (j >= mb.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
        ops.push({ op: "-", text: ma[i] as string, a: pre + i++, b: pre + j });
      } else {
        ops.push({ op: "+", text: mb[j] as string, a: pre + i, b: pre + j++ });
      }
    }
  }
  for (let k = 0; k < suf; k++)
    ops.push({ op: " ", text: a[n - suf + k] as string, a: n - suf + k, b: m - suf + k });
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
