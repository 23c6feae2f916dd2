import { describe, expect, it } from "vitest";
import { rewriteImageReferences } from "../../src/manifests/rewrite.js";

const image = "ghcr.io/acme/api";
const digest = `sha256:${"d".repeat(64)}`;

const pod = (image: string) => `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: ${image} # pinned
`;

/**
 * Every scalar style a tag can be written in, rewritten byte for byte: the edit stays inside the
 * scalar, and anything after it on the line (comments, flow punctuation) is kept.
 */
describe("rewrites inside one scalar, in every style", () => {
  it.each([
    ["plain", pod("ghcr.io/acme/api:1.4.1"), pod("ghcr.io/acme/api:1.4.2"), "1.4.2"],
    ["double-quoted", pod('"ghcr.io/acme/api:1.4.1"'), pod('"ghcr.io/acme/api:1.4.2"'), "1.4.2"],
    ["single-quoted", pod("'ghcr.io/acme/api:1.4.1'"), pod("'ghcr.io/acme/api:1.4.2'"), "1.4.2"],
    [
      "a plain tag that would read as a number is quoted",
      "image:\n  repository: ghcr.io/acme/api\n  tag: 1.4.1\n",
      'image:\n  repository: ghcr.io/acme/api\n  tag: "1.10"\n',
      "1.10",
    ],
    [
      "a tag in a flow map",
      "image: {repository: ghcr.io/acme/api, tag: v1.4.1}\n",
      "image: {repository: ghcr.io/acme/api, tag: v1.4.2}\n",
      "v1.4.2",
    ],
    [
      "a string in a flow sequence",
      "images: [ghcr.io/acme/api:1.4.1, other:1]\n",
      "images: [ghcr.io/acme/api:1.4.2, other:1]\n",
      "1.4.2",
    ],
  ])("%s", (_, text, expected, tag) => {
    const path = text.startsWith("apiVersion") ? "pod.yaml" : "values.yaml";
    const result = rewriteImageReferences([{ path, text }], { image, target: { tag } });
    expect(result.findings).toEqual([]);
    expect(result.changes.map((c) => c.after)).toEqual([expected]);
  });

  it("adds a digest to a reference that had none, where the environment requires one", () => {
    const result = rewriteImageReferences([{ path: "pod.yaml", text: pod("ghcr.io/acme/api:1.4.1") }], {
      image,
      target: { tag: "1.4.2", digest },
      pinDigest: true,
    });
    expect(result.changes.map((c) => c.after)).toEqual([pod(`ghcr.io/acme/api:1.4.2@${digest}`)]);
  });

  it("rewrites a values string embedded in an Argo CD Application, re-reading the whole file", () => {
    const text = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: api}
spec:
  source:
    helm:
      values: |
        image:
          repository: ghcr.io/acme/api
          tag: 1.4.1
`;
    const result = rewriteImageReferences([{ path: "app.yaml", text }], { image, target: { tag: "1.4.2" } });
    expect(result.findings).toEqual([]);
    expect(result.changes.map((c) => c.after)).toEqual([text.replace("tag: 1.4.1", "tag: 1.4.2")]);
  });
});
