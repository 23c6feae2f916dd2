import { describe, expect, it } from "vitest";
import { clipText, fitBody, fitText, githubLimits, type SizeLimit, sizeIn } from "../../src/github/limits.js";

/** No lone surrogate: a pair was never split (String.prototype.isWellFormed, without the ES2024 lib). */
const wellFormed = (text: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
const bytes = (max: number): SizeLimit => ({ max, unit: "bytes" });
const characters = (max: number): SizeLimit => ({ max, unit: "characters" });

/** A deterministic mix of 1-, 2-, 3- and 4-byte characters and line breaks. */
function mixed(length: number, seed = 7): string {
  const alphabet = ["a", "é", "日", "🚀", "\n", "b", "ж", "👩‍💻"];
  let state = seed;
  let out = "";
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[state % alphabet.length];
  }
  return out;
}

describe("sizeIn", () => {
  it("counts UTF-8 bytes and characters, not UTF-16 units", () => {
    expect(sizeIn("a日🚀", "bytes")).toBe(1 + 3 + 4);
    expect(sizeIn("a日🚀", "characters")).toBe(3);
    expect("a日🚀".length).toBe(4);
  });
});

describe("fitText", () => {
  it("leaves text that fits untouched, whatever its UTF-16 length", () => {
    expect(fitText("日".repeat(21_845), githubLimits.checkSummary)).toBe("日".repeat(21_845));
    expect(fitBody("🚀".repeat(65_536))).toBe("🚀".repeat(65_536));
  });

  it("keeps the beginning and the end and says how many characters are left out", () => {
    const text = `${"head line\n".repeat(3000)}<!-- marker -->`;
    const fitted = fitText(text, bytes(10_000));
    expect(sizeIn(fitted, "bytes")).toBeLessThanOrEqual(10_000);
    expect(fitted.startsWith("head line\n")).toBe(true);
    expect(fitted.endsWith("<!-- marker -->")).toBe(true);
    const omitted = Number(
      /… ([\d,]+) more characters not shown: GitHub takes at most 10,000 bytes here …/
        .exec(fitted)?.[1]
        ?.replaceAll(",", ""),
    );
    const [head = "", tail = ""] = fitted.split(/\n\n… .* …\n\n/);
    expect(head.length + omitted + tail.length).toBe(text.length);
    // Cut on line breaks: no partial "head line".
    expect(head.endsWith("\n")).toBe(true);
  });

  it("never exceeds the limit or splits a character, in either unit", () => {
    for (const length of [100, 5_000, 40_000]) {
      const text = mixed(length, length);
      for (const limit of [bytes(65_535), bytes(4_000), bytes(300), characters(1_000), characters(65_536)]) {
        const fitted = fitText(text, limit);
        expect(sizeIn(fitted, limit.unit)).toBeLessThanOrEqual(limit.max);
        expect(wellFormed(fitted)).toBe(true);
        const [head = "", tail = ""] = fitted.split(/\n\n… [\d,]+ more characters not shown: .* …\n\n/);
        expect(text.startsWith(head)).toBe(true);
        expect(text.endsWith(tail)).toBe(true);
      }
    }
  });

  it("fits a body in characters, where an emoji is one character but two UTF-16 units", () => {
    const fitted = fitBody("🚀".repeat(70_000));
    expect(sizeIn(fitted, "characters")).toBeLessThanOrEqual(65_536);
    expect(fitted).toContain("more characters not shown: GitHub takes at most 65,536 characters here");
    expect(wellFormed(fitted)).toBe(true);
  });
});

describe("clipText", () => {
  it("cuts a title on a character boundary and ends it with an ellipsis", () => {
    const title = clipText("🚀".repeat(300), githubLimits.annotationTitle);
    expect(sizeIn(title, "characters")).toBe(255);
    expect(title.endsWith("🚀…")).toBe(true);
    expect(clipText("short", githubLimits.annotationTitle)).toBe("short");
    const name = clipText("日".repeat(30_000), githubLimits.checkName);
    expect(sizeIn(name, "bytes")).toBeLessThanOrEqual(65_535);
    expect(wellFormed(name)).toBe(true);
  });
});
