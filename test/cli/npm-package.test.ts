/**
 * The npm package as a config repo's CI gets it: `npm pack` (prepack builds dist/), the tarball
 * installed into an empty folder with production dependencies only, then the `ferry` bin run from
 * there — no tsx, no TypeScript, no repository. The slowest test: it installs from the registry.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/build.js";

const exec = promisify(execFile);
let work: string;
let installDir: string;
let packed: { name: string; version: string; filename: string; files: { path: string }[] };

/** The environment without npm's own variables (a test may itself run under `npm test`). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.toLowerCase().startsWith("npm_")) env[key] = value;
  }
  // The Node the tests run on (22) first, so `#!/usr/bin/env node` finds it as a user's would.
  env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ""}`;
  return env;
}

async function npm(args: string[], cwd: string) {
  return exec("npm", args, { cwd, env: cleanEnv(), maxBuffer: 32 * 1024 * 1024, timeout: 300_000 });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ferry-package-"));
  // A copy of what `npm pack` reads, so its prepack build leaves the checkout's dist/ alone.
  const source = join(work, "source");
  await mkdir(source);
  for (const entry of [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.build.json",
    "src",
    "docs",
    "app.yml",
    "README.md",
  ]) {
    await cp(join(repoRoot, entry), join(source, entry), { recursive: true });
  }
  await symlink(join(repoRoot, "node_modules"), join(source, "node_modules"), "dir");
  const { stdout } = await npm(["pack", "--json", "--pack-destination", work], source);
  packed = (JSON.parse(stdout) as (typeof packed)[])[0] as typeof packed;
  installDir = join(work, "consumer");
  await mkdir(installDir);
  // --prefer-offline: cached metadata is fine for a test; a cold cache still fetches.
  await npm(
    ["install", join(work, packed.filename), "--no-audit", "--no-fund", "--omit=dev", "--prefer-offline"],
    installDir,
  );
}, 600_000);

afterAll(() => rm(work, { recursive: true, force: true }));

async function ferry(args: string[]) {
  const bin = join(installDir, "node_modules", ".bin", "ferry");
  try {
    const { stdout } = await exec(bin, args, { cwd: installDir, env: cleanEnv(), timeout: 60_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string };
    return { code: failed.code ?? -1, stdout: `${failed.stdout}${failed.stderr}` };
  }
}

describe("the npm package", () => {
  it("is scoped, public, and holds only the compiled CLI, app.yml and the docs it names", () => {
    expect(packed.name).toBe("@ferry-gitops/ferry");
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain("dist/cli.js");
    const allowed = /^(package\.json|README\.md|app\.yml|docs\/(cli\.md|ferry\.schema\.json)|dist\/.+\.js)$/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
  });

  it("installs with production dependencies only: no tsx, no TypeScript", async () => {
    const installed = await readdir(join(installDir, "node_modules"));
    expect(installed).not.toContain("tsx");
    expect(installed).not.toContain("typescript");
    expect(installed).not.toContain("vitest");
  });

  it("ferry --version runs from the installed bin", async () => {
    expect(await ferry(["--version"])).toEqual({ code: 0, stdout: `${packed.version}\n` });
  });

  it("ferry validate and ferry plan work on a config repo checkout", async () => {
    const repo = join(work, "config-repo");
    await cp(join(repoRoot, "examples", "config-repo"), repo, { recursive: true });
    const validated = await ferry(["validate", repo]);
    expect(validated.stdout).toMatch(/\d+ files checked, 0 errors/);
    expect(validated.code).toBe(0);
    const sarif = await ferry(["validate", repo, "--format", "sarif"]);
    expect(JSON.parse(sarif.stdout)).toMatchObject({ version: "2.1.0" });
    const planned = await ferry(["plan", "--image", "ghcr.io/acme/api:1.5.0", "--env", "staging", repo]);
    expect(planned.stdout).toContain("overlays/staging/kustomization.yaml:12");
    expect(planned.stdout).toContain("+    newTag: 1.5.0");
    expect(planned.code).toBe(0);
  });
});
