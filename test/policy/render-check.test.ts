import { createHash } from "node:crypto";
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

  it("answers what to fix first: errors before warnings, one row per finding with its message and fix", () => {
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
          // File order puts the warning first; the reviewer must read the errors first.
          finding({
            file: "a/b|c.yaml",
            rule: "resources-required",
            severity: "warning",
            line: 7,
            message: 'container "api" has no resources.limits',
          }),
          finding({
            file: "production/a.yaml",
            line: 3,
            message: 'image "x:latest" uses the latest tag; pin a version',
            fix: "pin a version",
          }),
          finding({
            file: "production/a.yaml",
            line: 9,
            message: 'image "y:latest" uses the latest tag; pin a version',
            fix: "pin a version",
          }),
        ],
        { skipped: [{ path: "logo.yaml", reason: "binary file" }] },
      ),
      config: cfg,
      configSource: ".github/ferry.yml@main",
      filesUrl: "https://github.com/acme/deploy/pull/7/files",
    });
    const lines = output.summary.split("\n");
    // The title says the counts; the summary does not repeat it, it says what to do.
    expect(output.title).toBe("2 errors, 1 warning in 4 files");
    expect(lines[0]).not.toContain("2 errors, 1 warning");
    expect(lines[0]).toBe(
      "Fix the 2 errors to merge; the warning does not block it. Ferry skipped 1 file (listed below).",
    );
    const rows = lines.filter((l) => /^\| (❌|⚠️|ℹ️)/.test(l));
    expect(rows).toHaveLength(3);
    const anchor = (path: string, line: number) =>
      `https://github.com/acme/deploy/pull/7/files#diff-${createHash("sha256").update(path).digest("hex")}R${line}`;
    expect(rows[0]).toBe(
      `| ❌ | [\`production/a.yaml\` line 3](${anchor("production/a.yaml", 3)}) | image "x:latest" uses the latest tag <sub>no-latest-tag</sub> | pin a version |`,
    );
    // The same file is not named again on the next row.
    expect(rows[1]).toBe(
      `| ❌ | [line 9](${anchor("production/a.yaml", 9)}) | image "y:latest" uses the latest tag <sub>no-latest-tag</sub> | pin a version |`,
    );
    expect(rows[2]).toMatch(
      /^\| ⚠️ \| \[`a\/b\\\|c\.yaml` line 7\]\(https:\/\/github\.com\/acme\/deploy\/pull\/7\/files#diff-[0-9a-f]{64}R7\) \| container "api" has no resources\.limits <sub>resources-required<\/sub> \| set resources\.requests /,
    );
    expect(lines).toContain("| | Where | Problem | Fix |");
    expect(lines).toContain("- `logo.yaml`: binary file");
    expect(output.summary).toContain(
      "Source: .github/ferry.yml@main. Kinds Ferry has no schema for are errors in production (strict) and notices elsewhere.",
    );
    expect(lines).toContain("| Rule | outside environments | `staging` | `production` |");
    expect(lines).toContain("| digest-pinned | off | off | error |");
    expect(lines).toContain("| run-as-non-root | warning | warning | error |");
    expect(lines).toContain(
      "| allowed-registries | error (ghcr.io/acme) | error (ghcr.io/acme) | error (ghcr.io/acme) |",
    );
  });

  it.each([
    [
      [finding({ severity: "warning" }), finding({ severity: "warning", line: 4 })],
      "Nothing blocks the merge; 2 warnings are worth a look.",
    ],
    [[finding({ severity: "notice" })], "Nothing blocks the merge."],
    [[], "Nothing to fix."],
    [
      [finding({}), finding({ line: 4, severity: "warning" }), finding({ line: 5, severity: "warning" })],
      "Fix the error to merge; the 2 warnings do not block it.",
    ],
  ] as const)("%# first line: %s", (findings, first) => {
    const output = renderValidateCheck({ report: report([...findings]), config: emptyConfig });
    expect(output.summary.split("\n")[0]).toBe(first);
  });

  it("shows the line without a link when it knows no PR", () => {
    const output = renderValidateCheck({ report: report([finding({})]), config: emptyConfig });
    expect(output.summary).toContain(
      "| ❌ | `a.yaml` line 3 | m <sub>no-latest-tag</sub> | pin a version tag or a digest |",
    );
  });

  it("writes annotation messages as plain text, titled by the rule", () => {
    const output = renderValidateCheck({
      report: report([finding({ message: "set `resources.limits` on `api`" })]),
      config: emptyConfig,
    });
    expect(output.annotations[0]).toMatchObject({
      title: "no-latest-tag",
      message: "set resources.limits on api",
    });
  });

  it("keeps the summary under GitHub's byte limit however many findings there are, multi-byte names too", () => {
    const many = Array.from({ length: 5000 }, (_, i) => finding({ file: `dir/設定-${i}.yaml`, line: i + 1 }));
    const output = renderValidateCheck({ report: report(many), config: emptyConfig });
    expect(Buffer.byteLength(output.summary, "utf8")).toBeLessThanOrEqual(maxSummaryLength);
    expect(output.summary).toMatch(/…and [\d,]+ more findings; see the annotations\./);
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
