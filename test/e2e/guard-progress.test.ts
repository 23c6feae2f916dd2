import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prManifest } from "../../bench/support/config-repo.js";
import { type Stack, startStack } from "../support/ferry.js";
import { freshRepos } from "./world.js";

describe("a long guard shows its progress in Ferry / validate", () => {
  let stack: Stack;
  beforeAll(async () => {
    // Progress as often as the work allows; the shipped default is every 5 s.
    stack = await startStack({ env: { FERRY_CHECK_PROGRESS_MS: "1" } });
  });
  afterAll(() => stack?.close());

  it("in_progress updates count the files validated, then the check concludes", async () => {
    await freshRepos(stack);
    const files: Record<string, string> = {};
    for (let i = 0; i < 600; i++) {
      const { path, text } = prManifest(i, 2);
      files[`overlays/staging/${path}`] = text;
    }
    stack.github.push("acme/deploy", { branch: "bulk", files, message: "600 manifests" });
    await stack.idle();
    const developer = await stack.developer();
    const { data: pr } = await developer.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "bulk",
      base: "main",
      title: "600 manifests",
    });
    await stack.idle();
    const run = stack.github.checkRuns("acme/deploy", pr.head.sha).find((c) => c.name === "Ferry / validate");
    expect(run?.status).toBe("completed");
    const history = run?.history ?? [];
    const progress = history.filter((h) => h.status === "in_progress" && h.title !== null);
    expect(progress.length).toBeGreaterThan(0);
    for (const h of progress) expect(h.title).toMatch(/^Validated [1-5]\d\d of 600 files$/);
    const counts = progress.map((h) => Number(/Validated (\d+)/.exec(h.title ?? "")?.[1]));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // The conclusion is the last word: no progress update lands after it.
    expect(history.at(-1)?.status).toBe("completed");
    expect(history.findIndex((h) => h.status === "completed")).toBe(history.length - 1);
  });
});
