import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../../src/commands/plan.js";

const example = new URL("../../examples/config-repo/", import.meta.url).pathname;
const kustomizeHelm = new URL("../testdata/repos/kustomize-helm/", import.meta.url).pathname;
const digest = `sha256:${"d".repeat(64)}`;

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scratch copy of a sample repo, so --write never touches the checked-in one. */
function copy(repo: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ferry-plan-"));
  temps.push(dir);
  cpSync(repo, dir, { recursive: true });
  return dir;
}

async function plan(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("ferry plan on examples/config-repo", () => {
  it("lists references file:line old → new and prints the diff; exit 0", async () => {
    const before = readFileSync(join(example, "overlays/staging/kustomization.yaml"), "utf8");
    const { code, stdout } = await plan("--image", "ghcr.io/acme/api:1.4.2", "--env", "staging", example);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "overlays/staging/kustomization.yaml:12  kustomize-images  images[0]  1.4.1 → 1.4.2",
    );
    expect(stdout).toContain(
      "overlays/staging/worker-release.yaml:21  helmrelease-values  spec.values.image  1.4.1 → 1.4.2",
    );
    expect(stdout).toContain(
      "--- a/overlays/staging/kustomization.yaml\n+++ b/overlays/staging/kustomization.yaml\n",
    );
    expect(stdout).toContain(
      "-    newTag: 1.4.1 # Ferry rewrites this tag\n+    newTag: 1.4.2 # Ferry rewrites this tag\n",
    );
    expect(stdout).not.toContain("overlays/production");
    expect(stdout).toContain("2 references in 2 files to change");
    // A plan reads, never writes.
    expect(readFileSync(join(example, "overlays/staging/kustomization.yaml"), "utf8")).toBe(before);
  });

  it("--json gives the same plan for machines", async () => {
    const { code, stdout } = await plan(
      "--json",
      "--image",
      "ghcr.io/acme/api:1.4.2",
      "--env",
      "staging",
      example,
    );
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({
      app: "api",
      environment: "staging",
      target: { tag: "1.4.2" },
      alreadyCurrent: false,
    });
    expect(json.changes.map((c: { path: string }) => c.path)).toEqual([
      "overlays/staging/kustomization.yaml",
      "overlays/staging/worker-release.yaml",
    ]);
    expect(json.changes[0].references).toEqual([
      { line: 12, from: "1.4.1", to: "1.4.2", kind: "kustomize-images", path: "images[0]" },
    ]);
    expect(json.changes[0].diff).toContain("+    newTag: 1.4.2");
    expect(json.findings).toEqual([]);
  });

  it("--write applies exactly the diff; a second plan then has nothing to do (exit 3)", async () => {
    const dir = copy(example);
    const original = readFileSync(join(dir, "overlays/staging/worker-release.yaml"), "utf8");
    expect((await plan("--write", "--image", "ghcr.io/acme/api:1.4.2", "--env", "staging", dir)).code).toBe(
      0,
    );
    expect(readFileSync(join(dir, "overlays/staging/worker-release.yaml"), "utf8")).toBe(
      original.replace('tag: "1.4.1"', 'tag: "1.4.2"'),
    );
    const again = await plan("--image", "ghcr.io/acme/api:1.4.2", "--env", "staging", dir);
    expect(again.code).toBe(3);
    expect(again.stdout).toContain("Nothing to change");
  });

  it("refuses a prerelease for production with the reason; exit 1", async () => {
    const { code, stdout } = await plan(
      "--image",
      "ghcr.io/acme/api:1.5.0-rc.1",
      "--env",
      "production",
      example,
    );
    expect(code).toBe(1);
    expect(stdout).toContain(
      '.github/ferry.yml:1:1: error production: tag "1.5.0-rc.1" is a prerelease, and this environment does not allow prereleases [tag-rules]',
    );
    expect(stdout).not.toContain("+++");
  });

  it.each([
    [["--env", "staging"], "--image is required"],
    [["--image", "ghcr.io/acme/api:1.4.2"], "--env is required"],
    [["--image", "ghcr.io/acme/api:1.4.2", "--env", "qa"], 'unknown environment "qa"'],
    [["--image", "ghcr.io/acme/api", "--env", "staging"], "has no tag"],
    [["--image", "ghcr.io/acme/web:1.0.0", "--env", "staging"], "no app in ferry.yml has image"],
    [["--image", "ghcr.io/Acme/api:1", "--env", "staging"], "invalid image reference"],
    [["--bogus"], "Unknown option"],
  ])("usage error %j → exit 2", async (args, message) => {
    const { code, stderr } = await plan(...args, example);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain("usage: ferry plan");
  });

  it("reports a broken file with file:line:column, leaves it alone, and exits 1", async () => {
    const dir = copy(example);
    const broken = "image:\n  repository: ghcr.io/acme/api\n  tag: [1.4.1\n";
    writeFileSync(join(dir, "overlays/staging/broken-values.yaml"), broken);
    const { code, stdout } = await plan(
      "--write",
      "--image",
      "ghcr.io/acme/api:1.4.2",
      "--env",
      "staging",
      dir,
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/overlays\/staging\/broken-values\.yaml:4:1: error .* \[yaml\]/);
    expect(readFileSync(join(dir, "overlays/staging/broken-values.yaml"), "utf8")).toBe(broken);
  });
});

describe("ferry plan on a kustomize + Helm + Argo CD repo", () => {
  it("rewrites kustomize, a values file with a BOM and an Argo CD values string, keeping CRLF", async () => {
    const dir = copy(kustomizeHelm);
    const { code, stdout } = await plan("--write", "--image", "ghcr.io/acme/api:1.4.2", "--env", "dev", dir);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "argocd/dev-api.yaml:15  argocd-helm-values  spec.source.helm.values.worker.image  1.4.1 → 1.4.2",
    );
    expect(readFileSync(join(dir, "apps/api/overlays/dev/kustomization.yaml"))).toEqual(
      Buffer.from("resources:\r\n- ../../base\r\nimages:\r\n- name: ghcr.io/acme/api\r\n  newTag: 1.4.2\r\n"),
    );
    expect(readFileSync(join(dir, "charts/api/values-dev.yaml"))).toEqual(
      Buffer.from(
        '\ufeff# dev values (with a BOM)\nimage:\n  registry: ghcr.io\n  repository: acme/api\n  tag: "1.4.2"\n',
      ),
    );
  });

  it("digest: required — refused without a digest, pinned with one, entry added where missing", async () => {
    const refused = await plan("--image", "ghcr.io/acme/api:1.4.2", "--env", "prod", kustomizeHelm);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("[digest-required]");

    const dir = copy(kustomizeHelm);
    const { code, stdout } = await plan(
      "--write",
      "--image",
      `ghcr.io/acme/api:1.4.2@${digest}`,
      "--env",
      "prod",
      dir,
    );
    expect(code).toBe(0);
    expect(stdout).toContain(`images  (none) → 1.4.2@${digest} (entry added)`);
    expect(readFileSync(join(dir, "apps/api/overlays/prod/kustomization.yaml"), "utf8")).toBe(
      `# prod has no images: entry yet; addToKustomization makes Ferry add one\nresources:\n- ../../base\nimages:\n- name: ghcr.io/acme/api\n  newTag: 1.4.2\n  digest: ${digest}\n`,
    );
    expect(readFileSync(join(dir, "charts/api/values-prod.yaml"), "utf8")).toContain(
      `  tag: "1.4.2"\n  digest: "${digest}" # filled by Ferry`,
    );
    expect(readFileSync(join(dir, "argocd/prod-api.yaml"), "utf8")).toContain(
      `{name: worker.image.digest, value: "${digest}"}`,
    );
    // --digest is the same as @digest in --image
    const again = await plan("--image", "ghcr.io/acme/api:1.4.2", "--digest", digest, "--env", "prod", dir);
    expect(again.code).toBe(3);
  });
});
