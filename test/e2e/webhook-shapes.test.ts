/**
 * A webhook signed by GitHub but not shaped as Ferry expects is logged at warn and answered 200:
 * GitHub would only redeliver the same payload, so a 5xx helps nobody.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack, webhookSecret } from "../support/ferry.js";
import { sendWebhook } from "../support/github/index.js";
import { capturedLog, levels } from "../support/log.js";
import { repository, webhookExample } from "../support/payloads.js";
import { freshRepos } from "./world.js";

const deploy = repository("acme/deploy");

/** [event, action, overrides that break a field the handler reads, the field named in the log]. */
const malformed: [string, string | undefined, Record<string, unknown>, string][] = [
  ["issue_comment", "created", { comment: null }, "comment"],
  ["issue_comment", "created", { comment: { id: 1, body: 42 } }, "comment.body"],
  ["issue_comment", "created", { sender: { login: "mallory", type: undefined } }, "sender.type"],
  ["push", undefined, { commits: "all of them" }, "commits"],
  ["pull_request", "opened", { pull_request: { head: null } }, "pull_request.head"],
  ["pull_request", "labeled", { label: { name: 7 } }, "label.name"],
  ["pull_request", "closed", { pull_request: null }, "pull_request"],
  ["check_suite", "completed", { check_suite: { pull_requests: null } }, "check_suite.pull_requests"],
  [
    "check_suite",
    "rerequested",
    { check_suite: { pull_requests: [{ number: "1" }] } },
    "check_suite.pull_requests.0.number",
  ],
  ["check_run", "rerequested", { check_run: { name: 5 } }, "check_run.name"],
  [
    "repository_dispatch",
    undefined,
    { action: "ferry-build", client_payload: null, repository: null },
    "repository",
  ],
  ["workflow_run", "completed", { workflow_run: null }, "workflow_run"],
  ["release", "published", { release: { tag_name: null } }, "release.tag_name"],
  ["installation", "created", { installation: null }, "installation"],
  ["installation_repositories", "added", { installation: null }, "installation"],
  ["issue_comment", "created", { repository: { owner: null } }, "repository.owner"],
];

describe("webhook payloads of an unexpected shape", () => {
  let stack: Stack;
  const { log, lines } = capturedLog("info");

  beforeAll(async () => {
    stack = await startStack({ log });
  });
  beforeEach(async () => {
    await freshRepos(stack);
    lines.length = 0;
  });
  afterAll(() => stack?.close());

  it.each(malformed)(
    "%s.%s with a broken field answers 200 and names it at warn",
    async (event, action, broken, field) => {
      const payload = {
        ...webhookExample(event, action, { repository: deploy, sender: { login: "alice", type: "User" } }),
        installation: { id: stack.github.installationId },
      };
      const body = { ...payload, ...broken };
      for (const [key, value] of Object.entries(broken)) {
        const base = payload[key as keyof typeof payload];
        if (value && typeof value === "object" && !Array.isArray(value) && base && typeof base === "object")
          (body as Record<string, unknown>)[key] = { ...(base as object), ...value };
      }
      const status = await sendWebhook(stack.webhookUrl, webhookSecret, event, body);
      await stack.idle();
      expect(status).toBe(200);
      const warned = lines.filter((l) => l.level === levels.warn && l.msg.includes("unexpected shape"));
      expect(warned).toHaveLength(1);
      expect(warned[0]?.msg).toContain(event);
      expect(JSON.stringify(warned[0])).toContain(field);
      expect(lines.filter((l) => l.level >= levels.error)).toEqual([]);
    },
  );

  it.each([
    ["a body that is not JSON", "push", "not json {"],
    ["a JSON array", "push", "[1,2,3]"],
    ["JSON null", "push", "null"],
    [
      "a non-numeric installation id",
      "issue_comment",
      JSON.stringify({ action: "created", installation: { id: "1; drop" } }),
    ],
    ["an installation id that is an object", "push", JSON.stringify({ installation: { id: { n: 1 } } })],
  ])("a signed delivery with %s answers 200 and is named at warn", async (_, event, raw) => {
    const status = await sendWebhook(stack.webhookUrl, webhookSecret, event, undefined, { raw });
    await stack.idle();
    expect(status).toBe(200);
    const warned = lines.filter((l) => l.level === levels.warn && l.msg.includes("unexpected shape"));
    expect(warned).toHaveLength(1);
    expect(warned[0]?.msg).toContain(event);
    expect(lines.filter((l) => l.level >= levels.error)).toEqual([]);
  });

  it("a well-formed comment still reaches ChatOps (the shapes are no stricter than GitHub's)", async () => {
    stack.github.setPermission("acme/deploy", "alice", "write");
    const alice = stack.user("alice");
    const { data: issue } = await alice.rest.issues.create({ owner: "acme", repo: "deploy", title: "x" });
    await alice.rest.issues.createComment({
      owner: "acme",
      repo: "deploy",
      issue_number: issue.number,
      body: "/ferry promote api 1.5.0 to staging",
    });
    await stack.idle();
    expect(stack.github.comments("acme/deploy", issue.number).at(-1)?.body).toMatch(/^@alice Ferry opened /);
    expect(lines.filter((l) => l.level >= levels.warn)).toEqual([]);
  });
});
