import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LineCounter, parseAllDocuments } from "yaml";
import { parseYamlFile } from "../../src/manifests/yaml-file.js";
import { hostileCases } from "../support/hostile-yaml.js";

const testdata = join(import.meta.dirname, "..", "testdata");

/** Every YAML file under test/testdata, as text. */
function fixtures(): { path: string; text: string }[] {
  return readdirSync(testdata, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => ({
      path: join(e.parentPath, e.name),
      text: readFileSync(join(e.parentPath, e.name), "utf8"),
    }));
}

/** Watches reads of `process.env.<name>` while the test runs (yaml's Node build reads it per token). */
function countEnvReads(name: string): { reads: number } {
  const counter = { reads: 0 };
  const real = process.env;
  process.env = new Proxy(real, {
    get(target, key, receiver) {
      if (key === name) counter.reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  restore = () => {
    process.env = real;
  };
  return counter;
}
let restore = () => {};
/** Errors Ferry's own pass adds after composing (src/manifests/safe-yaml.ts checkDocument). */
const ferryChecks = new Set(["DUPLICATE_KEY", "BAD_ALIAS"]);
afterEach(() => restore());

describe("the YAML parser Ferry reads repositories with", () => {
  it("does not read the environment per token", () => {
    const text = Array.from({ length: 2000 }, (_, i) => `key${i}: [a, b, "c", {d: e}]`).join("\n");
    const env = countEnvReads("LOG_TOKENS");
    const file = parseYamlFile("big.yaml", text);
    expect(file.findings).toEqual([]);
    expect(env.reads).toBe(0);
  });

  it("reads every fixture exactly as yaml's own parseAllDocuments does: values, ranges, errors", () => {
    const texts = [
      ...fixtures().map((f) => f.text),
      ...hostileCases().map((c) => new TextDecoder().decode(c.bytes)),
      "a: 1\n---\nb: [1, 2\n",
      "%YAML 1.1\n---\nx: &a {y: 1}\nz: *a\n<<: *a\n",
      "- 'quoted'\n- \"dq \\u00e9\"\n- |\n  block\n- >-\n  folded\n  text\n",
    ];
    expect(texts.length).toBeGreaterThan(40);
    for (const text of texts) {
      const ours = parseYamlFile("f.yaml", text);
      // Refused before composing (limits, NUL bytes, invalid text): nothing to compare.
      if (ours.findings.some((f) => f.rule !== "yaml" && f.rule !== "yaml-duplicate-key")) continue;
      const theirs = parseAllDocuments(text, { lineCounter: new LineCounter(), uniqueKeys: false });
      const docs = Array.isArray(theirs) ? theirs : [];
      expect(ours.documents.map((d) => d.toJS({ maxAliasCount: -1, mapAsMap: true }))).toEqual(
        docs.map((d) => d.toJS({ maxAliasCount: -1, mapAsMap: true })),
      );
      expect(ours.documents.map((d) => d.range)).toEqual(docs.map((d) => d.range));
      expect(
        ours.documents.map((d) => d.errors.filter((e) => !ferryChecks.has(e.code)).map((e) => e.pos)),
      ).toEqual(docs.map((d) => d.errors.map((e) => e.pos)));
    }
  });
});
