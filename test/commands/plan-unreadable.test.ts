import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../../src/commands/plan.js";

const example = new URL("../../examples/config-repo/", import.meta.url).pathname;
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("ferry plan never passes over a YAML file it cannot read", () => {
  it("a binary, an oversized and a non-UTF-8 YAML file under the environment's paths are errors; exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-plan-"));
    temps.push(dir);
    cpSync(example, dir, { recursive: true });
    // None of them names the image: before, the binary and the oversized one were skipped unread.
    writeFileSync(join(dir, "overlays/staging/blob.yaml"), Buffer.from([0x61, 0x3a, 0x20, 0x00, 0x01, 0x0a]));
    writeFileSync(join(dir, "overlays/staging/huge.yaml"), `x: ${"a".repeat(9 * 1024 * 1024)}\n`);
    writeFileSync(join(dir, "overlays/staging/latin1.yaml"), Buffer.from("a: 1\nb: caf\xe9\n", "latin1"));
    writeFileSync(join(dir, "overlays/staging/logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]));
    let stdout = "";
    const code = await run(["--image", "ghcr.io/acme/api:1.4.2", "--env", "staging", "--json", dir], {
      stdout: (t) => (stdout += t),
      stderr: () => {},
    });
    const plan = JSON.parse(stdout) as {
      changes: unknown[];
      findings: { file: string; line: number; rule: string; severity: string }[];
    };
    expect(plan.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: "overlays/staging/blob.yaml",
          line: 1,
          rule: "yaml-encoding",
          severity: "error",
        }),
        expect.objectContaining({
          file: "overlays/staging/huge.yaml",
          rule: "yaml-limits",
          severity: "error",
        }),
        expect.objectContaining({ file: "overlays/staging/latin1.yaml", severity: "error" }),
      ]),
    );
    expect(plan.findings.map((f) => f.file)).not.toContain("overlays/staging/logo.png");
    // The readable files are still planned.
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(code).toBe(1);
  });
});
