import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack, webhookSecret } from "../support/ferry.js";
import { type CheckRunRecord, sendWebhook } from "../support/github/index.js";
import { render } from "../support/markdown.js";
import { webhookExample } from "../support/payloads.js";
import { build, freshRepos } from "./world.js";

/**
 * Retries and give-ups, against a GitHub that rate-limits or fails. The back-off base is 5 ms
 * (startStack) and the longest wait Ferry accepts is 100 ms, so "GitHub asks for an hour" and
 * "GitHub asks for a minute" are both beyond the cap while "retry after 1 s" (5 ms) is within it.
 * Every assertion is on what GitHub saw (requests, checks), never on elapsed time.
 */
describe("giving up on GitHub, visibly", () => {
  let stack: Stack;
  const secondary =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
  const requests = (operation: string) =>
    stack.github.requests.filter((r) => r.graphqlOperation === operation || r.route === operation).length;
  const promotionPrs = () =>
    stack.github.pulls("acme/deploy").filter((p) => p.head.ref === "ferry/staging/api");
  /** acme/api's CI built `tag` from a new commit and said so; returns the commit. */
  const buildCommit = async (tag = "1.5.0"): Promise<string> => {
    const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": tag } });
    await build(stack, tag, { sha });
    return sha;
  };
  const proposeCheck = (sha: string): CheckRunRecord | undefined =>
    stack.github.checkRuns("acme/api", sha).find((r) => r.name.startsWith("Ferry / propose"));

  beforeAll(async () => {
    stack = await startStack({ env: { GITHUB_MAX_RETRY_WAIT_MS: "100" } });
  });
  beforeEach(async () => {
    await freshRepos(stack);
    stack.github.resetRequests();
  });
  afterAll(() => stack?.close());

  it("retries a secondary rate limit whose retry-after is within the cap", async () => {
    stack.github.failNext({
      graphql: "FerryOpenPromotion",
      status: 403,
      headers: { "retry-after": "1" },
      body: { message: secondary },
    });
    await buildCommit();
    expect(promotionPrs()).toHaveLength(1);
    expect(requests("FerryOpenPromotion")).toBe(2);
  });

  it("gives up at once on a retry-after beyond the cap, and leaves a failed check on the build commit", async () => {
    stack.github.failNext({
      graphql: "FerryOpenPromotion",
      status: 403,
      times: 10,
      headers: { "retry-after": "3600" },
      body: { message: secondary },
    });
    const sha = await buildCommit();
    expect(promotionPrs()).toHaveLength(0);
    // Never sooner than GitHub asked, and no waiting an hour either: one request, then the check.
    expect(requests("FerryOpenPromotion")).toBe(1);
    const run = proposeCheck(sha);
    expect(run).toMatchObject({
      name: "Ferry / propose (staging)",
      status: "completed",
      conclusion: "failure",
    });
    // As the reviewer reads it: the summary is markdown, and Ferry escapes the reason.
    const shown = render(run?.output.summary ?? "").text;
    expect(shown).toContain("GitHub rate-limited Ferry and asked it to wait 3600 s");
    expect(shown).toContain("GITHUB_MAX_RETRY_WAIT_MS");
  });

  it("reads a secondary rate limit without retry-after as a wait of a minute, not zero", async () => {
    // A minute at this back-off base is 300 ms, beyond the cap: Ferry gives up instead of hammering.
    stack.github.failNext({
      graphql: "FerryOpenPromotion",
      status: 403,
      times: 10,
      body: { message: secondary },
    });
    const sha = await buildCommit();
    expect(requests("FerryOpenPromotion")).toBe(1);
    expect(proposeCheck(sha)?.output.summary).toContain("at least a minute");
  });

  it("does not retry a 429 that GitHub gives no reason or wait for", async () => {
    stack.github.failNext({
      graphql: "FerryOpenPromotion",
      status: 429,
      times: 10,
      body: { message: "Too Many Requests" },
    });
    const sha = await buildCommit();
    expect(requests("FerryOpenPromotion")).toBe(1);
    expect(proposeCheck(sha)).toMatchObject({ conclusion: "failure" });
  });

  it("gives up on a primary rate limit that resets in an hour, and says when it resets", async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    stack.github.failNext({
      graphql: "FerryPair",
      status: 403,
      times: 10,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      body: { message: "API rate limit exceeded for installation ID 1." },
    });
    const sha = await buildCommit();
    expect(requests("FerryPair")).toBe(1);
    const run = proposeCheck(sha);
    expect(run).toMatchObject({ conclusion: "failure" });
    expect(run?.output.summary).toContain(new Date(reset * 1000).toISOString());
  });

  it("leaves a failed check when 5xx answers outlast the retries", async () => {
    stack.github.failNext({ graphql: "FerryPair", status: 502, times: 50 });
    const sha = await buildCommit();
    expect(promotionPrs()).toHaveLength(0);
    const run = proposeCheck(sha);
    expect(run).toMatchObject({ name: "Ferry / propose (staging)", conclusion: "failure" });
    expect(run?.output.summary).toContain("GitHub kept failing (HTTP 502)");
  });

  it("leaves a failed check when GitHub fails before Ferry knows which config repos the build concerns", async () => {
    // A repository joins the installation: Ferry rebuilds its config-repo index on the next build.
    await sendWebhook(
      stack.webhookUrl,
      webhookSecret,
      "installation_repositories",
      webhookExample("installation_repositories", "added", {
        installation: { id: stack.github.installationId },
      }),
    );
    stack.github.failNext({ path: "GET /installation/repositories", status: 503, times: 50 });
    const sha = await buildCommit();
    const run = proposeCheck(sha);
    expect(run).toMatchObject({ name: "Ferry / propose", conclusion: "failure" });
    expect(run?.output.summary).toContain("GitHub kept failing (HTTP 503)");
  });
});

describe("a large retry base", () => {
  let stack: Stack;
  beforeAll(async () => {
    // 5xx back-off is (n + 1)² × base: 10, 40 and 90 minutes at this base, unless capped.
    stack = await startStack({ env: { GITHUB_RETRY_BASE_MS: "600000", GITHUB_MAX_RETRY_WAIT_MS: "90" } });
  });
  afterAll(() => stack?.close());

  it("still keeps each 5xx back-off within the cap, so the retried PR is made", async () => {
    await freshRepos(stack);
    stack.github.failNext({ graphql: "FerryPair", status: 502, times: 2 });
    await build(stack, "1.5.0");
    expect(stack.github.pulls("acme/deploy").filter((p) => p.head.ref === "ferry/staging/api")).toHaveLength(
      1,
    );
    expect(
      stack.github.requests.filter((r) => r.graphqlOperation === "FerryPair" && r.status === 502),
    ).toHaveLength(2);
  });
});
