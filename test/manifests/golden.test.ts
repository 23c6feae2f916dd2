import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FieldRef } from "../../src/manifests/fields.js";
import { type RewriteOptions, rewriteImageReferences } from "../../src/manifests/rewrite.js";

/**
 * Golden files: test/testdata/rewrite/<case>/input.yaml is rewritten and compared byte for
 * byte with expected.yaml. `UPDATE_GOLDEN=1` writes expected.yaml (then review the diff). A
 * missing expected.yaml fails the case (with CI=true it is not written either).
 */
const root = new URL("../testdata/rewrite/", import.meta.url).pathname;
const newDigest = `sha256:${"b".repeat(64)}`;
const image = "ghcr.io/acme/api";

interface Case {
  /** Path the file is presented under (its name decides kustomization vs values). */
  path?: string;
  options?: Partial<RewriteOptions>;
  fields?: FieldRef[];
  /** How many references the rewrite must report as changed. */
  changed: number;
}

const cases: Record<string, Case> = {
  deployment: { changed: 3 },
  "pod-ephemeral": { changed: 2 },
  "multi-document": { changed: 4 },
  cronjob: { changed: 1 },
  "argo-rollout": { changed: 1 },
  "kind-list": { changed: 1 },
  anchors: { changed: 1 },
  crlf: { changed: 1 },
  bom: { changed: 1 },
  "digest-string": { changed: 2, options: { target: { tag: "1.4.2", digest: newDigest } } },
  "pin-digest": { changed: 1, options: { target: { tag: "1.4.2", digest: newDigest }, pinDigest: true } },
  "docker-hub-normalised": { changed: 3, options: { image: "nginx", target: { tag: "1.27" } } },
  "kustomize-images": { path: "overlays/staging/kustomization.yaml", changed: 2 },
  "kustomize-digest": {
    path: "overlays/production/kustomization.yaml",
    changed: 2,
    options: { target: { tag: "1.4.2", digest: newDigest }, pinDigest: true },
  },
  "kustomize-add-entry": {
    path: "overlays/staging/kustomization.yaml",
    changed: 1,
    options: { addToKustomization: true },
  },
  "kustomize-add-to-list": {
    path: "overlays/staging/kustomization.yaml",
    changed: 1,
    options: { addToKustomization: true, target: { tag: "1.4.2", digest: newDigest }, pinDigest: true },
  },
  "helm-values": { path: "charts/acme/values-staging.yaml", changed: 5, options: { target: { tag: "1.5" } } },
  "helm-values-digest": {
    path: "overlays/production/values.yaml",
    changed: 2,
    options: { target: { tag: "1.4.2", digest: newDigest } },
  },
  "helm-values-anchors": { path: "overlays/staging/values.yaml", changed: 1 },
  "helm-values-empty-tag": {
    path: "overlays/staging/values.yaml",
    changed: 2,
    fields: [{ file: "**", path: "pinned.image.tag", part: "tag" }],
  },
  helmrelease: { changed: 2 },
  "argocd-values-object": { changed: 1 },
  "argocd-values-string": { changed: 2, options: { target: { tag: "1.10" } } },
  "argocd-parameters": { changed: 2 },
  "argocd-applicationset": { changed: 2 },
  "kustomize-component": { path: "components/api/kustomization.yaml", changed: 1 },
  "argocd-kustomize-images": { changed: 2 },
  "flux-kustomization": { changed: 1 },
  "explicit-fields": {
    changed: 2,
    fields: [
      { file: "**", path: "spec.deploy.artifact.version", part: "tag" },
      { file: "**", path: "spec.deploy.sidecars.0.ref", part: "reference" },
    ],
  },
};

describe("golden rewrites", () => {
  it("has a case for every directory under testdata/rewrite", () => {
    expect(readdirSync(root).sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [name, spec] of Object.entries(cases)) {
    it(name, () => {
      const dir = join(root, name);
      const input = readFileSync(join(dir, "input.yaml"));
      const path = spec.path ?? `overlays/staging/${name}.yaml`;
      const result = rewriteImageReferences([{ path, text: input.toString("utf8") }], {
        image,
        target: { tag: "1.4.2" },
        fieldsFor: () => spec.fields ?? [],
        ...spec.options,
      });
      expect(result.findings.filter((f) => f.severity === "error")).toEqual([]);
      const after = Buffer.from(result.changes[0]?.after ?? input.toString("utf8"), "utf8");
      const expectedPath = join(dir, "expected.yaml");
      if (process.env.UPDATE_GOLDEN) writeFileSync(expectedPath, after);
      if (!existsSync(expectedPath)) {
        // A golden file written by the run that compares against it could never fail: in CI a
        // missing one is an error; locally it is written for review and the run still fails.
        if (!process.env.CI) writeFileSync(expectedPath, after);
        expect.fail(
          `${expectedPath} is missing${process.env.CI ? "" : " (written now: review it, commit it, run again)"}`,
        );
      }
      expect(after.equals(readFileSync(expectedPath))).toBe(true);
      expect(result.references.filter((r) => r.changed)).toHaveLength(spec.changed);
    });
  }
});
