import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import type { CheckRunRecord } from "../support/github/index.js";
import { render } from "../support/markdown.js";
import { concluded, freshRepos } from "./world.js";

const count = 3500;
/** Sorted after every other changed file: past compare's 300 files and the PR files list's 3,000. */
const lastPath = "overlays/staging/zz-last.yaml";
const latestTag = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: last
spec:
  template:
    spec:
      containers:
        - name: last
          image: nginx:latest
`;

describe("a PR of 3,500 files", () => {
  let stack: Stack;
  const validate = (sha: string): Promise<CheckRunRecord> => concluded(stack, sha, "Ferry / validate");
  const openBulkPr = async () => {
    const files: Record<string, string> = { [lastPath]: latestTag };
    for (let i = 0; i < count; i++) {
      const n = String(i).padStart(4, "0");
      files[`overlays/staging/bulk/c${n}.yaml`] =
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${n}\ndata:\n  k: v\n`;
    }
    const head = stack.github.push("acme/deploy", { branch: "bulk", files, message: "Bulk" });
    await (await stack.developer()).rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "bulk",
      base: "main",
      title: "Bulk",
    });
    return head;
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  beforeEach(async () => {
    await freshRepos(stack);
    stack.github.state.limits.treeEntries = 100_000;
  });
  afterAll(() => stack?.close());

  it("validates every file, including the ones past compare's 300 and the PR list's 3,000", async () => {
    const head = await openBulkPr();
    const run = await validate(head);
    expect(run?.conclusion).toBe("failure");
    expect(run?.output.title).toContain(`${(count + 1).toLocaleString("en-US")} files`);
    // every finding is on the one bad file, which comes last
    expect(new Set(run?.output.annotations.map((a) => a.path))).toEqual(new Set([lastPath]));
    expect(run?.output.annotations.map((a) => a.title)).toContain("no-latest-tag");
    // the merge base and head trees were compared (two reads) rather than 35 pages of PR files
    expect(
      stack.github.requests.filter((r) => r.route === "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"),
    ).toEqual([]);
  }, 120_000);

  it("where GitHub truncates the trees, says which files were not checked", async () => {
    stack.github.state.limits.treeEntries = 1000;
    const head = await openBulkPr();
    const run = await validate(head);
    // as a reviewer reads it: the reason is plain text, escaped in the summary's markdown
    expect(render(run?.output.summary ?? "").text).toContain(
      "GitHub lists only the first 3000 files of a PR and this repository's tree is too large to compare, so changed files after overlays/staging/bulk/c2999.yaml were not checked",
    );
    expect(run?.output.annotations.filter((a) => a.path === lastPath)).toEqual([]);
  }, 120_000);
});
