import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/ferry.js";
import type { PullRecord } from "../support/github/index.js";
import { build, eventually, freshRepos, merge } from "./world.js";

describe("ChatOps: /ferry promote and /ferry rollback", () => {
  let stack: Stack;
  let issue: number;
  const ferryPrs = (state = "open"): PullRecord[] =>
    stack.github.pulls("acme/deploy").filter((p) => p.state === state && p.head.ref.startsWith("ferry/"));
  /** `login` comments `body`; resolves with Ferry's reaction and reply (none where `replies` is false). */
  const say = async (login: string, body: string, replies = true) => {
    const { data } = await stack
      .user(login)
      .rest.issues.createComment({ owner: "acme", repo: "deploy", issue_number: issue, body });
    const comments = () => stack.github.comments("acme/deploy", issue);
    const ferrys = () => comments().filter((c) => c.id > data.id && c.user.login === "ferry[bot]");
    const reactions = await eventually(() => {
      const mine = comments().find((c) => c.id === data.id)?.reactions ?? [];
      return mine.length > 0 && mine;
    }, "Ferry's reaction");
    // A writer gets a reply beside the reaction; for anyone else, once Ferry has answered the
    // delivery, there must be none.
    if (!replies) await stack.idle();
    const reply = replies ? await eventually(() => ferrys().at(-1), "Ferry's reply") : ferrys().at(-1);
    return { reply: reply?.body ?? "", reactions: reactions.map((r: { content: string }) => r.content) };
  };
  const dispatch = (tag: string) => build(stack, tag);
  const mergeOpen = async () => {
    for (const pr of ferryPrs()) await merge(stack, pr.number);
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  beforeEach(async () => {
    await freshRepos(stack);
    stack.github.setPermission("acme/deploy", "alice", "write");
    stack.github.setPermission("acme/deploy", "bob", "read");
    const { data } = await stack
      .user("alice")
      .rest.issues.create({ owner: "acme", repo: "deploy", title: "Releases" });
    issue = data.number;
    await stack.idle();
  });
  afterAll(() => stack?.close());

  it("opens the PR a writer asks for out of order, and says so in the reply and the PR, with a 👀", async () => {
    const { reply, reactions } = await say("alice", "Ship it\n/ferry promote api 1.5.0 to production");
    const [pr] = ferryPrs();
    expect(pr?.title).toBe("Promote api 1.5.0 to production");
    expect(reply).toMatch(
      new RegExp(
        `^@alice Ferry opened http://\\S+/acme/deploy/pull/${pr?.number} to promote api 1\\.5\\.0 to production\\. ⚠️ 1\\.5\\.0 has not run healthy in staging: this promotion is out of order, and \`Ferry / promotion\` fails on it until staging verifies 1\\.5\\.0\\.$`,
      ),
    );
    expect(reactions).toEqual(["eyes"]);
    const body = pr?.body ?? "";
    expect(body.split("\n").slice(0, 2)).toEqual([
      "> [!WARNING]",
      `> **Not verified:** 1.5.0 has not run healthy in staging. @alice asked for this promotion through ChatOps in #${issue}, out of order; \`Ferry / promotion\` fails until staging verifies 1.5.0.`,
    ]);
    expect(pr?.body).toContain('"requestedBy":"alice"');
  });

  it("answers 👍 and leads the PR with the evidence when the tag ran where it had to", async () => {
    await dispatch("1.5.0");
    const [staging] = ferryPrs();
    await mergeOpen();
    const { reply, reactions } = await say("alice", "/ferry promote api 1.5.0 to production");
    const [pr] = ferryPrs();
    expect(reactions).toEqual(["+1"]);
    expect(reply).not.toContain("⚠️");
    const repoUrl = `http://${stack.github.host}/acme/deploy`;
    expect(pr?.body?.split("\n").slice(0, 2)).toEqual([
      `✅ **1.5.0 was merged in staging** by [#${staging?.number}](${repoUrl}/pull/${staging?.number}) (staging has no cluster reports, so a merged Ferry PR counts).`,
      `@alice asked for this promotion through ChatOps in #${issue}.`,
    ]);
  });

  it("answers users without write access with a 👎 only, changing nothing", async () => {
    const { reply, reactions } = await say("bob", "/ferry promote api 1.5.0 to production", false);
    expect(ferryPrs()).toHaveLength(0);
    expect(reply).toBe("");
    expect(reactions).toEqual(["-1"]);
  });

  it("says nothing to a non-writer's malformed command either: a reaction, no comment", async () => {
    const before = stack.github.comments("acme/deploy").length;
    const { reply, reactions } = await say(
      "bob",
      "/ferry <img src=x onerror=alert(1)> @acme/admins #1",
      false,
    );
    expect(reply).toBe("");
    expect(reactions).toEqual(["-1"]);
    expect(stack.github.comments("acme/deploy")).toHaveLength(before + 1); // bob's own comment only
  });

  it("echoes a writer's malformed command inside a code span that nothing can break out of", async () => {
    const line = "/ferry promote `api` ``x`` @acme/admins <img src=x> [x](https://evil.example)";
    const { reply, reactions } = await say("alice", line);
    expect(reply).toBe(
      `@alice Ferry did not understand \`\`\`${line}\`\`\`. Usage: \`/ferry promote <app> <tag> to <env>\` or \`/ferry rollback <app> <env> [reason]\` (write access required).`,
    );
    expect(reactions).toEqual(["confused"]);
  });

  it("code-spans the unknown names and invalid tags it echoes", async () => {
    expect((await say("alice", "/ferry promote @acme/admins 1.5.0 to production")).reply).toBe(
      "@alice unknown app `@acme/admins`; ferry.yml has `api`.",
    );
    expect((await say("alice", "/ferry promote api 1.5.0 to <b>prod</b>")).reply).toBe(
      "@alice unknown environment `<b>prod</b>`; ferry.yml has `staging`, `production`.",
    );
    const { reply } = await say("alice", "/ferry promote api <img/src=x> to production");
    expect(reply).toContain("`<img/src=x>` is not an image tag");
    expect(ferryPrs()).toHaveLength(0);
  });

  it("explains the syntax when a command is malformed, and names unknown apps", async () => {
    expect((await say("alice", "/ferry promote api 1.5.0 production")).reply).toContain(
      "Usage: `/ferry promote <app> <tag> to <env>`",
    );
    expect((await say("alice", "/ferry promote web 1.5.0 to production")).reply).toContain(
      "unknown app `web`; ferry.yml has `api`",
    );
  });

  it("refuses a tag that breaks the environment's rules", async () => {
    const { reply } = await say("alice", "/ferry promote api 2.0.0-rc.1 to production");
    // One full stop: the reason's own and the reply's are not both written.
    expect(reply).toBe(
      '@alice Ferry did not promote api 2.0.0-rc.1 to production: tag "2.0.0-rc.1" is a prerelease, and this environment does not allow prereleases.',
    );
    expect(ferryPrs()).toHaveLength(0);
  });

  it("rolls back to the last tag that merged before the running one, with the reason in the body", async () => {
    await dispatch("1.5.0");
    const [first] = ferryPrs();
    await mergeOpen();
    await dispatch("1.6.0");
    await mergeOpen();
    const { reply } = await say("alice", "/ferry rollback api staging 1.6.0 leaks memory");
    const [pr] = ferryPrs();
    expect(pr?.title).toBe("Roll back api to 1.5.0 in staging");
    expect([...(pr?.labels ?? [])].sort()).toEqual(["env:staging", "ferry", "ferry:rollback"]);
    expect(pr?.body).toContain("> **Reason:** 1.6.0 leaks memory\n");
    expect(pr?.body).toContain(`@alice asked for it through ChatOps in #${issue}.`);
    expect(pr?.body).toContain(`> 1.5.0 was merged in staging before, deployed by #${first?.number}.`);
    expect(pr?.body).toContain("`1.6.0` | `1.5.0`");
    expect(reply).toContain("to roll api back to 1.5.0 in staging");
  });

  it("escapes the rollback reason in the PR body: no mention, link, image or HTML", async () => {
    await dispatch("1.5.0");
    await mergeOpen();
    await dispatch("1.6.0");
    await mergeOpen();
    await say(
      "alice",
      "/ferry rollback api staging @acme/admins ![x](https://evil.example/x.png) <img src=x> #1",
    );
    const body = ferryPrs()[0]?.body ?? "";
    expect(body).toMatch(/^> \*\*Reason:\*\* \u200b@\u200bacme\/admins .*$/m);
    for (const raw of ["@acme/admins", "![x]", "<img", "](https://evil.example", " #1 "])
      expect(body).not.toContain(raw);
  });

  it("says so when there is nothing to roll back to", async () => {
    const { reply, reactions } = await say("alice", "/ferry rollback api staging");
    expect(reply).toContain("found no earlier tag of api that ran healthy in staging");
    expect(reactions).toEqual(["-1"]);
  });
});
