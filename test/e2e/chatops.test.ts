import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import type { PullRecord } from "../support/github/index.js";
import { build, freshRepos, merge } from "./world.js";

describe("ChatOps: /ferry promote and /ferry rollback", () => {
  let stack: Stack;
  let issue: number;
  const ferryPrs = (state = "open"): PullRecord[] =>
    stack.github.pulls("acme/deploy").filter((p) => p.state === state && p.head.ref.startsWith("ferry/"));
  const say = async (login: string, body: string) => {
    const { data } = await stack
      .user(login)
      .rest.issues.createComment({ owner: "acme", repo: "deploy", issue_number: issue, body });
    await stack.idle();
    const replies = stack.github.comments("acme/deploy", issue).filter((c) => c.id > data.id);
    const reactions =
      stack.github.comments("acme/deploy", issue).find((c) => c.id === data.id)?.reactions ?? [];
    return {
      reply: replies.at(-1)?.body ?? "",
      reactions: reactions.map((r: { content: string }) => r.content),
    };
  };
  const dispatch = (tag: string) => build(stack, tag);
  const mergeOpen = async () => {
    for (const pr of ferryPrs()) await merge(stack, pr.number);
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  beforeEach(async () => {
    freshRepos(stack);
    stack.github.setPermission("acme/deploy", "alice", "write");
    stack.github.setPermission("acme/deploy", "bob", "read");
    const { data } = await stack
      .user("alice")
      .rest.issues.create({ owner: "acme", repo: "deploy", title: "Releases" });
    issue = data.number;
    await stack.idle();
  });
  afterAll(() => stack?.close());

  it("opens the PR a writer asks for and answers with its link and a 👍", async () => {
    const { reply, reactions } = await say("alice", "Ship it\n/ferry promote api 1.5.0 to production");
    const [pr] = ferryPrs();
    expect(pr?.title).toBe("Promote api 1.5.0 to production");
    expect(reply).toMatch(
      new RegExp(
        `^@alice Ferry opened http://\\S+/acme/deploy/pull/${pr?.number} to promote api 1\\.5\\.0 to production\\.$`,
      ),
    );
    expect(reactions).toEqual(["+1"]);
  });

  it("refuses users without write access, changing nothing", async () => {
    const { reply, reactions } = await say("bob", "/ferry promote api 1.5.0 to production");
    expect(ferryPrs()).toHaveLength(0);
    expect(reply).toBe("@bob `/ferry promote` needs write access to acme/deploy.");
    expect(reactions).toEqual(["-1"]);
  });

  it("explains the syntax when a command is malformed, and names unknown apps", async () => {
    expect((await say("alice", "/ferry promote api 1.5.0 production")).reply).toContain(
      "Usage: `/ferry promote <app> <tag> to <env>`",
    );
    expect((await say("alice", "/ferry promote web 1.5.0 to production")).reply).toContain(
      'unknown app "web"; ferry.yml has api',
    );
  });

  it("refuses a tag that breaks the environment's rules", async () => {
    const { reply } = await say("alice", "/ferry promote api 2.0.0-rc.1 to production");
    expect(reply).toContain("prerelease");
    expect(ferryPrs()).toHaveLength(0);
  });

  it("rolls back to the last tag that merged before the running one, with the reason in the body", async () => {
    await dispatch("1.5.0");
    await mergeOpen();
    await dispatch("1.6.0");
    await mergeOpen();
    const { reply } = await say("alice", "/ferry rollback api staging 1.6.0 leaks memory");
    const [pr] = ferryPrs();
    expect(pr?.title).toBe("Roll back api to 1.5.0 in staging");
    expect([...(pr?.labels ?? [])].sort()).toEqual(["env:staging", "ferry", "ferry:rollback"]);
    expect(pr?.body).toContain("**Reason:** 1.6.0 leaks memory (requested by @alice");
    expect(pr?.body).toContain("`1.6.0` | `1.5.0`");
    expect(reply).toContain("to roll api back to 1.5.0 in staging");
  });

  it("says so when there is nothing to roll back to", async () => {
    const { reply, reactions } = await say("alice", "/ferry rollback api staging");
    expect(reply).toContain("found no earlier tag of api that ran healthy in staging");
    expect(reactions).toEqual(["-1"]);
  });
});
