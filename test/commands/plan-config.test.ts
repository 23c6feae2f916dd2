import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { run } from "../../src/commands/plan.js";

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scratch config repo whose one environment covers everything (`**`). */
function repo(image: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ferry-plan-config-"));
  temps.push(dir);
  const files: Record<string, string> = {
    ".github/ferry.yml": stringify({
      environments: [{ name: "everything", paths: ["**"] }],
      apps: [{ name: "api", image }],
    }),
    ".github/workflows/smoke.yml": "jobs:\n  smoke:\n    container: ghcr.io/acme/api:1.4.1\n",
    "values.yaml": "image: ghcr.io/acme/api:1.4.1\n",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function plan(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("ferry plan and apps[].image", () => {
  it("refuses an image with a tag at its line in ferry.yml, saying what to write (not at 1:1)", async () => {
    const dir = repo("ghcr.io/acme/api:1.4.1");
    const { code, stdout } = await plan("--image", "ghcr.io/acme/api:1.5.0", "--env", "everything", dir);
    expect(code).toBe(1);
    const config = readFileSync(join(dir, ".github/ferry.yml"), "utf8").split("\n");
    const line = config.findIndex((l) => l.includes("image: ghcr.io/acme/api:1.4.1")) + 1;
    expect(stdout).toContain(`.github/ferry.yml:${line}:`);
    expect(stdout).toContain("error apps.0.image:");
    expect(stdout).toContain("write image: ghcr.io/acme/api [config]");
    expect(stdout).not.toContain("ferry.yml:1:1");
  });

  it("never plans a change under .github/, even with ** paths", async () => {
    const dir = repo("ghcr.io/acme/api");
    const { code, stdout } = await plan(
      "--write",
      "--image",
      "ghcr.io/acme/api:1.5.0",
      "--env",
      "everything",
      dir,
    );
    expect(code).toBe(0);
    expect(stdout).toContain("values.yaml:1");
    expect(stdout).not.toContain(".github/");
    expect(readFileSync(join(dir, "values.yaml"), "utf8")).toBe("image: ghcr.io/acme/api:1.5.0\n");
    expect(readFileSync(join(dir, ".github/workflows/smoke.yml"), "utf8")).toContain(
      "ghcr.io/acme/api:1.4.1",
    );
  });
});
