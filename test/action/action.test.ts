/**
 * action.yml as a runner executes it: the `validate` step's script run by bash with the step's
 * `env:` (each `${{ inputs.x }}` replaced by what a workflow passes, or the input's default),
 * GITHUB_* files, and `ferry` on PATH — here the build of dist/ standing in for the install step.
 */
import { execFile } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot, sharedBuild } from "../support/build.js";

const exec = promisify(execFile);

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string; description: string }>;
  runs: { using: string; steps: Step[] };
}

let work: string;
let binDir: string;
let action: Action;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ferry-action-"));
  const app = await sharedBuild();
  binDir = join(work, "bin");
  await mkdir(binDir);
  await writeFile(
    join(binDir, "ferry"),
    `#!/bin/sh\nexec "${process.execPath}" "${join(app, "dist", "cli.js")}" "$@"\n`,
  );
  await chmod(join(binDir, "ferry"), 0o755);
  action = parse(await readFile(join(repoRoot, "action.yml"), "utf8")) as Action;
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

/** `${{ inputs.name }}` → the workflow's `with:` value or the default; any other expression fails. */
function evaluate(value: string, given: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    const name = /^inputs\.([\w-]+)$/.exec(expression)?.[1];
    if (name === undefined) throw new Error(`the test does not evaluate \${{ ${expression} }}`);
    const declared = action.inputs[name];
    if (declared === undefined) throw new Error(`action.yml uses undeclared input ${name}`);
    return given[name] ?? declared.default ?? "";
  });
}

async function runValidateStep(workspace: string, given: Record<string, string> = {}) {
  const step = action.runs.steps.find((s) => s.id === "validate");
  if (step?.run === undefined) throw new Error("action.yml has no validate step");
  const output = join(work, `output-${Date.now()}`);
  const summary = join(work, `summary-${Date.now()}`);
  await writeFile(output, "");
  await writeFile(summary, "");
  const env: Record<string, string> = {
    PATH: `${binDir}:${process.env.PATH ?? ""}`,
    GITHUB_ACTION_PATH: repoRoot,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
  };
  for (const [name, value] of Object.entries(step.env ?? {})) env[name] = evaluate(value, given);
  let code = 0;
  let stdout = "";
  try {
    // GitHub's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
    ({ stdout } = await exec("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
      cwd: workspace,
      env,
    }));
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    code = failed.code;
    stdout = failed.stdout;
  }
  const outputs = Object.fromEntries(
    (await readFile(output, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("=", 2) as [string, string]),
  );
  return { code, stdout, outputs, summary: await readFile(summary, "utf8") };
}

/** A workspace holding the example config repo under `deploy/`; broken adds a pod on :latest. */
async function workspace(broken: boolean): Promise<string> {
  const dir = await mkdtemp(join(work, "workspace-"));
  await cp(join(repoRoot, "examples", "config-repo"), join(dir, "deploy"), { recursive: true });
  if (broken) await writeFile(join(dir, "deploy", "overlays", "production", "debug.yaml"), debugPod);
  return dir;
}

const debugPod = `apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  securityContext: { runAsNonRoot: true }
  containers:
    - name: debug
      image: ghcr.io/acme/api:latest
      resources:
        requests: { cpu: 10m, memory: 16Mi }
        limits: { cpu: 100m, memory: 64Mi }
`;

describe("action.yml", () => {
  it("is a composite action whose default version is this package's", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
      version: string;
    };
    expect(action.runs.using).toBe("composite");
    expect(action.inputs.version?.default).toBe(version);
    expect(action.runs.steps.some((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"))).toBe(
      true,
    );
  });

  it("errors: annotations on the lines, SARIF with repository paths, outputs, and a failed step", async () => {
    const dir = await workspace(true);
    const result = await runValidateStep(dir, { path: "deploy" });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^::error file=deploy\/overlays\/production\/debug\.yaml,line=\d+,col=\d+,title=Ferry%3A no-latest-tag::/m,
    );
    expect(result.outputs).toEqual({ errors: "1", "sarif-file": join(dir, "ferry.sarif") });
    const sarif = JSON.parse(await readFile(join(dir, "ferry.sarif"), "utf8"));
    const finding = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === "no-latest-tag");
    expect(finding.locations[0].physicalLocation.artifactLocation.uri).toBe(
      "deploy/overlays/production/debug.yaml",
    );
    expect(result.summary).toContain("1 errors");
  });

  it("passes with fail-on-error: false, and on a clean repo", async () => {
    const broken = await runValidateStep(await workspace(true), { path: "deploy", "fail-on-error": "false" });
    expect(broken).toMatchObject({ code: 0, outputs: { errors: "1" } });
    const dir = await workspace(false);
    const clean = await runValidateStep(dir, { path: "deploy", "sarif-file": "reports/ferry.sarif" });
    expect(clean).toMatchObject({ code: 0, outputs: { errors: "0" } });
    expect(JSON.parse(await readFile(join(dir, "reports", "ferry.sarif"), "utf8")).runs[0].results).toEqual(
      [],
    );
  });

  it("a usage error (an environment ferry.yml lacks) fails the step with ferry's message", async () => {
    const result = await runValidateStep(await workspace(false), { path: "deploy", environment: "qa" });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("::error::ferry validate stopped with exit status 2");
  });
});
