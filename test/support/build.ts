/** Builds Ferry exactly as `npm run build` does, into a folder of the test's choosing. */
import { execFile } from "node:child_process";
import { copyFile, mkdir, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

export const repoRoot = resolve(import.meta.dirname, "..", "..");
const run = promisify(execFile);

/**
 * `<dir>/dist` compiled from src/ with tsconfig.build.json, `<dir>/package.json`, and
 * `<dir>/node_modules` linked to the repo's (the runtime stage of the image installs the same
 * production dependencies). Returns `dir`.
 */
export async function buildInto(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  await run(
    process.execPath,
    [tsc, "-p", join(repoRoot, "tsconfig.build.json"), "--outDir", join(dir, "dist")],
    {
      cwd: repoRoot,
    },
  );
  await copyFile(join(repoRoot, "package.json"), join(dir, "package.json"));
  await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}
