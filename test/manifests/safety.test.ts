import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { findImageReferences } from "../../src/manifests/find.js";
import { rewriteImageReferences } from "../../src/manifests/rewrite.js";
import { decodeYamlBytes, firstInvalidUtf8 } from "../../src/manifests/safe-text.js";
import {
  defaultYamlLimits,
  documentData,
  parseYamlFile,
  parseYamlFileAsync,
} from "../../src/manifests/yaml-file.js";
import { hostileCases } from "../support/hostile-yaml.js";

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

describe("the safe parse path, on every hostile class (in process; the crash classes run as child processes in test/commands/validate-hostile.test.ts and test/e2e/hostile-yaml.test.ts)", () => {
  it.each(hostileCases().map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const decoded = decodeYamlBytes(c.bytes, defaultYamlLimits.maxBytes);
    for (const _ of [1, 2]) {
      const findings =
        "text" in decoded
          ? parseYamlFile("f.yaml", decoded.text).findings
          : [{ rule: decoded.rule, line: decoded.line ?? 1 }];
      if (c.expect === "accepted") expect(findings).toEqual([]);
      else {
        const { refused, line } = c.expect;
        expect(findings).toContainEqual(
          expect.objectContaining({ rule: refused, ...(line === undefined ? {} : { line }) }),
        );
      }
    }
  });
});

describe("nesting limits, block and flow alike", () => {
  const limits = { ...defaultYamlLimits, maxDepth: 20 };
  /** Each shape nests `n` collections; the 21st opens on `line` (after an `ok: 1` line). */
  const shapes: [string, (n: number) => string, number][] = [
    ["block sequences", (n) => `${"- ".repeat(n)}x\n`, 2],
    ["explicit keys", (n) => `${"? ".repeat(n)}x\n`, 2],
    ["block maps", (n) => `${Array.from({ length: n }, (_, i) => `${" ".repeat(i)}a:`).join("\n")} x\n`, 22],
    ["flow sequences", (n) => `${"[".repeat(n)}x${"]".repeat(n)}\n`, 2],
    ["flow maps", (n) => `${"{a: ".repeat(n)}x${"}".repeat(n)}\n`, 2],
    ["block and flow", (n) => `${"- ".repeat(n / 2)}${"[".repeat(n / 2)}x${"]".repeat(n / 2)}\n`, 2],
  ];
  it.each(shapes)(
    "%s: exactly the limit parses, one more level is refused at its line",
    (_name, make, line) => {
      expect(parseYamlFile("f.yaml", make(20), limits).findings).toEqual([]);
      const refused = parseYamlFile("f.yaml", `ok: 1\n${make(22)}`, limits);
      expect(refused.documents).toEqual([]);
      expect(refused.findings).toEqual([
        expect.objectContaining({
          line,
          rule: "yaml-limits",
          message: expect.stringContaining("deeper than 20"),
        }),
      ]);
    },
  );

  it("brackets inside quoted, block and plain scalars and comments are not nesting", () => {
    const deep = "[{".repeat(1_000);
    const text = `a: "${deep}"\nb: '${deep}'\nc: |\n  ${deep}\nd: x${deep}\n# ${deep}\ne: [it's, "q", 'r#s']\n`;
    expect(parseYamlFile("f.yaml", text, limits).findings).toEqual([]);
  });

  it("aliases cannot build depth the text does not have", () => {
    const text = `a: &a ${"[".repeat(15)}x${"]".repeat(15)}\nb: ${"[".repeat(10)}*a${"]".repeat(10)}\n`;
    expect(parseYamlFile("f.yaml", text, limits).findings).toEqual([
      expect.objectContaining({
        line: 2,
        rule: "yaml-limits",
        message: expect.stringContaining("aliases expand"),
      }),
    ]);
  });
});

describe("aliases", () => {
  it("are counted per document", () => {
    const limits = { ...defaultYamlLimits, maxAliases: 3 };
    const doc = "a: &a 1\nb: [*a, *a, *a]\n";
    expect(parseYamlFile("f.yaml", `${doc}---\n${doc}`, limits).findings).toEqual([]);
    expect(parseYamlFile("f.yaml", "a: &a 1\nb: [*a, *a, *a, *a]\n", limits).findings).toEqual([
      expect.objectContaining({
        line: 2,
        rule: "yaml-limits",
        message: expect.stringContaining("over 3 aliases"),
      }),
    ]);
  });

  it("a *word inside a block scalar is text, not an alias", () => {
    const limits = { ...defaultYamlLimits, maxAliases: 1 };
    expect(parseYamlFile("f.yaml", "a: |\n  *one\n  *two\n--- |\n*three\n", limits).findings).toEqual([]);
  });

  it("an unknown or cyclic alias is a finding at its line, never naming it", () => {
    const file = parseYamlFile("f.yaml", "a: &x\n  b: *x\nc: *hunter2\n");
    expect(file.findings).toEqual([
      expect.objectContaining({
        line: 2,
        column: 6,
        rule: "yaml",
        message: expect.stringContaining("cycles"),
      }),
      expect.objectContaining({
        line: 3,
        column: 4,
        rule: "yaml",
        message: expect.stringContaining("no anchor"),
      }),
    ]);
    expect(JSON.stringify(file.findings)).not.toContain("hunter2");
  });

  it("resolve to the closest anchor before them, and share its value", () => {
    const file = parseYamlFile("f.yaml", "a: &x 1\nb: *x\nc: &x [2]\nd: *x\ne: *x\n");
    const doc = file.documents[0];
    if (!doc) throw new Error("no document");
    const data = documentData(file, doc) as { b: number; d: number[]; e: number[] };
    expect(data).toEqual({ a: 1, b: 1, c: [2], d: [2], e: [2] });
    expect(data.d).toBe(data.e);
  });
});

describe("duplicate keys, checked in one pass", () => {
  it("name the line of the first occurrence, never the key", () => {
    const file = parseYamlFile("f.yaml", "password: a\nother: b\npassword: c\nflow: {x: 1, x: 2}\n");
    expect(file.findings).toEqual([
      expect.objectContaining({
        line: 3,
        rule: "yaml-duplicate-key",
        message: expect.stringContaining("line 1"),
      }),
      expect.objectContaining({
        line: 4,
        rule: "yaml-duplicate-key",
        message: expect.stringContaining("line 4"),
      }),
    ]);
    expect(JSON.stringify(file.findings)).not.toContain("password");
  });

  it("merge keys may repeat in YAML 1.1 documents", () => {
    const text = "%YAML 1.1\n---\na: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n";
    expect(parseYamlFile("f.yaml", text).findings).toEqual([]);
  });
});

describe("messages built from parse errors quote nothing from the document", () => {
  const marker = "hunter2zz";
  it.each([
    ["an unterminated quote", `a: "${marker}\n`],
    ["an invalid escape", `a: "${marker}\\q"\n`],
    ["a plain value starting with @", `a: @${marker}\n`],
    ["a nested mapping", `a: ${marker}: b\n`],
    ["an unknown tag", `a: !${marker} b\nc: [\n`],
    ["an unclosed flow sequence", `a: [${marker}, }\n`],
    ["bad indentation", `a:\n  b: ${marker}\n c: d\n`],
    ["a tab", `a:\n\t${marker}: b\n`],
    ["an empty alias and anchor", `a: & ${marker}\nb: * ${marker}\n`],
  ])("%s", (_name, text) => {
    const file = parseYamlFile("f.yaml", text);
    expect(file.findings.length).toBeGreaterThan(0);
    for (const finding of file.findings) expect(finding.message).not.toContain(marker);
  });
});

describe("documents as plain data, in linear time", () => {
  /** Every YAML file of the repo's examples and test data: the converter matches yaml's toJS(). */
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
  // Helm chart templates are not YAML until rendered (and never validated as such): a `{{ }}`
  // map key is the one shape read differently (JSON, not YAML flow text, for a collection key).
  const corpus = ["examples", "test/testdata"].flatMap(walk).filter((p) => !p.includes("/templates/"));

  it.each(corpus)("%s reads as yaml's toJS() reads it", (path) => {
    const text = readFileSync(path, "utf8");
    const file = parseYamlFile(path, text);
    const theirs = parseAllDocuments(text, { uniqueKeys: false });
    if (!Array.isArray(theirs)) throw new Error("no documents");
    file.documents.forEach((doc, i) => {
      if (doc.errors.length > 0) return;
      expect(documentData(file, doc)).toEqual(theirs[i]?.toJS());
    });
  });

  it.each([
    ["anchors and aliases", "a: &a {x: [1, 2]}\nb: *a\nc: [*a, *a]\n"],
    [
      "merge keys (YAML 1.1)",
      "%YAML 1.1\n---\nbase: &b {x: 1, y: 2}\nover: {<<: *b, y: 3}\nseq: {<<: [*b, {z: 4}]}\n",
    ],
    ["<< as a plain key (YAML 1.2)", "base: &b {x: 1}\nplain: {<<: *b}\n"],
    ["keys that are not strings", "1: a\ntrue: b\n~: c\n1.5: d\n"],
    ["inherited names", "__proto__: {polluted: true}\nconstructor: x\ntoString: y\n"],
    ["pairs in a flow sequence", "a: [x: 1, y: 2]\n"],
    ["empty values", "a:\nb: ~\nc: []\nd: {}\n"],
    ["an empty document", ""],
  ])("%s", (_name, text) => {
    const file = parseYamlFile("f.yaml", text);
    expect(file.findings).toEqual([]);
    const theirs = parseAllDocuments(text, { uniqueKeys: false });
    const expected = Array.isArray(theirs) ? theirs.map((d) => d.toJS()) : [];
    expect(file.documents.map((d) => documentData(file, d))).toEqual(expected);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("bytes as text", () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

  it("keeps a byte order mark, exactly", () => {
    expect(decodeYamlBytes(bytes([0xef, 0xbb, 0xbf], "a: 1\n"), 100)).toEqual({ text: "\uFEFFa: 1\n" });
  });

  it.each([
    ["a lone continuation byte", [0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["an overlong form", [0xc0, 0xaf]],
    ["a surrogate", [0xed, 0xa0, 0x80]],
    ["past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ])("%s is not UTF-8, with its line", (_name, bad) => {
    const input = bytes("a: 1\nb: ", bad, "\n");
    expect(firstInvalidUtf8(input)).toBe(8);
    expect(decodeYamlBytes(input, 100)).toMatchObject({ rule: "yaml-encoding", line: 2 });
  });

  it("a NUL byte makes a binary file; a file over the limit is not decoded", () => {
    expect(decodeYamlBytes(bytes("a: 1\n", [0]), 100)).toMatchObject({ rule: "yaml-encoding", line: 2 });
    expect(decodeYamlBytes(bytes("a: 1\n"), 4)).toMatchObject({ rule: "yaml-limits" });
  });

  it("accepts every well-formed sequence length", () => {
    expect(firstInvalidUtf8(Buffer.from("aé€😀"))).toBe(-1);
  });
});

describe("tokens", () => {
  it("are limited per document and per file", () => {
    const limits = { ...defaultYamlLimits, maxDocumentTokens: 100, maxTokens: 250 };
    const doc = `a: [${Array(20).fill("x").join(", ")}]\n`;
    expect(parseYamlFile("f.yaml", `${doc}---\n${doc}`, limits).findings).toEqual([]);
    expect(parseYamlFile("f.yaml", `a: [${Array(40).fill("x").join(", ")}]\n`, limits).findings).toEqual([
      expect.objectContaining({
        line: 1,
        rule: "yaml-limits",
        message: expect.stringContaining("a document has over 100"),
      }),
    ]);
    expect(parseYamlFile("f.yaml", `${doc}---\n`.repeat(5), limits).findings).toEqual([
      expect.objectContaining({
        line: 5,
        rule: "yaml-limits",
        message: expect.stringContaining("file has over 250"),
      }),
    ]);
  });
});

describe("the async parse (the validator's)", () => {
  it("lets the event loop run while a large file is parsed, and finds the same", async () => {
    const text = `${Array.from({ length: 20_000 }, (_, i) => `k${i}: [${i}, x]\n`).join("")}k7: 1\n`;
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    const file = await parseYamlFileAsync("f.yaml", text);
    expect(ran).toBe(true);
    expect(file.findings).toEqual(parseYamlFile("f.yaml", text).findings);
    expect(file.findings).toEqual([expect.objectContaining({ line: 20_001, rule: "yaml-duplicate-key" })]);
  });
});

describe("the time budget", () => {
  it("refuses a file whose parse uses more CPU than its budget", () => {
    const text = "a: [1, 2, 3]\n".repeat(20_000);
    const file = parseYamlFile("f.yaml", text, {
      ...defaultYamlLimits,
      timeBudgetMs: 0,
      timeBudgetMsPerMiB: 0,
    });
    expect(file.findings).toEqual([
      expect.objectContaining({ rule: "yaml-limits", message: expect.stringContaining("time budget") }),
    ]);
  });
});
