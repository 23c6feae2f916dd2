import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/commands/validate.js";
import { type HostileCase, hostileCases } from "../support/hostile-yaml.js";

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `ferry validate --format json` as a real child process, as a user runs it. */
function ferryValidate(dir: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", "validate", dir, "--format", "json"],
      // A stall must fail the test, not outlive it.
      { maxBuffer: 64 * 1024 * 1024, timeout: 50_000, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const failed = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
        resolve({ code: failed ? (failed.code ?? null) : 0, signal: failed?.signal ?? null, stdout, stderr });
      },
    );
  });
}

interface Report {
  findings: { file: string; line: number; rule: string; severity: string; message: string }[];
}

/** The same hostile file twice in one directory: one fresh process parses it twice. */
function twice(c: HostileCase): string {
  const dir = mkdtempSync(join(tmpdir(), "ferry-hostile-"));
  temps.push(dir);
  writeFileSync(join(dir, `${c.name}-1.yaml`), c.bytes);
  writeFileSync(join(dir, `${c.name}-2.yaml`), c.bytes);
  return dir;
}

describe("ferry validate on hostile YAML, each file twice in one fresh process", () => {
  it.concurrent.each(hostileCases().map((c) => [c.name, c] as const))(
    "%s: the process lives and the file gets a clear finding",
    async (_name, c) => {
      const out = await ferryValidate(twice(c));
      expect(out.signal, out.stderr.slice(0, 2_000)).toBeNull();
      expect(out.stderr).toBe("");
      const report = JSON.parse(out.stdout) as Report;
      for (const copy of [1, 2]) {
        const file = `${c.name}-${copy}.yaml`;
        const errors = report.findings.filter((f) => f.file === file && f.severity === "error");
        if (c.expect === "accepted") {
          expect(errors).toEqual([]);
        } else {
          const { refused, line } = c.expect;
          expect(errors).toContainEqual(
            expect.objectContaining({ rule: refused, ...(line === undefined ? {} : { line }) }),
          );
        }
      }
      expect(out.code).toBe(c.expect === "accepted" ? 0 : 1);
    },
    60_000,
  );
});

describe("ferry validate never passes over a YAML file it cannot read", () => {
  it("a file over 8 MiB, a binary file and a file that is not UTF-8 are errors, not skips; exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-unreadable-"));
    temps.push(dir);
    writeFileSync(join(dir, "huge.yaml"), `x: ${"a".repeat(8 * 1024 * 1024)}\n`);
    writeFileSync(join(dir, "blob.yaml"), Buffer.from([0x61, 0x3a, 0x0a, 0x00, 0xff]));
    writeFileSync(join(dir, "latin1.yaml"), Buffer.from("a: 1\nb: caf\xe9\n", "latin1"));
    writeFileSync(join(dir, "ok.yaml"), "a: 1\n");
    let stdout = "";
    const code = await run([dir], { stdout: (t) => (stdout += t), stderr: () => {} });
    expect(stdout).toMatch(/^blob\.yaml:2:1: error binary file .* \[yaml-encoding\]$/m);
    expect(stdout).toMatch(
      /^huge\.yaml:1:1: error file is 8388612 bytes, over the 8388608-byte limit .* \[yaml-limits\]$/m,
    );
    expect(stdout).toMatch(/^latin1\.yaml:2:1: error file is not valid UTF-8; .* \[yaml-encoding\]$/m);
    expect(stdout).not.toContain("skipped");
    expect(stdout).toContain("1 file checked, 3 errors");
    expect(code).toBe(1);
  });
});
