import { Octokit } from "@octokit/rest";
import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { afterEach, describe, expect, it } from "vitest";
import type { GitHubServer } from "../support/github/server.js";
import { sendWebhook } from "../support/github/webhooks.js";
import { installationOctokit, quiet, startReceiver, startServer } from "./helpers.js";

let server: GitHubServer;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await server?.close();
  for (const c of cleanups.splice(0)) await c();
});

const o = { owner: "acme", repo: "deploy" };

describe("fault injection", () => {
  it("answers 502 after the PR was created (afterEffect), then behaves", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "a.yaml": "v: 1\n" } });
    server.push("acme/deploy", { branch: "topic", files: { "a.yaml": "v: 2\n" } });
    const octokit = await installationOctokit(server);
    server.failNext({ method: "POST", path: "/repos/acme/deploy/pulls", status: 502, afterEffect: true });
    await expect(
      octokit.rest.pulls.create({ ...o, title: "t", head: "topic", base: "main" }),
    ).rejects.toMatchObject({ status: 502 });
    expect(server.pulls("acme/deploy")).toHaveLength(1); // the effect landed
    await expect(
      octokit.rest.pulls.create({ ...o, title: "t", head: "topic", base: "main" }),
    ).rejects.toMatchObject({ status: 422 });
    expect(server.requests.filter((r) => r.injected).map((r) => [r.route, r.status])).toEqual([
      ["POST /repos/{owner}/{repo}/pulls", 502],
    ]);
  });

  it("fails n times by route template, without effect; secondary rate limits carry retry-after", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    const octokit = await installationOctokit(server);
    server.failNext({ path: "POST /repos/{owner}/{repo}/git/refs", status: 500, times: 2 });
    const head = server.resolve("acme/deploy", "main") as string;
    for (let i = 0; i < 2; i++)
      await expect(
        octokit.rest.git.createRef({ ...o, ref: "refs/heads/x", sha: head }),
      ).rejects.toMatchObject({ status: 500 });
    expect(server.resolve("acme/deploy", "x")).toBeUndefined();
    await octokit.rest.git.createRef({ ...o, ref: "refs/heads/x", sha: head });

    server.failNext({ path: /\/issues$/, status: 403, headers: { "retry-after": "1" } });
    const err = await octokit.rest.issues
      .create({ ...o, title: "t" })
      .catch((e: { status: number; message: string; response: { headers: Record<string, string> } }) => e);
    expect(err).toMatchObject({ status: 403, response: { headers: { "retry-after": "1" } } });
    expect((err as { message: string }).message).toContain("secondary rate limit");
    expect(server.issues("acme/deploy")).toHaveLength(0);

    // ...and as often without retry-after: the same message, no header, quota left
    server.failNext({ path: /\/issues$/, status: 403, secondaryRateLimit: true });
    const bare = (await octokit.rest.issues.create({ ...o, title: "t" }).catch((e: unknown) => e)) as {
      status: number;
      message: string;
      response: { headers: Record<string, string> };
    };
    expect(bare.status).toBe(403);
    expect(bare.message).toContain("secondary rate limit");
    expect(bare.response.headers["retry-after"]).toBeUndefined();
    expect(bare.response.headers["x-ratelimit-remaining"]).not.toBe("0");
  });

  it("fails one mutation field as GitHub does, the rest of the document running", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "a.yaml": "v: 1\n" } });
    const octokit = await installationOctokit(server);
    const { repository } = await octokit.graphql<{
      repository: { id: string; defaultBranchRef: { target: { oid: string } } };
    }>(`{ repository(owner: "acme", name: "deploy") { id defaultBranchRef { target { oid } } } }`);
    const base = repository.defaultBranchRef.target.oid;
    server.failNext({ graphql: "createCommitOnBranch", fieldError: { type: "STALE_DATA" } });
    const error = (await octokit
      .graphql(
        `mutation($r: ID!, $o: GitObjectID!, $c: CreateCommitOnBranchInput!) {
  ref: createRef(input: { repositoryId: $r, name: "refs/heads/b", oid: $o }) { ref { name } }
  commit: createCommitOnBranch(input: $c) { commit { oid } }
}`,
        {
          r: repository.id,
          o: base,
          c: {
            branch: { repositoryNameWithOwner: "acme/deploy", branchName: "b" },
            expectedHeadOid: base,
            message: { headline: "m" },
            fileChanges: {
              additions: [{ path: "a.yaml", contents: Buffer.from("v: 2\n").toString("base64") }],
            },
          },
        },
      )
      .catch((e: unknown) => e)) as { data: unknown; errors: unknown[] };
    expect(error.data).toEqual({ ref: { ref: { name: "b" } }, commit: null });
    expect(error.errors).toEqual([
      {
        type: "STALE_DATA",
        path: ["commit"],
        locations: [{ line: 3, column: 3 }],
        message: `Expected branch to point to "${base}" but it did not. Pull and try again.`,
      },
    ]);
    expect(server.resolve("acme/deploy", "b")).toBe(base); // the ref landed, the commit did not
  });

  it("delays a request without failing it", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    const octokit = await installationOctokit(server);
    server.failNext({ path: "GET /repos/{owner}/{repo}", delayMs: 50 });
    const slow = octokit.rest.repos.get(o);
    const fast = await octokit.rest.repos.get(o);
    expect((await slow).status).toBe(200);
    const [first, second] = server.requests.filter((r) => r.route === "GET /repos/{owner}/{repo}");
    // the held request was answered after the one that came later
    expect((first?.answeredAt ?? 0) >= (second?.answeredAt ?? 0)).toBe(true);
    expect(fast.status).toBe(200);
  });

  it("fails a GraphQL operation by mutation name", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    const octokit = await installationOctokit(server);
    server.failNext({ graphql: "createRef", status: 502 });
    const { repository } = await octokit.graphql<{
      repository: { id: string; defaultBranchRef: { target: { oid: string } } };
    }>(`{ repository(owner: "acme", name: "deploy") { id defaultBranchRef { target { oid } } } }`);
    const create = () =>
      octokit.graphql(
        `mutation($r: ID!, $o: GitObjectID!) { createRef(input: { repositoryId: $r, name: "refs/heads/y", oid: $o }) { ref { name } } }`,
        {
          r: repository.id,
          o: repository.defaultBranchRef.target.oid,
        },
      );
    await expect(create()).rejects.toMatchObject({ status: 502 });
    await create();
    expect(server.requests.map((r) => [r.graphqlOperation, r.status])).toEqual([
      [undefined, 201], // token exchange
      ["repository", 200],
      ["createRef", 502],
      ["createRef", 200],
    ]);
  });

  it("lets the first matching requests through with skip, then fails", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    const octokit = await installationOctokit(server);
    server.failNext({ method: "POST", path: /\/issues$/, status: 422, skip: 1 });
    await octokit.rest.issues.create({ ...o, title: "first" });
    await expect(octokit.rest.issues.create({ ...o, title: "second" })).rejects.toMatchObject({
      status: 422,
    });
    await octokit.rest.issues.create({ ...o, title: "third" });
    expect(server.issues("acme/deploy").map((i) => i.title)).toEqual(["first", "third"]);
  });

  it("rejects a request with no token before any fault applies", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    server.failNext({ path: "/repos/acme/deploy", status: 500 });
    const anon = new Octokit({ baseUrl: server.apiUrl, log: quiet });
    await expect(anon.rest.repos.get(o)).rejects.toMatchObject({ status: 401 });
  });
});

describe("pagination", () => {
  it("pages list routes with a Link header that octokit.paginate follows", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    const octokit = await installationOctokit(server);
    for (let i = 0; i < 35; i++) await octokit.rest.issues.create({ ...o, title: `issue ${i}` });
    const first = await octokit.rest.issues.listForRepo({ ...o, per_page: 10 });
    expect(first.data).toHaveLength(10);
    expect(first.headers.link).toMatch(/page=2.*rel="next".*page=4.*rel="last"/);
    server.resetRequests();
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { ...o, per_page: 10 });
    expect(all).toHaveLength(35);
    expect(server.requests).toHaveLength(4);
  });
});

describe("users and webhooks", () => {
  it("acts as a human with a user token; their comment reaches the app as issue_comment", async () => {
    const receiver = await startReceiver("s");
    cleanups.push(receiver.close);
    server = await startServer({ webhook: { url: receiver.url, secret: "s" } });
    server.createRepo("acme/deploy");
    const alice = new Octokit({ baseUrl: server.apiUrl, auth: server.userToken("alice"), log: quiet });
    const { data: issue } = await alice.rest.issues.create({ ...o, title: "Promote" });
    expect(issue.user?.login).toBe("alice");
    await alice.rest.issues.createComment({
      ...o,
      issue_number: issue.number,
      body: "/ferry promote api 1.2.0 to production",
    });
    await server.idle();
    expect(
      receiver.received.map((r) => [
        r.event,
        r.payload.action,
        (r.payload.sender as { login: string }).login,
      ]),
    ).toEqual([["issue_comment", "created", "alice"]]);
    expect(receiver.received[0]?.payload).toMatchObject({
      issue: { number: issue.number },
      comment: { body: "/ferry promote api 1.2.0 to production" },
    });
  });

  it("records events but posts nothing while webhooks are off", async () => {
    const receiver = await startReceiver("s");
    cleanups.push(receiver.close);
    server = await startServer({ webhook: { url: receiver.url, secret: "s" } });
    server.createRepo("acme/deploy");
    server.setWebhooksEnabled(false);
    server.push("acme/deploy", { branch: "main", files: { a: "a" } });
    await server.idle();
    expect(receiver.received).toHaveLength(0);
    expect(server.deliveries.map((d) => [d.event, d.status])).toEqual([
      ["push", undefined],
      ["check_suite", undefined],
    ]);
  });

  it("sendWebhook signs and posts an example payload", async () => {
    const receiver = await startReceiver("s");
    cleanups.push(receiver.close);
    const example = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[])
      .find((e) => e.name === "workflow_run")
      ?.examples.find((e) => e.action === "completed");
    const status = await sendWebhook(receiver.url, "s", "workflow_run", {
      ...example,
      installation: { id: 1 },
    });
    expect(status).toBe(200);
    expect(receiver.received[0]).toMatchObject({
      event: "workflow_run",
      signatureValid: true,
      payload: { action: "completed" },
    });
    await sendWebhook(receiver.url, "wrong", "workflow_run", example);
    expect(receiver.received[1]?.signatureValid).toBe(false);
  });
});

describe("re-requests", () => {
  it("emits check_run.rerequested and check_suite.rerequested shaped like GitHub's", async () => {
    const receiver = await startReceiver("s");
    cleanups.push(receiver.close);
    server = await startServer({ webhook: { url: receiver.url, secret: "s" } });
    server.createRepo("acme/deploy");
    server.push("acme/deploy", { branch: "topic", files: { a: "b" } });
    const octokit = await installationOctokit(server);
    const { data: pr } = await octokit.rest.pulls.create({ ...o, title: "t", head: "topic", base: "main" });
    const { data: run } = await octokit.rest.checks.create({
      ...o,
      name: "Ferry / validate",
      head_sha: pr.head.sha,
      conclusion: "failure",
      output: { title: "t", summary: "s" },
    });
    await server.idle();
    receiver.received.length = 0;
    server.rerequestCheckRun("acme/deploy", run.id, "alice");
    server.rerequestCheckSuite("acme/deploy", "topic");
    await server.idle();
    expect(receiver.received.map((r) => [r.event, r.payload.action])).toEqual([
      ["check_run", "rerequested"],
      ["check_suite", "rerequested"],
    ]);
    expect(receiver.received[0]?.payload).toMatchObject({
      check_run: {
        id: run.id,
        name: "Ferry / validate",
        head_sha: pr.head.sha,
        pull_requests: [{ number: pr.number }],
        check_suite: { head_branch: "topic" },
      },
      sender: { login: "alice" },
    });
    expect(receiver.received[1]?.payload).toMatchObject({
      check_suite: { head_sha: pr.head.sha, pull_requests: [{ number: pr.number }] },
    });
  });
});
