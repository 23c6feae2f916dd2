import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Ajv, type ErrorObject } from "ajv";
import type { Log } from "sarif";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/commands/validate.js";

const fixture = "test/testdata/policy/repo";
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tempRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ferry-validate-"));
  temps.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function ferry(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/**
 * The official SARIF 2.1.0 schema (draft-07, $id …/sarif-spec/…/sarif-schema-2.1.0.json). No npm
 * package ships it as a file; test/testdata/sarif-2.1.0.json was extracted verbatim from the
 * JSON literal bundled in the npm tarball of @datadog/datadog-ci-plugin-sarif 5.25.0 (Apache-2.0).
 */
function sarifValidator() {
  const schema = JSON.parse(readFileSync("test/testdata/sarif-2.1.0.json", "utf8")) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The schema's three formats, checked here rather than through another dependency.
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "file:///") && !/\s/.test(s));
  ajv.addFormat("date-time", (s: string) =>
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s),
  );
  return ajv.compile(schema);
}

describe("ferry validate", () => {
  it("exits 1 with errors at file:line:column in text format", async () => {
    const { code, stdout } = await ferry(fixture);
    expect(code).toBe(1);
    expect(stdout).toContain(
      'overlays/production/worker.yaml:14:22: error container "report" image "docker.io/acme/report:latest" uses the latest tag; pin a version [no-latest-tag]',
    );
    expect(stdout).toContain(
      "overlays/production/worker.yaml:19:34: error spec.jobTemplate.spec.template.spec.containers[0].ports[0].containerPort: must be integer [schema]",
    );
    expect(stdout).toContain("overlays/staging/widget.yaml:2:7: notice not validated: unknown kind Widget");
    expect(stdout).toContain("charts/api/templates/deployment.yaml: skipped: Helm chart template");
    expect(stdout).toMatch(
      /7 files checked, 4 errors, 0 warnings, 1 notice \(config: \.github\/ferry\.yml\)\n$/,
    );
  });

  it("applies --env to every file", async () => {
    const { stdout } = await ferry(fixture, "--env", "production", "--format", "json");
    const report = JSON.parse(stdout) as { findings: { file: string; rule: string; severity: string }[] };
    // The staging Widget is now in the strict production environment.
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        file: "overlays/staging/widget.yaml",
        rule: "unknown-kind",
        severity: "error",
      }),
    );
    expect(report.findings.filter((f) => f.rule === "digest-pinned").map((f) => f.file)).toEqual([
      "base/deployment.yaml",
      "overlays/production/worker.yaml",
      // The overlay's images: entry sets a tag but no digest.
      "overlays/staging/kustomization.yaml",
    ]);
  });

  it("exits 0 when only warnings and notices remain, using defaults without ferry.yml", async () => {
    const dir = tempRepo({
      "app/pod.yaml":
        "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n",
      "node_modules/x/bad.yaml": "a: [",
      ".git/config.yaml": "a: [",
    });
    const { code, stdout } = await ferry(dir);
    expect(stdout).toContain('app/pod.yaml:6:7: warning container "a" has no resources');
    expect(stdout).toContain(
      "1 file checked, 0 errors, 2 warnings, 0 notices (config: defaults (no .github/ferry.yml))",
    );
    expect(code).toBe(0);
  });

  it("exits 1 on a malformed YAML file, naming its line", async () => {
    const dir = tempRepo({ "a.yaml": "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n   c: d\n" });
    const { code, stdout } = await ferry(dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^a\.yaml:4:6: error Nested mappings .* \[yaml\]$/m);
  });

  it("exits 1 on an invalid ferry.yml, with the key and line", async () => {
    const dir = tempRepo({
      ".github/ferry.yml": "environments:\n  - name: prod\n    paths: [x]\npolicy:\n  no-latest: error\n",
    });
    const { code, stdout } = await ferry(dir);
    expect(code).toBe(1);
    expect(stdout).toContain('.github/ferry.yml:5:3: error policy: unknown key "no-latest" [config]');
  });

  it.each([
    [["--format", "xml"], "unknown format"],
    [["--bogus"], "Unknown option"],
    [["a", "b"], "at most one directory"],
    [[fixture, "--env", "qa"], 'unknown environment "qa"'],
    [["/nonexistent-ferry-dir"], "is not a directory"],
    [[fixture, "--config", "/nonexistent/ferry.yml"], "not found"],
  ])("exits 2 on a usage error: %j", async (argv, message) => {
    const { code, stderr } = await ferry(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("uses --config instead of the repo's ferry.yml", async () => {
    const dir = tempRepo({
      "ferry.yml":
        "environments: [{ name: x, paths: ['**'] }]\npolicy:\n  no-latest-tag: off\n  allowed-registries: off\n",
    });
    const { stdout } = await ferry(fixture, "--config", join(dir, "ferry.yml"), "--format", "json");
    const report = JSON.parse(stdout) as { findings: { rule: string }[] };
    expect(report.findings.map((f) => f.rule)).not.toContain("no-latest-tag");
    expect(report.findings.map((f) => f.rule)).toContain("schema");
  });

  it("prints SARIF 2.1.0 that validates against the official schema", async () => {
    const { code, stdout } = await ferry(fixture, "--format", "sarif");
    expect(code).toBe(1);
    const log = JSON.parse(stdout) as Log;
    const validate = sarifValidator();
    const valid = validate(log);
    expect(validate.errors as ErrorObject[] | null | undefined).toBeNull();
    expect(valid).toBe(true);
    const runLog = log.runs[0];
    expect(runLog?.tool.driver.name).toBe("Ferry");
    expect(runLog?.tool.driver.rules?.map((r) => r.id)).toEqual(
      expect.arrayContaining(["no-latest-tag", "allowed-registries", "schema", "unknown-kind", "yaml"]),
    );
    expect(runLog?.results).toContainEqual({
      ruleId: "no-latest-tag",
      ruleIndex: 0,
      level: "error",
      message: { text: expect.stringContaining("uses the latest tag") },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: "overlays/production/worker.yaml", uriBaseId: "%SRCROOT%" },
            region: { startLine: 14, startColumn: 22, endLine: 14, endColumn: 50 },
          },
        },
      ],
    });
    expect(runLog?.results?.find((r) => r.ruleId === "unknown-kind")?.level).toBe("note");
  });

  it("the schema check is not vacuous: a broken log fails it", () => {
    const validate = sarifValidator();
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(
      validate({
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "Ferry" } }, results: [{ message: {}, level: "fatal" }] }],
      }),
    ).toBe(false);
  });

  it("runs through the ferry binary's dispatcher", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      "--import",
      "tsx",
      "src/cli.ts",
      "validate",
      fixture,
      "--format",
      "json",
    ]).catch((error: { code: number; stdout: string }) => {
      expect(error.code).toBe(1);
      return error;
    });
    expect((JSON.parse(stdout) as { filesChecked: number }).filesChecked).toBe(7);
  });

  it("copies of the fixture validate the same from another working directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-validate-copy-"));
    temps.push(dir);
    cpSync(fixture, dir, { recursive: true });
    const { code, stdout } = await ferry(dir);
    expect(code).toBe(1);
    expect(stdout).toContain("overlays/production/worker.yaml:14:22:");
  });
});
