import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import type { PullRecord } from "../support/github/index.js";
import { configRepoFiles, ferryYml } from "./fixtures.js";
import { build, concluded, eventually, freshRepos } from "./world.js";

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
  const mergeRequests = () =>
    stack.github.requests.filter((r) => r.route === "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge");
  const failedMerges = () => mergeRequests().filter((r) => r.status !== 200);
  /** The CI app reports `build` on the PR head: started, then finished with `conclusion`. */
  const ciBuild = async (sha: string, conclusion: "success" | "failure") => {
    const ci = stack.ci();
    const { data } = await ci.rest.checks.create({
      ...o,
      name: "build",
      head_sha: sha,
      status: "in_progress",
    });
    await ci.rest.checks.update({ ...o, check_run_id: data.id, conclusion });
  };
  /** The staging PR once Ferry's own checks concluded on its head. */
  const guarded = async () => {
    const pr = await eventually(() => stagingPr(), "the staging PR");
    await concluded(stack, pr.head.sha, "Ferry / validate");
    await concluded(stack, pr.head.sha, "Ferry / promotion");
    return pr;
  };
  const merged = () => eventually(() => stagingPr()?.merged && stagingPr(), "the staging PR to merge");

  beforeAll(async () => {
    stack = await startStack();
  });
  beforeEach(async () => {
    await freshRepos(stack, autoMergeFiles());
    stack.github.resetRequests();
  });
  afterAll(() => stack?.close());

  it("where auto-merge is not allowed, Ferry merges once the CI's suite completes after its own", async () => {
    stack.github.protectBranch("acme/deploy", "main", { requiredChecks: ["build"] });
    await build(stack, "1.5.0");
    const pr = await guarded();
    expect(pr.auto_merge).toBeNull();
    // Ferry's own suite completed (both checks passed) while the required build had not reported:
    // Ferry heard it and waits rather than asking GitHub to merge.
    const ferrySuite = await eventually(
      () =>
        stack.github.deliveries.find(
          (d) =>
            d.event === "check_suite" && d.action === "completed" && d.app === "ferry" && d.status === 202,
        ),
      "Ferry's suite to complete",
    );
    expect(ferrySuite.payload.check_suite).toMatchObject({ head_sha: pr.head.sha, app: { slug: "ferry" } });
    expect(pr.state).toBe("open");
    await ciBuild(pr.head.sha, "success");
    expect(await merged()).toMatchObject({ merged: true, merged_by: { login: "ferry[bot]" } });
    expect(stack.github.readFile("acme/deploy", "main", kustomizationPath)).toContain('newTag: "1.5.0"');
    expect(failedMerges()).toEqual([]);
  });

  it("auto-merge on: GitHub merges the PR once the branch's required checks pass", async () => {
    stack.github.setRepoSettings("acme/deploy", { allowAutoMerge: true });
    stack.github.protectBranch("acme/deploy", "main", {
      requiredChecks: ["Ferry / validate", "Ferry / promotion", "build"],
    });
    await build(stack, "1.5.0");
    const pr = await guarded();
    expect(pr.auto_merge).toMatchObject({ merge_method: "squash", enabled_by: { login: "ferry[bot]" } });
    expect(pr.body).toContain("Auto-merge is on");
    expect(pr.state).toBe("open"); // build has not run
    await ciBuild(pr.head.sha, "success");
    expect(await merged()).toMatchObject({ merged: true });
    expect(stack.github.readFile("acme/deploy", "main", kustomizationPath)).toContain('newTag: "1.5.0"');
    // GitHub merged it: Ferry never asked
    expect(mergeRequests()).toEqual([]);
  });

  it("no branch protection: GitHub refuses auto-merge, Ferry says so and merges once its checks pass", async () => {
    stack.github.setRepoSettings("acme/deploy", { allowAutoMerge: true });
    await build(stack, "1.5.0");
    const pr = await merged();
    expect(stack.github.comments("acme/deploy", pr.number).map((c) => c.body)).toContainEqual(
      expect.stringContaining("`Pull request Protected branch rules not configured for this branch`"),
    );
    expect(pr).toMatchObject({ merged: true, merged_by: { login: "ferry[bot]" } });
    // merged after, not before, Ferry's own checks concluded on the head
    const routes = stack.github.requests.map((r) => r.route);
    const checksDone = routes.lastIndexOf("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}");
    const mergedAt = stack.github.requests.findIndex(
      (r) => r.route === "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge" && r.status === 200,
    );
    expect(mergedAt).toBeGreaterThan(checksDone);
    for (const name of ["Ferry / validate", "Ferry / promotion"])
      expect(stack.github.checkRuns("acme/deploy", pr.head.sha).filter((r) => r.name === name)).toMatchObject(
        [{ conclusion: "success" }],
      );
  });

  it("refused: a merge GitHub will not make is explained on the PR, and the PR stays open", async () => {
    stack.github.protectBranch("acme/deploy", "main", { requiredApprovals: 1 });
    await build(stack, "1.5.0");
    const pr = stagingPr();
    const said = () => stack.github.comments("acme/deploy", pr?.number).map((c) => c.body);
    expect(said()).toContainEqual(
      expect.stringContaining("`Pull request Auto merge is not allowed for this repository`"),
    );
    // comments are paced (GitHub asks for about a second between content-creating requests), and the
    // delivery may have been answered before the handler finished: wait for the effect
    const refusal = await eventually(
      () => said().find((b) => b.startsWith("Ferry could not merge this PR")),
      "the refusal comment",
    );
    expect(refusal).toContain(
      "GitHub answered `At least 1 approving review is required by reviewers with write access.`",
    );
    expect(stagingPr()?.state).toBe("open");
    expect(mergeRequests().map((r) => r.status)).toEqual([405]);
  });

  it("does not merge while a check on the head failed", async () => {
    stack.github.protectBranch("acme/deploy", "main", { requiredChecks: ["build"] });
    await build(stack, "1.5.0");
    const pr = await guarded();
    await ciBuild(pr.head.sha, "failure");
    await stack.idle(); // nothing to wait for: every delivery answered, and no merge
    expect(stagingPr()?.state).toBe("open");
    expect(mergeRequests()).toEqual([]);
  });
});
