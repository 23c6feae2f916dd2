import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import type { GitHubServer } from "../support/github/server.js";
import { installationOctokit, quiet, startServer } from "./helpers.js";

let server: GitHubServer;
afterEach(() => server?.close());

const o = { owner: "acme", repo: "deploy" };
/** 3 bytes of UTF-8, 1 UTF-16 unit, 1 character. */
const cjk = (n: number) => "日".repeat(n);
/** 4 bytes of UTF-8, 2 UTF-16 units, 1 character. */
const emoji = (n: number) => "🚀".repeat(n);

async function refusal(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { status: number; response: { data: unknown } } | undefined;
  expect(error?.status).toBe(422);
  return error?.response.data as { message: string; errors: unknown[]; documentation_url: string };
}

async function setUp(): Promise<{ octokit: Octokit; head: string }> {
  server = await startServer();
  server.createRepo("acme/deploy", { files: { "a.yaml": "a: 1\n" } });
  return {
    octokit: await installationOctokit(server),
    head: server.resolve("acme/deploy", "main") as string,
  };
}

describe("GitHub's size limits, in GitHub's units", () => {
  it("refuses a check run summary or text over 65,535 bytes even when it is far fewer characters", async () => {
    const { octokit, head } = await setUp();
    const create = (output: { title: string; summary: string; text?: string }) =>
      octokit.rest.checks.create({ ...o, name: "c", head_sha: head, conclusion: "success", output });

    // 21,846 CJK characters are 21,846 UTF-16 units but 65,538 bytes.
    const body = await refusal(create({ title: "t", summary: cjk(21_846) }));
    expect(body).toMatchObject({
      message: "Validation Failed",
      errors: [
        {
          resource: "CheckRun",
          code: "custom",
          field: "summary",
          message: "summary exceeds a maximum bytesize of 65535",
        },
      ],
      documentation_url: expect.any(String),
    });
    expect((await refusal(create({ title: "t", summary: "s", text: emoji(16_384) }))).errors).toMatchObject([
      { field: "text", message: "text exceeds a maximum bytesize of 65535" },
    ]);
    expect(server.checkRuns("acme/deploy", head)).toHaveLength(0);

    // Exactly 65,535 bytes is accepted.
    await create({ title: "t", summary: cjk(21_845), text: `${emoji(16_383)}abc` });
    expect(server.checkRuns("acme/deploy", head)).toHaveLength(1);
  });

  it("refuses an update over the limit and leaves the run as it was", async () => {
    const { octokit, head } = await setUp();
    const { data: run } = await octokit.rest.checks.create({
      ...o,
      name: "c",
      head_sha: head,
      status: "in_progress",
    });
    await refusal(
      octokit.rest.checks.update({
        ...o,
        check_run_id: run.id,
        conclusion: "success",
        output: { title: "t", summary: cjk(30_000) },
      }),
    );
    expect(server.checkRuns("acme/deploy", head)[0]).toMatchObject({
      status: "in_progress",
      conclusion: null,
    });
  });

  it("holds annotation messages and raw details to 65,535 bytes and titles to 255 characters", async () => {
    const { octokit, head } = await setUp();
    const annotate = (annotation: { message: string; title?: string; raw_details?: string }) =>
      octokit.rest.checks.create({
        ...o,
        name: "c",
        head_sha: head,
        conclusion: "failure",
        output: {
          title: "t",
          summary: "s",
          annotations: [
            { path: "a.yaml", start_line: 1, end_line: 1, annotation_level: "failure", ...annotation },
          ],
        },
      });
    expect((await refusal(annotate({ message: cjk(21_846) }))).errors).toMatchObject([
      { resource: "CheckRun", field: "message" },
    ]);
    expect((await refusal(annotate({ message: "m", raw_details: emoji(16_384) }))).errors).toMatchObject([
      { field: "raw_details" },
    ]);
    expect((await refusal(annotate({ message: "m", title: "x".repeat(256) }))).errors).toMatchObject([
      { field: "title", message: "title is too long (maximum is 255 characters)" },
    ]);
    // 255 emoji are 510 UTF-16 units but 255 characters: accepted.
    await annotate({ message: cjk(21_845), title: emoji(255) });
    expect(server.checkRuns("acme/deploy", head)[0]?.output.annotations[0]?.title).toBe(emoji(255));
  });

  it("refuses issue, pull request and comment bodies over 65,536 characters, counted as characters", async () => {
    const { octokit } = await setUp();
    server.push("acme/deploy", { branch: "topic", files: { "a.yaml": "a: 2\n" } });
    const tooLong = "x".repeat(65_537);
    // 65,536 emoji: 131,072 UTF-16 units and 262,144 bytes, yet within GitHub's character limit.
    const fits = emoji(65_536);
    const message = "body is too long (maximum is 65536 characters)";

    expect((await refusal(octokit.rest.issues.create({ ...o, title: "i", body: tooLong }))).errors).toEqual([
      { resource: "Issue", code: "custom", field: "body", message },
    ]);
    const { data: issue } = await octokit.rest.issues.create({ ...o, title: "i", body: fits });
    await refusal(octokit.rest.issues.update({ ...o, issue_number: issue.number, body: tooLong }));

    expect(
      (await refusal(octokit.rest.issues.createComment({ ...o, issue_number: issue.number, body: tooLong })))
        .errors,
    ).toMatchObject([{ resource: "IssueComment", field: "body", message }]);
    const { data: comment } = await octokit.rest.issues.createComment({
      ...o,
      issue_number: issue.number,
      body: fits,
    });
    await refusal(octokit.rest.issues.updateComment({ ...o, comment_id: comment.id, body: tooLong }));

    expect(
      (
        await refusal(
          octokit.rest.pulls.create({ ...o, title: "p", head: "topic", base: "main", body: tooLong }),
        )
      ).errors,
    ).toMatchObject([{ resource: "PullRequest", field: "body", message }]);
    const { data: pull } = await octokit.rest.pulls.create({
      ...o,
      title: "p",
      head: "topic",
      base: "main",
      body: fits,
    });
    await refusal(octokit.rest.pulls.update({ ...o, pull_number: pull.number, body: tooLong }));

    expect(server.issues("acme/deploy")[0]?.body).toBe(fits);
    expect(server.comments("acme/deploy", issue.number).map((c) => c.body)).toEqual([fits]);
    expect(server.pulls("acme/deploy")[0]?.body).toBe(fits);
  });

  it("refuses a GraphQL pull request or comment body over 65,536 characters as UNPROCESSABLE", async () => {
    const { octokit } = await setUp();
    server.push("acme/deploy", { branch: "topic", files: { "a.yaml": "a: 2\n" } });
    const { repository } = await octokit.graphql<{ repository: { id: string } }>(
      `query { repository(owner: "acme", name: "deploy") { id } }`,
    );
    const error = await octokit
      .graphql(
        `mutation($repo: ID!, $body: String!) { createPullRequest(input: {repositoryId: $repo, baseRefName: "main", headRefName: "topic", title: "p", body: $body}) { pullRequest { number } } }`,
        { repo: repository.id, body: "x".repeat(65_537) },
      )
      .catch((e: { errors?: unknown[] }) => e);
    expect((error as { errors?: unknown[] }).errors).toMatchObject([
      { type: "UNPROCESSABLE", message: "body is too long (maximum is 65536 characters)" },
    ]);
    expect(server.pulls("acme/deploy")).toHaveLength(0);
    // A user's own Octokit sees the same through GraphQL.
    const user = new Octokit({ baseUrl: server.apiUrl, auth: server.userToken("alice"), log: quiet });
    await expect(
      user.graphql(
        `mutation($repo: ID!, $body: String!) { createPullRequest(input: {repositoryId: $repo, baseRefName: "main", headRefName: "topic", title: "p", body: $body}) { pullRequest { number } } }`,
        { repo: repository.id, body: emoji(65_536) },
      ),
    ).resolves.toBeDefined();
  });
});
