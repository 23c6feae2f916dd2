import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import { build, freshRepos } from "./world.js";

/**
 * Installation tokens live an hour on GitHub. Probot keeps one for 59 minutes by its own clock
 * and does not ask for a new one when GitHub answers 401 (@octokit/auth-app retries a 401 only
 * within five seconds of minting the token). These tests make GitHub refuse a token Ferry still
 * holds and check that Ferry recovers.
 */
describe("installation tokens GitHub no longer accepts", () => {
  let stack: Stack;
  const stagingTag = () =>
    /newTag: "([^"]+)"/.exec(
      stack.github.readFile("acme/deploy", "ferry/staging/api", "overlays/staging/kustomization.yaml") ?? "",
    )?.[1];
  const tokenExchanges = () =>
    stack.github.requests.filter(
      (r) => r.route === "POST /app/installations/{installation_id}/access_tokens",
    );

  // A stack per test: each moves GitHub's clock or revokes tokens.
  beforeEach(async () => {
    stack = await startStack();
    await freshRepos(stack);
  });
  afterEach(() => stack?.close());

  it("GitHub's clock an hour ahead of Ferry's: the token has expired there, Ferry mints another", async () => {
    await build(stack, "1.5.0");
    expect(stagingTag()).toBe("1.5.0");
    const before = tokenExchanges().length;
    // Ferry's cached token is 61 minutes old by GitHub's clock; a JWT signed by Ferry's clock is
    // too old for GitHub as well, until corrected by GitHub's date header.
    stack.github.advanceClock(61 * 60_000);
    await build(stack, "1.6.0");
    expect(stagingTag()).toBe("1.6.0");
    expect(tokenExchanges().length).toBeGreaterThan(before);
  });

  it("a token GitHub revoked: Ferry mints another and carries on", async () => {
    await build(stack, "1.5.0");
    stack.github.expireTokens();
    await build(stack, "1.6.0");
    expect(stagingTag()).toBe("1.6.0");
  });
});
