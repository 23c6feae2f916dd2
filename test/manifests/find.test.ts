import { describe, expect, it } from "vitest";
import { findImageReferences } from "../../src/manifests/find.js";

const yaml = (strings: TemplateStringsArray, ...values: unknown[]) => String.raw({ raw: strings }, ...values);

const deployment = yaml`apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.1
        - name: cache
          image: redis:7.2
        - name: templated
          image: ghcr.io/acme/api:\${API_TAG}
`;

describe("findImageReferences", () => {
  it("reports each reference with file, line, column, layout, path, tag", () => {
    const { references, findings } = findImageReferences(
      [{ path: "overlays/staging/api.yaml", text: deployment }],
      {
        image: "ghcr.io/acme/api",
      },
    );
    expect(references).toEqual([
      {
        file: "overlays/staging/api.yaml",
        line: 9,
        column: 18,
        kind: "container",
        path: "spec.template.spec.containers[0].image",
        document: 0,
        image: "ghcr.io/acme/api",
        tag: "1.4.1",
      },
    ]);
    // A reference that is not valid is reported, never guessed at.
    expect(findings).toEqual([
      expect.objectContaining({
        file: "overlays/staging/api.yaml",
        line: 13,
        column: 18,
        severity: "warning",
        rule: "image-reference",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the manifest holds a literal, unrendered ${API_TAG}
        message: expect.stringContaining('tag "${API_TAG}"'),
      }),
    ]);
  });

  it("accepts the image with a tag and in any spelling Docker accepts", () => {
    const text =
      "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: docker.io/library/redis:7.2\n";
    for (const image of ["redis", "redis:7.0", "index.docker.io/library/redis"]) {
      expect(findImageReferences([{ path: "p.yaml", text }], { image }).references).toHaveLength(1);
    }
  });

  it("finds nothing for a similar but different image", () => {
    const text =
      "image: ghcr.io/acme/api-worker:1.0.0\nother:\n  repository: ghcr.io/acme/apis\n  tag: 1.0.0\n";
    expect(
      findImageReferences([{ path: "values.yaml", text }], { image: "ghcr.io/acme/api" }).references,
    ).toEqual([]);
  });

  it("reports a YAML error with file:line:column and finds nothing in that file", () => {
    const text = "image:\n  repository: ghcr.io/acme/api\n  tag: [1.4.1\n";
    const { references, findings } = findImageReferences([{ path: "values.yaml", text }], {
      image: "ghcr.io/acme/api",
    });
    expect(references).toEqual([]);
    expect(findings[0]).toMatchObject({ file: "values.yaml", line: 4, severity: "error", rule: "yaml" });
  });

  it("reports duplicate keys", () => {
    const text = "image:\n  repository: ghcr.io/acme/api\n  tag: 1.4.1\n  tag: 1.4.0\n";
    const { findings } = findImageReferences([{ path: "values.yaml", text }], { image: "ghcr.io/acme/api" });
    expect(findings).toEqual([
      expect.objectContaining({ line: 4, column: 3, rule: "yaml-duplicate-key", severity: "error" }),
    ]);
  });

  it("reports YAML errors inside an Argo CD values string at their position in the file", () => {
    const text = yaml`apiVersion: argoproj.io/v1alpha1
kind: Application
spec:
  source:
    helm:
      values: |
        image:
          repository: ghcr.io/acme/api
          tag: [1.4.1
`;
    const { findings, references } = findImageReferences([{ path: "app.yaml", text }], {
      image: "ghcr.io/acme/api",
    });
    expect(references).toEqual([]);
    // the unclosed flow sequence ends the string: line 10 of the file, at its start
    expect(findings).toEqual([
      {
        file: "app.yaml",
        line: 10,
        column: 1,
        rule: "yaml",
        severity: "error",
        // (the yaml parser's own wording of the error varies between its versions; the place does not)
        message: expect.stringMatching(/^in spec\.source\.helm\.values: /),
      },
    ]);
  });

  it("maps a finding inside an Argo CD values string to its exact line and column in the file", () => {
    const text = yaml`apiVersion: argoproj.io/v1alpha1
kind: Application
spec:
  source:
    helm:
      values: |
        image:
          repository: ghcr.io/acme/api
          tag: 1.4.1
          tag: 1.4.2
`;
    const { findings, references } = findImageReferences([{ path: "app.yaml", text }], {
      image: "ghcr.io/acme/api",
    });
    // line 10 is "          tag: 1.4.2": the repeated key starts at column 11 (8 of block indent + 2 + 1)
    expect(findings).toEqual([
      expect.objectContaining({ file: "app.yaml", line: 10, column: 11, rule: "yaml-duplicate-key" }),
    ]);
    expect(references).toEqual([]);
  });

  it("reads a tag inside an Argo CD values string at its line in the file", () => {
    const text = yaml`apiVersion: argoproj.io/v1alpha1
kind: Application
spec:
  source:
    helm:
      values: |
        image:
          repository: ghcr.io/acme/api
          tag: 1.4.1
`;
    const { references } = findImageReferences([{ path: "app.yaml", text }], { image: "ghcr.io/acme/api" });
    expect(references).toMatchObject([{ line: 9, tag: "1.4.1" }]);
  });

  it("does not execute or choke on custom tags", () => {
    const text = "image: !!python/object:os.system ghcr.io/acme/api:1.4.1\nhook: !Ref Something\n";
    const { references } = findImageReferences([{ path: "values.yaml", text }], {
      image: "ghcr.io/acme/api",
    });
    expect(references).toMatchObject([{ line: 1, tag: "1.4.1", kind: "helm-values" }]);
  });

  it("follows ferry.yml fields only where they exist, and says when none does", () => {
    const text = "spec:\n  version: 1.4.1\n";
    const fields = [{ file: "**", path: "spec.version", part: "tag" as const }];
    const found = findImageReferences([{ path: "crd.yaml", text }], { image: "ghcr.io/acme/api", fields });
    expect(found.references).toMatchObject([{ kind: "field", path: "spec.version", tag: "1.4.1", line: 2 }]);
    const missing = findImageReferences([{ path: "other.yaml", text: "spec: {}\n" }], {
      image: "ghcr.io/acme/api",
      fields,
    });
    expect(missing.findings).toEqual([expect.objectContaining({ rule: "fields", severity: "warning" })]);
  });

  it("refuses an invalid image to look for", () => {
    const { findings } = findImageReferences([{ path: "a.yaml", text: "a: 1\n" }], { image: "GHCR.io/Acme" });
    expect(findings[0]?.message).toContain("invalid image reference");
  });
});
