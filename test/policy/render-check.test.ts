import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/findings.js";
import type { ValidationReport } from "../../src/policy/engine.js";
import { batchAnnotations, maxSummaryLength, renderValidateCheck } from "../../src/policy/render-check.js";
import { check, config, emptyConfig, goodDeployment } from "./helpers.js";

function finding(over: Partial<Finding>): Finding {
  return {
    file: "a.yaml",
    line: 3,
    column: 5,
    severity: "error",
    rule: "no-latest-tag",
    message: "m",
    ...over,
  };
}

function report(findings: Finding[], extra: Partial<ValidationReport> = {}): ValidationReport {
  return { findings, filesChecked: 4, skipped: [], ...extra };
}

describe("renderValidateCheck", () => {
  it.each([
    [
      [finding({ severity: "error" }), finding({ severity: "warning" })],
      "failure",
      "1 error, 1 warning in 4 files",
    ],
    [
      [finding({ severity: "warning" }), finding({ severity: "notice" })],
      "neutral",
      "1 warning, 1 notice in 4 files",
    ],
    [[finding({ severity: "notice" })], "success", "1 notice in 4 files"],
    [[], "success", "No problems in 4 files"],
  ] as const)("%# → %s", (findings, conclusion, title) => {
    const output = renderValidateCheck({ report: report([...findings]), config: emptyConfig });
    expect(output.name).toBe("Ferry / validate");
    expect(output.conclusion).toBe(conclusion);
    expect(output.title).toBe(title);
  });

  it("annotates the exact line of each finding with GitHub's fields", async () => {
    const findings = await check(goodDeployment.replace(/image: .*/, "image: ghcr.io/acme/api:latest"), {
      path: "overlays/prod/api.yaml",
    });
    const output = renderValidateCheck({ report: report(findings), config: emptyConfig });
    expect(output.annotations).toEqual([
      {
        path: "overlays/prod/api.yaml",
        start_line: 21,
        end_line: 21,
        start_column: 18,
        end_column: 41,
        annotation_level: "failure",
        message: 'container "api" image "ghcr.io/acme/api:latest" uses the latest tag; pin a version',
        title: "no-latest-tag",
      },
    ]);
  });

  it("maps severities to annotation levels and drops columns on multi-line findings", () => {
    const output = renderValidateCheck({
      report: report([
        finding({ severity: "warning" }),
        finding({ severity: "notice" }),
        finding({ line: 2, endLine: 4, endColumn: 3 }),
      ]),
      config: emptyConfig,
    });
    expect(output.annotations.map((a) => a.annotation_level)).toEqual(["warning", "notice", "failure"]);
    expect(output.annotations[2]).not.toHaveProperty("start_column");
    expect(output.annotations[2]).toMatchObject({ start_line: 2, end_line: 4 });
  });

  it("summarises counts, a table per file and rule, skipped files and the config used", () => {
    const cfg = config({
      environments: [
        { name: "staging", paths: ["staging/**"] },
        {
          name: "production",
          paths: ["production/**"],
          digest: "required",
          strict: true,
          policy: { "run-as-non-root": "error" },
        },
      ],
      policy: { "allowed-registries": ["ghcr.io/acme"] },
    });
    const output = renderValidateCheck({
      report: report(
        [
          finding({ file: "production/a.yaml", line: 3 }),
          finding({ file: "production/a.yaml", line: 9 }),
          finding({ file: "staging/b|c.yaml", rule: "resources-required", severity: "warning", line: 7 }),
        ],
        { skipped: [{ path: "logo.yaml", reason: "binary file" }] },
      ),
      config: cfg,
      configSource: ".github/ferry.yml@main",
    });
    const lines = output.summary.split("\n");
    expect(lines[0]).toBe("**2 errors, 1 warning** in 4 files checked (1 file skipped).");
    expect(lines).toContain("| `production/a.yaml` | no-latest-tag | error | 2 | 3, 9 |");
    expect(lines).toContain("| `staging/b\\|c.yaml` | resources-required | warning | 1 | 7 |");
    expect(lines).toContain("- `logo.yaml`: binary file");
    expect(output.summary).toContain(
      "Source: .github/ferry.yml@main. Unknown kinds are errors in production and notices elsewhere.",
    );
    expect(lines).toContain("| Rule | outside environments | `staging` | `production` |");
    expect(lines).toContain("| digest-pinned | off | off | error |");
    expect(lines).toContain("| run-as-non-root | warning | warning | error |");
    expect(lines).toContain(
      "| allowed-registries | error (ghcr.io/acme) | error (ghcr.io/acme) | error (ghcr.io/acme) |",
    );
  });

  it("keeps the summary under GitHub's byte limit however many findings there are, multi-byte names too", () => {
    const many = Array.from({ length: 5000 }, (_, i) => finding({ file: `dir/設定-${i}.yaml`, line: i + 1 }));
    const output = renderValidateCheck({ report: report(many), config: emptyConfig });
    expect(Buffer.byteLength(output.summary, "utf8")).toBeLessThanOrEqual(maxSummaryLength);
    expect(output.summary).toMatch(/…and \d+ more rows; see the annotations\./);
    expect(output.summary).toContain("Config used");
    expect(output.annotations).toHaveLength(5000);
  });
});

describe("batchAnnotations", () => {
  it.each([
    [0, [0]],
    [50, [50]],
    [51, [50, 1]],
    [120, [50, 50, 20]],
  ])("%i findings → requests of %j annotations", (n, sizes) => {
    const findings = Array.from({ length: n }, (_, i) => finding({ line: i + 1 }));
    const output = renderValidateCheck({ report: report(findings), config: emptyConfig });
    const batches = batchAnnotations(output.annotations);
    expect(batches.map((b) => b.length)).toEqual(sizes);
    expect(batches.flat().map((a) => a.start_line)).toEqual(findings.map((f) => f.line));
  });
});
