import { describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";
import type { FerryConfig } from "../../src/config/schema.js";
import { planUpdate } from "../../src/promotion/plan-update.js";

const digest = `sha256:${"c".repeat(64)}`;

function config(extra = ""): FerryConfig {
  const parsed = parseFerryConfig(`environments:
  - name: staging
    paths: [overlays/staging/**]
  - name: production
    paths: [overlays/production/**]
    after: staging
    tags: { semver: ">=1.0.0", prerelease: false }
    digest: required
apps:
  - name: api
    image: ghcr.io/acme/api
${extra}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const kustomization = (tag: string) =>
  `resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/api\n    newTag: ${tag}\n`;

const files = [
  {
    path: "base/deployment.yaml",
    text: "kind: Deployment\napiVersion: apps/v1\nspec:\n  template:\n    spec:\n      containers:\n        - image: ghcr.io/acme/api:1.0.0\n",
  },
  { path: "overlays/staging/kustomization.yaml", text: kustomization("1.4.1") },
  { path: "overlays/production/kustomization.yaml", text: kustomization("1.4.0") },
];

function plan(
  env: "staging" | "production",
  target: { tag: string; digest?: string },
  cfg = config(),
  input = files,
) {
  const environment = cfg.environments.find((e) => e.name === env);
  const app = cfg.apps[0];
  if (!environment || !app) throw new Error("bad config");
  return planUpdate({ files: input, environment, app, target });
}

describe("planUpdate", () => {
  it("changes only the files under the environment's paths", () => {
    const result = plan("staging", { tag: "1.4.2" });
    expect(result.findings).toEqual([]);
    expect(result.alreadyCurrent).toBe(false);
    expect(result.changes).toEqual([
      {
        path: "overlays/staging/kustomization.yaml",
        before: kustomization("1.4.1"),
        after: kustomization("1.4.2"),
        references: [{ line: 5, from: "1.4.1", to: "1.4.2", kind: "kustomize-images", path: "images[0]" }],
      },
    ]);
    expect(result.references.map((r) => r.file)).toEqual(["overlays/staging/kustomization.yaml"]);
  });

  it("enforces digest: required — no digest, no change", () => {
    const result = plan("production", { tag: "1.4.2" });
    expect(result.changes).toEqual([]);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ rule: "digest-required", file: ".github/ferry.yml", severity: "error" }),
    );
    expect(result.alreadyCurrent).toBe(false);
  });

  it("pins the digest where the environment requires it", () => {
    const result = plan("production", { tag: "1.4.2", digest });
    expect(result.findings).toEqual([]);
    expect(result.changes[0]?.after).toBe(`${kustomization("1.4.2")}    digest: ${digest}\n`);
    expect(result.changes[0]?.references[0]).toMatchObject({ from: "1.4.0", to: `1.4.2@${digest}` });
  });

  it("refuses a tag the environment's rules forbid", () => {
    const result = plan("production", { tag: "1.5.0-rc.1", digest });
    expect(result.changes).toEqual([]);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ rule: "tag-rules", message: expect.stringContaining("prerelease") }),
    );
  });

  it("reports alreadyCurrent when every reference pins the target", () => {
    const result = plan("staging", { tag: "1.4.1" });
    expect(result).toMatchObject({ changes: [], findings: [], alreadyCurrent: true });
  });

  it("says when the image is nowhere under the environment", () => {
    const result = plan("staging", { tag: "1.4.2" }, config(), [files[0] as (typeof files)[0]]);
    expect(result.alreadyCurrent).toBe(false);
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: "image-not-found",
        message: expect.stringContaining("overlays/staging/**"),
      }),
    ]);
  });

  it("adds an images: entry to the overlay root when addToKustomization is set", () => {
    const input = [
      { path: "overlays/staging/kustomization.yaml", text: "resources:\n- ../../base\n" },
      { path: "overlays/staging/extra/kustomization.yaml", text: "resources:\n- cm.yaml\n" },
    ];
    const result = plan("staging", { tag: "1.4.2" }, config("    addToKustomization: true\n"), input);
    expect(result.findings).toEqual([]);
    expect(result.changes).toEqual([
      expect.objectContaining({
        path: "overlays/staging/kustomization.yaml",
        after: "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/api\n  newTag: 1.4.2\n",
        references: [expect.objectContaining({ from: "(none)", to: "1.4.2", line: 5 })],
      }),
    ]);
  });

  it("follows explicit fields whose file glob matches", () => {
    const input = [
      {
        path: "overlays/staging/svc.yaml",
        text: "apiVersion: acme/v1\nkind: Svc\nspec:\n  version: 1.4.1\n",
      },
    ];
    const cfg = config("    fields:\n      - { file: overlays/*/svc.yaml, path: spec.version }\n");
    const result = plan("staging", { tag: "1.4.2" }, cfg, input);
    expect(result.changes[0]?.after).toBe("apiVersion: acme/v1\nkind: Svc\nspec:\n  version: 1.4.2\n");
    expect(result.changes[0]?.references).toEqual([
      { line: 4, from: "1.4.1", to: "1.4.2", kind: "field", path: "spec.version" },
    ]);
  });

  it("leaves a file with a YAML error untouched and changes the rest", () => {
    const broken = {
      path: "overlays/staging/values.yaml",
      text: "image:\n  repository: ghcr.io/acme/api\n  tag: [1\n",
    };
    const result = plan("staging", { tag: "1.4.2" }, config(), [...files, broken]);
    expect(result.changes.map((c) => c.path)).toEqual(["overlays/staging/kustomization.yaml"]);
    expect(result.findings).toEqual([
      expect.objectContaining({ file: "overlays/staging/values.yaml", rule: "yaml", line: 4 }),
    ]);
  });
});
