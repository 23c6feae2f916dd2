import { describe, expect, it } from "vitest";
import { type RewriteOptions, rewriteImageReferences } from "../../src/manifests/rewrite.js";

const image = "ghcr.io/acme/api";

function rewritten(path: string, text: string, extra: Partial<RewriteOptions> = {}): string | undefined {
  const result = rewriteImageReferences([{ path, text }], { image, target: { tag: "1.10" }, ...extra });
  expect(result.findings).toEqual([]);
  return result.changes[0]?.after;
}

describe("rewrites in less common shapes", () => {
  it.each([
    [
      "a kustomize entry with newName but no newTag gets one",
      "k/kustomization.yaml",
      "images:\n- name: api\n  newName: ghcr.io/acme/api\n",
      'images:\n- name: api\n  newName: ghcr.io/acme/api\n  newTag: "1.10"\n',
    ],

    [
      "quoted keys and a YAML 1.1 directive are kept",
      "values.yaml",
      '%YAML 1.1\n---\n"image": "ghcr.io/acme/api:1.4.1"\n',
      '%YAML 1.1\n---\n"image": "ghcr.io/acme/api:1.10"\n',
    ],
  ])("%s", (_, path, text, expected) => {
    expect(rewritten(path, text)).toBe(expected);
  });

  it("fills an empty key (tag:) and a null (tag: ~) that ferry.yml fields name, and no other", () => {
    const text = "a:\n  repository: ghcr.io/acme/api\n  tag:\nb:\n  repository: ghcr.io/acme/api\n  tag: ~\n";
    expect(
      rewriteImageReferences([{ path: "values.yaml", text }], { image, target: { tag: "1.10" } }),
    ).toEqual({
      changes: [],
      references: [],
      findings: [],
    });
    const fields = [
      { file: "values.yaml", path: "a.tag", part: "tag" as const },
      { file: "values.yaml", path: "b.tag", part: "tag" as const },
    ];
    expect(rewritten("values.yaml", text, { fieldsFor: () => fields })).toBe(
      'a:\n  repository: ghcr.io/acme/api\n  tag: "1.10"\nb:\n  repository: ghcr.io/acme/api\n  tag: "1.10"\n',
    );
  });

  it.each([
    ["images: []\n", 'images: [{name: ghcr.io/acme/api, newTag: "1.10"}]\n'],
    [
      "images: [{name: x, newTag: '1'}]",
      "images: [{name: x, newTag: '1'}, {name: ghcr.io/acme/api, newTag: \"1.10\"}]",
    ],
    ["resources: [a.yaml]", 'resources: [a.yaml]\nimages:\n- name: ghcr.io/acme/api\n  newTag: "1.10"\n'],
    [
      "resources:\n    - a.yaml\n",
      'resources:\n    - a.yaml\nimages:\n    - name: ghcr.io/acme/api\n      newTag: "1.10"\n',
    ],
  ])("adds a kustomization entry to %j in the file's style", (text, expected) => {
    expect(rewritten("overlays/x/kustomization.yaml", text, { addToKustomization: true })).toBe(expected);
  });
});
