import { describe, expect, it } from "vitest";
import { findImageReferences } from "../../src/manifests/find.js";
import { rewriteImageReferences } from "../../src/manifests/rewrite.js";
import { parseYamlFile } from "../../src/manifests/yaml-file.js";

const image = "ghcr.io/acme/api";

function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
  }
  lines.push("image: ghcr.io/acme/api:1.4.1");
  return `${lines.join("\n")}\n`;
}

describe("safe YAML", () => {
  it("refuses a billion-laughs file with a clear message, at parse time", () => {
    const file = parseYamlFile("values.yaml", billionLaughs());
    expect(file.findings).toEqual([
      expect.objectContaining({ rule: "yaml-limits", message: expect.stringContaining("billion laughs") }),
    ]);
    const result = rewriteImageReferences([{ path: "values.yaml", text: billionLaughs() }], {
      image,
      target: { tag: "1.4.2" },
    });
    expect(result.changes).toEqual([]);
    expect(result.findings[0]?.rule).toBe("yaml-limits");
  });

  it("refuses a 50 MB file with a message instead of parsing it", () => {
    const line = "- image: ghcr.io/acme/api:1.4.1\n";
    const text = line.repeat(Math.ceil((50 * 1024 * 1024) / line.length));
    const { findings, references } = findImageReferences([{ path: "huge.yaml", text }], { image });
    expect(references).toEqual([]);
    expect(findings).toEqual([
      expect.objectContaining({
        file: "huge.yaml",
        rule: "yaml-limits",
        message: expect.stringContaining("limit"),
      }),
    ]);
  });

  it("refuses a 10,000-document file with a message instead of parsing it", () => {
    const text = "---\nimage: ghcr.io/acme/api:1.4.1\n".repeat(10_000);
    const { findings } = findImageReferences([{ path: "many.yaml", text }], { image });
    expect(findings).toEqual([
      expect.objectContaining({ rule: "yaml-limits", message: expect.stringContaining("YAML documents") }),
    ]);
  });

  it("processes a 4,000-document file", () => {
    const text = "---\nimage: ghcr.io/acme/api:1.4.1\n".repeat(4_000);
    const { references } = findImageReferences([{ path: "many.yaml", text }], { image });
    expect(references).toHaveLength(4_000);
  });

  it("refuses absurd nesting without crashing", () => {
    const text = `image: ghcr.io/acme/api:1.4.1\nx: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`;
    const { findings } = findImageReferences([{ path: "deep.yaml", text }], { image });
    expect(findings).toEqual([
      expect.objectContaining({ rule: "yaml-limits", message: expect.stringContaining("deeper") }),
    ]);
  });
});

describe("refusals leave the file untouched", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const rewrite = (text: string, target: { tag: string; digest?: string }, path = "values.yaml") =>
    rewriteImageReferences([{ path, text }], { image, target });

  it("a pinned digest with no new digest: finding, no change", () => {
    const result = rewrite(`image: ghcr.io/acme/api:1.4.1@${digest}\nother: ghcr.io/acme/api:1.4.1\n`, {
      tag: "1.4.2",
    });
    expect(result.changes).toEqual([]);
    expect(result.findings).toEqual([
      expect.objectContaining({
        line: 1,
        column: 8,
        rule: "rewrite",
        message: expect.stringContaining("pins a digest"),
      }),
    ]);
    expect(result.references.map((r) => r.changed)).toEqual([false, false]);
  });

  it("a value written with escapes is not guessed at", () => {
    const result = rewrite('image: "ghcr.io/acme/api:1.4.\\x31"\n', { tag: "1.4.2" });
    expect(result.changes).toEqual([]);
    expect(result.findings[0]?.message).toContain("escapes");
  });

  it("a new key inside an embedded values string is refused, not mangled", () => {
    const text = [
      "apiVersion: argoproj.io/v1alpha1",
      "kind: Application",
      "spec:",
      "  source:",
      "    helm:",
      "      values: |",
      "        image:",
      "          repository: ghcr.io/acme/api",
      "",
    ].join("\n");
    const result = rewrite(text, { tag: "1.4.2" }, "app.yaml");
    expect(result.changes).toEqual([]);
    expect(result.findings[0]?.message).toContain("embedded values string");
  });

  it("a map without a tag gets one, in its own indentation", () => {
    const result = rewrite("api:\n  image:\n    repository: ghcr.io/acme/api\n    pullPolicy: Always\n", {
      tag: "1.4.2",
    });
    expect(result.changes[0]?.after).toBe(
      "api:\n  image:\n    repository: ghcr.io/acme/api\n    pullPolicy: Always\n    tag: 1.4.2\n",
    );
  });

  it("a digest is never invented in a Helm map that has no digest key", () => {
    const text = "image:\n  repository: ghcr.io/acme/api\n  tag: 1.4.1\n";
    const result = rewriteImageReferences([{ path: "values.yaml", text }], {
      image,
      target: { tag: "1.4.2", digest },
      pinDigest: true,
    });
    expect(result.changes).toEqual([]);
    expect(result.findings).toEqual([
      expect.objectContaining({ line: 3, rule: "rewrite", message: expect.stringContaining('digest: ""') }),
    ]);
  });

  it("an already-current file is not changed", () => {
    const result = rewrite("image: ghcr.io/acme/api:1.4.2\n", { tag: "1.4.2" });
    expect(result.changes).toEqual([]);
    expect(result.references).toMatchObject([{ tag: "1.4.2", to: { tag: "1.4.2" }, changed: false }]);
  });
});
