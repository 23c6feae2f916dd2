import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ferryYml, prManifest } from "../../bench/support/config-repo.js";
import { run } from "../../src/commands/validate.js";
import { parseFerryConfig } from "../../src/config/load.js";
import { kustomizePatchPaths } from "../../src/manifests/validate-kustomization.js";
import { kustomizationDocuments, type ManifestFile, validateFiles } from "../../src/policy/engine.js";
import { renderSarif } from "../../src/policy/render-sarif.js";
import { createOffLoop } from "../../src/workers/pool.js";

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function readTree(dir: string): ManifestFile[] {
  const files: ManifestFile[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const full = join(at, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.push({ path: relative(dir, full), text: readFileSync(full, "utf8") });
    }
  };
  walk(dir);
  return files;
}

/**
 * 1,200 manifests of a large PR, plus files whose meaning depends on files in another worker's
 * share: an untagged Deployment first whose kustomization.yaml (last) sets its tag, a Helm chart
 * template first whose Chart.yaml comes last, and a kustomize patch first listed by a last
 * kustomization.yaml.
 */
function generatedRepo(): Record<string, string> {
  const files: Record<string, string> = {
    ".github/ferry.yml": ferryYml,
    "envs/staging/aa-first/deployment.yaml":
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: first }\nspec:\n  selector: { matchLabels: { app: first } }\n  template:\n    metadata: { labels: { app: first } }\n    spec:\n      containers:\n        - name: first\n          image: ghcr.io/acme/first\n",
    "envs/staging/aa-chart/templates/deployment.yaml": "broken: [unclosed\n",
    "envs/staging/aa-patch/replicas.yaml":
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: first }\nspec: { replicas: 5 }\n",
  };
  for (let i = 0; i < 1200; i++) {
    const { path, text } = prManifest(i, 2);
    files[path] = text;
  }
  files["envs/staging/zz-last/kustomization.yaml"] =
    "resources: [../aa-first/deployment.yaml]\nimages:\n  - name: ghcr.io/acme/first\n    newTag: 1.2.3\n";
  files["envs/staging/zz-last/Chart.yaml"] = "";
  files["envs/staging/zz-patch/kustomization.yaml"] =
    "resources: [../aa-first]\npatches:\n  - path: ../aa-patch/replicas.yaml\n";
  files["envs/staging/aa-chart/Chart.yaml"] = "apiVersion: v2\nname: chart\nversion: 1.0.0\n";
  return files;
}

function writeRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ferry-pool-"));
  temps.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("validation on worker threads gives the same findings as on one thread", () => {
  it.each([
    ["examples/config-repo", false],
    ["test/testdata/policy/repo", true],
  ])("%s: the same SARIF", async (dir, hasFindings) => {
    const files = readTree(dir).filter((f) => !f.path.startsWith(".github/"));
    const config = parseFerryConfig(readFileSync(join(dir, ".github/ferry.yml"), "utf8"));
    if (!config.ok) throw new Error(`${dir} has an invalid ferry.yml`);
    // One file per task: every relation between files crosses from one task to another.
    const pool = createOffLoop({ threads: 2, filesPerTask: 1 });
    try {
      const inThread = await validateFiles({ files, config: config.value });
      const progress: number[] = [];
      const pooled = await pool.validate({ files, config: config.value }, (done) => progress.push(done));
      expect(inThread.findings.length > 0).toBe(hasFindings);
      expect(renderSarif(pooled.findings)).toEqual(renderSarif(inThread.findings));
      expect(pooled.filesChecked).toBe(inThread.filesChecked);
      expect(pooled.skipped).toEqual(inThread.skipped);
      expect(progress.at(-1)).toBe(files.length);
    } finally {
      await pool.close();
    }
  });

  it("a generated 1,200-file repo through `ferry validate --format sarif`: the same output with 2 threads and 0", async () => {
    const dir = writeRepo(generatedRepo());
    const ferry = async (threads: string) => {
      let stdout = "";
      const code = await run([dir, "--format", "sarif", "--threads", threads], {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stdout += t),
      });
      return { code, stdout };
    };
    const one = await ferry("0");
    const two = await ferry("2");
    expect(two).toEqual(one);
    expect(one.code).toBe(1);
    const results = (
      JSON.parse(one.stdout) as { runs: { results: { ruleId: string; locations: unknown[] }[] }[] }
    ).runs[0]?.results;
    expect(results?.length).toBeGreaterThan(50);
    // The kustomization in another share sets the tag; the chart template is skipped.
    expect(one.stdout).not.toContain("has no tag");
    expect(JSON.stringify(results)).not.toContain("aa-chart");
  });

  it("the shares see the files of the others: without them, the result would differ", async () => {
    const files = Object.entries(generatedRepo())
      .filter(([path]) => !path.startsWith(".github/"))
      .map(([path, text]) => ({ path, text }));
    const config = parseFerryConfig(ferryYml);
    if (!config.ok) throw new Error("invalid bench ferry.yml");
    const first = files.filter(
      (f) => f.path.startsWith("envs/staging/aa-") && !f.path.endsWith("Chart.yaml"),
    );
    const alone = await validateFiles({ files: first, config: config.value });
    const rest = files.filter((f) => !first.includes(f));
    const paths = rest.map((f) => f.path);
    const siblings = {
      paths,
      patches: [...kustomizePatchPaths(rest.filter((f) => f.path.endsWith("kustomization.yaml")))],
      kustomizations: kustomizationDocuments(rest, new Set(paths)).flatMap((f) => f.documents),
    };
    const withSiblings = await validateFiles({ files: first, config: config.value, siblings });
    const found = (report: typeof alone) => report.findings.map((f) => `${f.file} ${f.rule}`);
    expect(found(alone)).toContain("envs/staging/aa-first/deployment.yaml no-latest-tag");
    expect(found(alone)).toContain("envs/staging/aa-chart/templates/deployment.yaml yaml");
    expect(found(withSiblings)).not.toContain("envs/staging/aa-first/deployment.yaml no-latest-tag");
    expect(found(withSiblings)).not.toContain("envs/staging/aa-chart/templates/deployment.yaml yaml");
    expect(found(alone)).toContain("envs/staging/aa-patch/replicas.yaml schema");
    expect(found(withSiblings)).not.toContain("envs/staging/aa-patch/replicas.yaml schema");
    expect(withSiblings.skipped.map((s) => s.path)).toEqual([
      "envs/staging/aa-chart/templates/deployment.yaml",
    ]);
  });
});
