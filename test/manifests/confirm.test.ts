import { describe, expect, it } from "vitest";
import { differenceOutsideEdits } from "../../src/manifests/confirm.js";
import { applyEdits, type TextEdit } from "../../src/manifests/edits.js";
import { parseYamlFile } from "../../src/manifests/yaml-file.js";

function check(before: string, edits: TextEdit[], after = applyEdits(before, edits) ?? "") {
  return differenceOutsideEdits(parseYamlFile("f.yaml", before), parseYamlFile("f.yaml", after), edits);
}

describe("differenceOutsideEdits", () => {
  const text = "image:\n  tag: 1.4.1\n  pullPolicy: Always\nlist: [a, b]\n";
  const last = text.indexOf("1.4.1") + 4;
  const tagEdit = { start: last, end: last + 1, insert: "2" };

  it("accepts a change confined to the edited scalar", () => {
    expect(applyEdits(text, [tagEdit])).toContain("tag: 1.4.2");
    expect(check(text, [tagEdit])).toBeUndefined();
  });

  it("accepts an inserted key and an inserted list item", () => {
    const lineEnd = text.indexOf("list:");
    const insertKey = { start: lineEnd, end: lineEnd, insert: "  digest: sha256:x\n" };
    expect(check(text, [insertKey])).toBeUndefined();
    const close = text.indexOf("]");
    const insertItem = { start: close, end: close, insert: ", c" };
    expect(check(text, [insertItem])).toBeUndefined();
  });

  it("catches a value that changed outside every edit", () => {
    const after = applyEdits(text, [tagEdit])?.replace("Always", "Never") ?? "";
    expect(check(text, [tagEdit], after)).toBe("the value at line 3, column 15 changed");
  });

  it("catches a structural change and a lost document", () => {
    expect(check(text, [tagEdit], text.replace("  tag: 1.4.1", "  tag: 1.4.2\n  extra: 1"))).toContain(
      "appeared or moved",
    );
    expect(check("a: 1\n---\nb: 2\n", [], "a: 1\n")).toContain("document count");
  });
});
