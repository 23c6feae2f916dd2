/** Builds Ferry exactly as `npm run build` does, for tests that run the compiled CLI. */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

export const repoRoot = resolve(import.meta.dirname, "..", "..");
const run = promisify(execFile);

/**
 * `<dir>/dist` compiled from src/ with tsconfig.build.json, `<dir>/package.json` and app.yml, and
 * `<dir>/node_modules` linked to the repo's (the runtime stage of the image installs the same
 * production dependencies). Returns `dir`.
 */
export async function buildInto(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  await run(
    process.execPath,
    [tsc, "-p", join(repoRoot, "tsconfig.build.json"), "--outDir", join(dir, "dist")],
    { cwd: repoRoot },
  );
  // What the package and the image ship beside dist/: app registration reads app.yml.
  for (const file of ["package.json", "app.yml"]) await copyFile(join(repoRoot, file), join(dir, file));
  await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * One build per content of src/ and the build settings, shared by every test file (and run) that
 * needs one: node_modules/.cache/ferry-build/<hash>. Tests only read it.
 */
export async function sharedBuild(): Promise<string> {
  const hash = createHash("sha256");
  for (const file of ["package.json", "app.yml", "tsconfig.json", "tsconfig.build.json"]) {
    hash.update(file).update(await readFile(join(repoRoot, file)));
  }
  const sources = (await readdir(join(repoRoot, "src"), { recursive: true })).sort();
  for (const file of sources) {
    const path = join(repoRoot, "src", file);
    if (file.endsWith(".ts")) hash.update(file).update(await readFile(path));
  }
  const cache = join(repoRoot, "node_modules", ".cache", "ferry-build");
  const dir = join(cache, hash.digest("hex").slice(0, 16));
  if (existsSync(dir)) return dir;
  // Build beside it and rename: a parallel worker sees the whole build or none.
  const staging = `${dir}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await buildInto(staging);
  try {
    await rename(staging, dir);
  } catch {
    await rm(staging, { recursive: true, force: true }); // another worker finished first
  }
  return dir;
}
