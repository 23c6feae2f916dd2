import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import { configRepoFiles, kustomization } from "./fixtures.js";
import { build, freshRepos } from "./world.js";

/** What Ferry writes fits GitHub's body limit (65,536 characters), which the test server enforces. */
describe("bodies within GitHub's limits", () => {
  let stack: Stack;
  const characters = (text: string | null | undefined) => [...(text ?? "")].length;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it("opens a promotion PR whose reference table outgrows a body, and keeps its marker working", async () => {
    // 1,000 overlays reference the image: the PR body lists each, about 80 characters a row.
    const files = configRepoFiles();
    for (let i = 0; i < 1000; i++)
      files[`overlays/staging/team-${i}/kustomization.yaml`] = kustomization("1.4.1");
    await freshRepos(stack, files);

    await build(stack, "1.5.0");
    const open = () => stack.github.pulls("acme/deploy").filter((p) => p.state === "open");
    expect(open()).toHaveLength(1);
    const pr = open()[0];
    expect(pr?.title).toBe("Promote api 1.5.0 to staging");
    expect(characters(pr?.body)).toBeLessThanOrEqual(65_536);
    expect(pr?.body).toMatch(
      /… [\d,]+ more characters not shown: GitHub takes at most 65,536 characters here …/,
    );
    expect(pr?.body).toContain("<!-- ferry:v1 ");

    // The marker survived: the next build updates the same PR in place rather than opening another.
    await build(stack, "1.6.0");
    expect(open()).toHaveLength(1);
    expect(open()[0]).toMatchObject({ number: pr?.number, title: "Promote api 1.6.0 to staging" });
    expect(
      stack.github.readFile(
        "acme/deploy",
        "ferry/staging/api",
        "overlays/staging/team-999/kustomization.yaml",
      ),
    ).toContain('newTag: "1.6.0"');
  });
});
