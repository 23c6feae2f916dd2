import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import type { PullRecord } from "../support/github/index.js";
import { kustomization } from "./fixtures.js";
import { build, freshRepos, merge } from "./world.js";

/** What a reviewer sees first: the verdict on the PR, and who overrode it. */
describe("what the reviewer sees", () => {
  let stack: Stack;
  const ferryPrs = (state = "open"): PullRecord[] =>
    stack.github.pulls("acme/deploy").filter((p) => p.state === state && p.head.ref.startsWith("ferry/"));
  /** The run GitHub shows for `name` on `sha` (the latest), and its annotations, read as a reviewer's browser does. */
  const shown = async (sha: string, name: string) => {
    const alice = stack.user("alice");
    const { data } = await alice.rest.checks.listForRef({
      owner: "acme",
      repo: "deploy",
      ref: sha,
      check_name: name,
      filter: "latest",
    });
    const run = data.check_runs[0];
    if (!run) throw new Error(`no ${name} on ${sha}`);
    const { data: annotations } = await alice.rest.checks.listAnnotations({
      owner: "acme",
      repo: "deploy",
      check_run_id: run.id,
    });
    return { run, annotations };
  };
  /** staging ran 1.5.0, then 1.6.0 (merged Ferry PRs: staging has no cluster, so merging counts). */
  const shipTwo = async () => {
    for (const tag of ["1.5.0", "1.6.0"]) {
      await build(stack, tag);
      for (const pr of ferryPrs()) await merge(stack, pr.number);
    }
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  beforeEach(async () => {
    await freshRepos(stack);
    stack.github.setPermission("acme/deploy", "alice", "write");
    await stack.user("alice").rest.issues.create({ owner: "acme", repo: "deploy", title: "Releases" });
    await stack.idle();
  });
  afterAll(() => stack?.close());

  it("never shows a stale failure annotation once the rollback label turns Ferry / promotion green", async () => {
    await shipTwo();
    const head = stack.github.push("acme/deploy", {
      branch: "back",
      files: { "overlays/staging/kustomization.yaml": kustomization("1.5.0") },
      message: "Back to 1.5.0",
      author: { name: "Dev", email: "dev@acme.test", login: "dev" },
    });
    const { data: pr } = await (await stack.developer()).rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "back",
      base: "main",
      title: "Back to 1.5.0",
    });
    await stack.idle();
    const before = await shown(head, "Ferry / promotion");
    expect(before.run.conclusion).toBe("failure");
    expect(before.annotations.map((a) => a.annotation_level)).toEqual(["failure"]);
    expect(before.annotations[0]?.title).toBe("Downgrade");

    await stack.user("alice").rest.issues.addLabels({
      owner: "acme",
      repo: "deploy",
      issue_number: pr.number,
      labels: ["ferry:rollback"],
    });
    await stack.idle();
    const after = await shown(head, "Ferry / promotion");
    expect(after.run.conclusion).toBe("success");
    expect(after.run.output.title).toBe(
      "Rollback to 1.5.0 allowed by the ferry:rollback label (applied by @alice)",
    );
    expect(after.annotations.filter((a) => a.annotation_level === "failure")).toEqual([]);
  });

  it("credits a ChatOps rollback to the person who asked, not to Ferry's bot", async () => {
    await shipTwo();
    await stack.user("alice").rest.issues.createComment({
      owner: "acme",
      repo: "deploy",
      issue_number: 1,
      body: "/ferry rollback api staging 1.6.0 leaks memory",
    });
    await stack.idle();
    const [pr] = ferryPrs();
    if (!pr) throw new Error("no rollback PR");
    const { run, annotations } = await shown(pr.head.sha, "Ferry / promotion");
    expect(run.conclusion).toBe("success");
    expect(run.output.title).toBe("Rollback to 1.5.0 allowed by the ferry:rollback label (asked by @alice)");
    expect(run.output.summary).toContain("applied by Ferry for @alice through ChatOps");
    expect(run.output.summary).not.toContain("applied by @ferry[bot]");
    expect(annotations).toEqual([]);
  });
});
