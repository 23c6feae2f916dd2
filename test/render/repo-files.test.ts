/**
 * The render planner reads kustomizations and Helm values from a PR's files: hostile YAML there
 * must meet the same limits as everywhere else (src/manifests/safe-yaml.ts), or one file can
 * hold the event loop for minutes.
 */
import { describe, expect, it } from "vitest";
import { RepoFiles } from "../../src/render/repo-files.js";

describe("RepoFiles.documents", () => {
  it("reads plain documents", () => {
    const files = new RepoFiles([{ path: "a/kustomization.yaml", text: "resources: [x.yaml]\n---\nb: 1\n" }]);
    expect(files.documents("a/kustomization.yaml")).toEqual([{ resources: ["x.yaml"] }, { b: 1 }]);
  });

  it.each([
    ["nesting past the limit", `${"- ".repeat(300)}x\n`],
    [
      "more aliases than the limit",
      `a: &a x\nb: [${Array.from({ length: 20_000 }, () => "*a").join(", ")}]\n`,
    ],
    ["a duplicate key", "a: 1\na: 2\n"],
  ])("refuses %s (as the validator does), leaving nothing to render from", (_, text) => {
    const files = new RepoFiles([{ path: "a/kustomization.yaml", text }]);
    expect(files.documents("a/kustomization.yaml")).toEqual([]);
  });
});
