import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Finding } from "../findings.js";
import { resolveSymlinks, type TreeFile } from "./tree.js";

/** A temp folder holding one side (base or head) of the repo, and an empty home for the tools. */
export interface Sandbox {
  /** The repo's files, written as regular files only. */
  repo: string;
  /** HOME, kubeconfig, Helm's directories and scratch files of the tools: empty at the start. */
  home: string;
  /** Files not written: paths that leave the repo, symbolic links pointing out of it. */
  refused: Finding[];
}

/**
 * Writes `files` into a fresh temp folder, runs `work` and removes the folder whatever happens.
 * Nothing but regular files is created: a symbolic link inside the repo becomes a copy of its
 * target, one pointing outside it (or at nothing) is refused, so no tool can follow a link out.
 */
export async function withSandbox<T>(
  files: readonly TreeFile[],
  work: (sandbox: Sandbox) => Promise<T>,
  needed: (path: string) => boolean = () => true,
): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), "ferry-render-"));
  try {
    const repo = join(root, "repo");
    const home = join(root, "home");
    await mkdir(join(home, "bin"), { recursive: true });
    await mkdir(repo);
    // Links resolve against the whole tree; only the files the renders read are written.
    const all = resolveSymlinks(files);
    const resolved = all.files.filter((f) => needed(f.path));
    const refused = all.refused.filter((f) => needed(f.file));
    const dirs = new Set<string>();
    for (const file of resolved) dirs.add(dirname(join(repo, file.path)));
    for (const dir of dirs) await mkdir(dir, { recursive: true });
    for (const file of resolved) await writeFile(join(repo, file.path), file.text, { flag: "wx" });
    return await work({ repo, home, refused });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
