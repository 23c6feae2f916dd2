import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import { sendWebhook } from "../support/github/index.js";
import { concluded } from "./world.js";

const valid = `environments:
  - name: staging
    paths: [overlays/staging/**]
  - name: production
    paths: [overlays/production/**]
    after: staging
apps:
  - name: api
    image: ghcr.io/acme/api
    source: acme/api
`;
const invalid = valid.replace("after: staging", "after: stagin");

describe("Ferry / config, end to end against the GitHub test server", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stack.github.createRepo("acme/deploy", { files: { "README.md": "# deploy\n" } });
  });
  afterAll(() => stack?.close());

  it("answers health and readiness probes", async () => {
    expect((await fetch(`${stack.ferry.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.ferry.url}/readyz`)).status).toBe(200);
  });

  it("fails the push that breaks ferry.yml, with an annotation on the offending line", async () => {
    const sha = stack.github.push("acme/deploy", {
      branch: "main",
      files: { ".github/ferry.yml": invalid },
      message: "Break ferry.yml",
    });
    await concluded(stack, sha, "Ferry / config");
    const [run, ...others] = stack.github
      .checkRuns("acme/deploy", sha)
      .filter((r) => r.name === "Ferry / config");
    expect(others).toHaveLength(0);
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run?.output?.title).toBe("ferry.yml has 1 error");
    expect(run?.output.annotations).toEqual([
      expect.objectContaining({
        path: ".github/ferry.yml",
        start_line: 6,
        end_line: 6,
        annotation_level: "failure",
        message: expect.stringContaining('environments.1.after: unknown environment "stagin"'),
      }),
    ]);
  });

  it("passes once ferry.yml is fixed", async () => {
    const sha = stack.github.push("acme/deploy", {
      branch: "main",
      files: { ".github/ferry.yml": valid },
      message: "Fix",
    });
    await concluded(stack, sha, "Ferry / config");
    const runs = stack.github.checkRuns("acme/deploy", sha).filter((r) => r.name === "Ferry / config");
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "completed", conclusion: "success" });
    expect(runs[0]?.output?.summary).toContain("staging, production (after staging)");
  });

  it("leaves commits that do not touch ferry.yml alone", async () => {
    const sha = stack.github.push("acme/deploy", { branch: "main", files: { "README.md": "# deploy 2\n" } });
    await stack.idle(); // nothing to wait for: every delivery answered, and no check
    expect(
      stack.github.checkRuns("acme/deploy", sha).filter((r) => r.name === "Ferry / config"),
    ).toHaveLength(0);
  });

  it("checks ferry.yml on the head of a PR that changes it, before it merges", async () => {
    const head = stack.github.push("acme/deploy", {
      branch: "tweak-config",
      files: { ".github/ferry.yml": valid.replace("source: acme/api", "source: acme/api\n    tag: 12") },
      message: "Tweak",
    });
    const developer = await stack.developer();
    await developer.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "tweak-config",
      base: "main",
      title: "Tweak",
    });
    const run = await concluded(stack, head, "Ferry / config");
    expect(run).toMatchObject({ conclusion: "failure" });
    expect(run?.output.annotations[0]).toMatchObject({
      start_line: 11,
      message: "apps.0.tag: Invalid input: expected string, received number",
    });
  });

  it("rejects a webhook with a wrong or missing signature and changes nothing", async () => {
    const before = stack.github.requests.length;
    const payload = { ref: "refs/heads/main", after: "0".repeat(40), commits: [], installation: { id: 1 } };
    const forged = await sendWebhook(stack.webhookUrl, "not-the-secret", "push", payload);
    const unsigned = await sendWebhook(stack.webhookUrl, "", "push", payload, { signature: "" });
    expect(forged).toBe(400);
    expect(unsigned).toBeGreaterThanOrEqual(400);
    expect(unsigned).toBeLessThan(500);
    expect(stack.github.requests.length).toBe(before);
  });
});
