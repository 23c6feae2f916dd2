import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import type { PullRecord } from "../support/github/index.js";
import { configRepoFiles, ferryYml } from "./fixtures.js";
import { build, freshRepos } from "./world.js";

/** staging with `autoMerge: true`. */
const autoMergeFiles = () => ({
  ...configRepoFiles(),
  ".github/ferry.yml": ferryYml.replace(
    "    paths: [overlays/staging/**]\n",
    "    paths: [overlays/staging/**]\n    autoMerge: true\n",
  ),
});
const kustomizationPath = "overlays/staging/kustomization.yaml";
const o = { owner: "acme", repo: "deploy" };

describe("auto-merge of Ferry PRs, driven by the check suite events GitHub sends", () => {
  let stack: Stack;
  const stagingPr = (): PullRecord | undefined =>
    stack.github.pulls("acme/deploy").find((p) => p.head.ref === "ferry/staging/api");
  const failedMerges = () =>
    stack.github.requests.filter(
      (r) => r.route === "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge" && r.status !== 200,
    );
  /** The CI app reports `build` on the PR head: started, then finished with `conclusion`. */
  const ciBuild = async (sha: string, conclusion?: "success" | "failure") => {
    const ci = stack.ci();
    const { data } = await ci.rest.checks.create({
      ...o,
      name: "build",
      head_sha: sha,
      status: "in_progress",
    });
    await stack.github.idle();
    if (conclusion) await ci.rest.checks.update({ ...o, check_run_id: data.id, conclusion });
    await stack.github.idle();
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  beforeEach(() => freshRepos(stack, autoMergeFiles()));
  afterAll(() => stack?.close());

  it("where auto-merge is not allowed, Ferry merges once the CI's suite completes after its own", async () => {
    stack.github.protectBranch("acme/deploy", "main", { requiredChecks: ["build"] });
    await build(stack, "1.5.0");
    const pr = stagingPr();
    expect(pr?.auto_merge).toBeNull();
    // Ferry's own suite completed (both checks passed) while the required build had not reported:
    // Ferry waits rather than asking GitHub to merge.
    const ferrySuite = stack.github.deliveries.find(
      (d) => d.event === "check_suite" && d.action === "completed" && d.app === "ferry",
    );
    expect(ferrySuite?.payload.check_suite).toMatchObject({ head_sha: pr?.head.sha, app: { slug: "ferry" } });
    expect(pr?.state).toBe("open");
    await ciBuild(pr?.head.sha ?? "", "success");
    expect(stagingPr()).toMatchObject({ merged: true, merged_by: { login: "ferry[bot]" } });
    expect(stack.github.readFile("acme/deploy", "main", kustomizationPath)).toContain('newTag: "1.5.0"');
    expect(failedMerges()).toEqual([]);
  });

  it("does not merge while a check on the head failed", async () => {
    stack.github.protectBranch("acme/deploy", "main", { requiredChecks: ["build"] });
    await build(stack, "1.5.0");
    await ciBuild(stagingPr()?.head.sha ?? "", "failure");
    expect(stagingPr()?.state).toBe("open");
    expect(failedMerges()).toEqual([]);
  });
});
