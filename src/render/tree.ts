import { posix } from "node:path";
import type { Finding } from "../findings.js";

/** One file of a commit's tree: its text, or, for a symbolic link, where it points. */
export type TreeFile = { path: string; text: string } | { path: string; symlink: string };

/**
 * Whether `path` is a plain relative path inside the repo: no leading `/`, no `.` or `..`
 * segment, no empty segment, no NUL, nothing under `.git`.
 */
export function isSafeRepoPath(path: string): boolean {
  if (path === "" || path.includes("\u0000") || path.startsWith("/")) return false;
  const segments = path.split("/");
  return segments.every((s) => s !== "" && s !== "." && s !== "..") && segments[0] !== ".git";
}

/**
 * `path` joined to the directory `dir` (both repo-relative), or undefined when the result
 * leaves the repo (`../../etc`) or is absolute.
 */
export function resolveInRepo(dir: string, path: string): string | undefined {
  if (path.startsWith("/") || path.includes("\u0000")) return undefined;
  const joined = posix.normalize(posix.join(dir === "" ? "." : dir, path));
  if (joined === ".") return "";
  if (joined === ".." || joined.startsWith("../") || joined.startsWith("/")) return undefined;
  return joined.replace(/\/$/, "");
}

/**
 * The files as regular files: a link to a file inside the repo becomes a copy of it (links
 * to links followed up to 8 times); a link out of the repo, to a directory or to nothing is
 * refused with a finding, as is any unsafe path.
 */
export function resolveSymlinks(files: readonly TreeFile[]): {
  files: { path: string; text: string }[];
  refused: Finding[];
} {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const out: { path: string; text: string }[] = [];
  const refused: Finding[] = [];
  const refuse = (path: string, message: string) =>
    refused.push({ file: path, line: 1, column: 1, severity: "error", rule: "render-sandbox", message });
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) continue;
    seen.add(file.path);
    if (!isSafeRepoPath(file.path)) {
      refuse(file.path, `path "${file.path}" is not a plain path inside the repository; not written`);
      continue;
    }
    if ("text" in file) {
      out.push({ path: file.path, text: file.text });
      continue;
    }
    let current: TreeFile | undefined = file;
    let hops = 0;
    while (current !== undefined && "symlink" in current && hops++ < 8) {
      const target = resolveInRepo(posix.dirname(current.path), current.symlink);
      if (target === undefined) {
        current = undefined;
        break;
      }
      current = byPath.get(target);
    }
    if (current === undefined || !("text" in current)) {
      refuse(
        file.path,
        `symbolic link "${file.path}" → "${file.symlink}" points outside the repository or at nothing Ferry read; not followed`,
      );
      continue;
    }
    out.push({ path: file.path, text: current.text });
  }
  return { files: out, refused };
}
