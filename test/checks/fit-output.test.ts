import { describe, expect, it } from "vitest";
import type { Annotation } from "../../src/checks/annotations.js";
import type { CheckOutput } from "../../src/checks/check-output.js";
import { fitCheckOutput } from "../../src/checks/fit-output.js";
import { sizeIn } from "../../src/github/limits.js";

const annotation = (
  line: number,
  level: Annotation["annotation_level"],
  message = `m${line}`,
): Annotation => ({
  path: "a.yaml",
  start_line: line,
  end_line: line,
  annotation_level: level,
  message,
});

const output = (extra: Partial<CheckOutput> = {}): CheckOutput => ({
  name: "Ferry / validate",
  conclusion: "failure",
  title: "t",
  summary: "**Headline**\n\nbody",
  annotations: [],
  ...extra,
});

describe("fitCheckOutput", () => {
  it("leaves an output within every limit as it is", () => {
    const small = output({ annotations: [annotation(1, "failure")] });
    expect(fitCheckOutput(small)).toEqual(small);
  });

  it("keeps at most 500 annotations, errors first, and says under the headline how many more there are", () => {
    const annotations = [
      ...Array.from({ length: 600 }, (_, i) => annotation(i + 1, "notice")),
      ...Array.from({ length: 300 }, (_, i) => annotation(i + 1, "warning")),
      ...Array.from({ length: 300 }, (_, i) => annotation(i + 1, "failure")),
    ];
    const fitted = fitCheckOutput(output({ annotations }));
    expect(fitted.annotations).toHaveLength(500);
    expect(fitted.annotations.slice(0, 300).every((a) => a.annotation_level === "failure")).toBe(true);
    expect(fitted.annotations.slice(300).every((a) => a.annotation_level === "warning")).toBe(true);
    expect(fitted.annotations[0]?.start_line).toBe(1);
    expect(fitted.summary.split("\n\n")).toEqual([
      "**Headline**",
      "**700 more findings are not annotated.** Ferry puts at most 500 annotations on a check, errors first; run `ferry validate` on the branch (`--format sarif` for code scanning) to list every finding.",
      "body",
    ]);
  });

  it("cuts every field to GitHub's limit in GitHub's unit", () => {
    const fitted = fitCheckOutput(
      output({
        title: "題".repeat(30_000),
        summary: `**Headline**\n\n${"行\n".repeat(40_000)}`,
        text: "🚀".repeat(20_000),
        annotations: [
          {
            ...annotation(1, "failure", "誤".repeat(30_000)),
            title: "🚀".repeat(300),
            raw_details: "é".repeat(40_000),
          },
        ],
      }),
    );
    expect(sizeIn(fitted.title, "bytes")).toBeLessThanOrEqual(65_535);
    expect(sizeIn(fitted.summary, "bytes")).toBeLessThanOrEqual(65_535);
    expect(fitted.summary.startsWith("**Headline**")).toBe(true);
    expect(sizeIn(fitted.text ?? "", "bytes")).toBeLessThanOrEqual(65_535);
    const [a] = fitted.annotations;
    expect(sizeIn(a?.message ?? "", "bytes")).toBeLessThanOrEqual(65_535);
    expect(sizeIn(a?.raw_details ?? "", "bytes")).toBeLessThanOrEqual(65_535);
    expect(sizeIn(a?.title ?? "", "characters")).toBe(255);
    expect(fitted.summary).toMatch(
      /… [\d,]+ more characters not shown: GitHub takes at most 65,535 bytes here …/,
    );
  });
});
