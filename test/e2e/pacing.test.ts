import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import type { RequestLogEntry } from "../support/github/index.js";
import { build, freshRepos } from "./world.js";

/**
 * Pacing, read from the GitHub test server's request log: with a write interval far longer than
 * any request takes, a paced request shows as a gap of at least the interval before it.
 */
const intervalMs = 3000;

describe("pacing: only content-creating requests wait the write interval", () => {
  let stack: Stack;
  beforeAll(async () => {
    // Without webhooks back to the app: the PR's guard would only add more paced writes.
    stack = await startStack({ env: { GITHUB_WRITE_INTERVAL_MS: String(intervalMs) }, webhooks: false });
  });
  afterAll(() => stack?.close());

  it("GraphQL queries go out back to back while mutations and REST writes stay an interval apart", async () => {
    await freshRepos(stack);
    stack.github.resetRequests();
    await build(stack, "1.5.0");
    expect(stack.github.pulls("acme/deploy").map((p) => p.title)).toEqual(["Promote api 1.5.0 to staging"]);
    const log = stack.github.requests;
    const isQuery = (r: RequestLogEntry) =>
      r.route === "POST /graphql" && /^Ferry(Pair|ConfigIndex)$/.test(r.graphqlOperation ?? "");
    const index = log.findIndex((r) => r.graphqlOperation === "FerryConfigIndex");
    const pair = log.findIndex((r) => r.graphqlOperation === "FerryPair");
    const open = log.findIndex((r) => r.graphqlOperation === "FerryOpenPromotion");
    const labels = log.findIndex(
      (r) => r.route === "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
    );
    // Two queries in a row (the cold config-repo index, then the pair), then the mutation and a REST write.
    expect([index, pair, open, labels].every((i) => i >= 0)).toBe(true);
    expect(index).toBeLessThan(pair);
    expect(pair).toBeLessThan(open);
    expect(open).toBeLessThan(labels);
    expect(log.slice(index, pair + 1).filter(isQuery)).toHaveLength(2);
    const at = (i: number) => (log[i] as RequestLogEntry).at;
    // The first write of the installation goes at once; the queries before it waited for nothing.
    expect(at(pair) - at(index)).toBeLessThan(intervalMs);
    expect(at(open) - at(index)).toBeLessThan(intervalMs);
    // The REST write after the mutation waited the interval (a little slack for the trip).
    expect(at(labels) - at(open)).toBeGreaterThanOrEqual(intervalMs - 50);
  });
});
