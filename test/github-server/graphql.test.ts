import type { Octokit } from "@octokit/rest";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { githubGraphqlSchema } from "../support/github/graphql.js";
import type { GitHubServer } from "../support/github/server.js";
import { installationOctokit, startServer } from "./helpers.js";

let server: GitHubServer;
let octokit: Octokit;
beforeAll(() => {
  githubGraphqlSchema(); // 1–2 s, once per process
}, 30_000);
afterEach(async () => {
  await server?.close();
});

async function setup(): Promise<void> {
  server = await startServer();
  server.createRepo("acme/deploy", {
    files: {
      "staging/api.yaml": "image: ghcr.io/acme/api:1.0.0\n",
      "staging/web.yaml": "image: ghcr.io/acme/web:2.0.0\n",
    },
  });
  octokit = await installationOctokit(server);
}

const READ = `query Read($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    id
    defaultBranchRef { target { oid } }
    api: object(expression: "main:staging/api.yaml") { ... on Blob { text oid byteSize isBinary } }
    web: object(expression: "main:staging/web.yaml") { ... on Blob { text } }
    missing: object(expression: "main:nope.yaml") { ... on Blob { text } }
    ref(qualifiedName: "refs/heads/ferry/staging/api") { target { oid } }
    pullRequests(headRefName: "ferry/staging/api", states: [OPEN], first: 5) { nodes { number id headRefOid title body labels(first: 10) { nodes { name } } } }
  }
}`;

interface ReadResult {
  repository: {
    id: string;
    defaultBranchRef: { target: { oid: string } };
    api: { text: string; oid: string; byteSize: number; isBinary: boolean };
    web: { text: string };
    missing: null;
    ref: null | { target: { oid: string } };
    pullRequests: {
      nodes: { number: number; id: string; headRefOid: string; labels: { nodes: { name: string }[] } }[];
    };
  };
}

describe("GraphQL", () => {
  it("opens a verified one-commit PR in four requests: read, createRef, createCommitOnBranch, createPullRequest", async () => {
    await setup();
    server.resetRequests();
    const read = await octokit.graphql<ReadResult>(READ, { owner: "acme", name: "deploy" });
    expect(read.repository.api).toMatchObject({
      text: "image: ghcr.io/acme/api:1.0.0\n",
      byteSize: 30,
      isBinary: false,
    });
    expect(read.repository.web.text).toBe("image: ghcr.io/acme/web:2.0.0\n");
    expect(read.repository.missing).toBeNull();
    expect(read.repository.ref).toBeNull();
    const base = read.repository.defaultBranchRef.target.oid;

    await octokit.graphql(
      `mutation($repo: ID!, $oid: GitObjectID!) { createRef(input: { repositoryId: $repo, name: "refs/heads/ferry/staging/api", oid: $oid }) { ref { name } } }`,
      { repo: read.repository.id, oid: base },
    );
    const commit = await octokit.graphql<{
      createCommitOnBranch: { commit: { oid: string; signature: { isValid: boolean } } };
    }>(
      `mutation Commit($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid signature { isValid } } } }`,
      {
        input: {
          branch: { repositoryNameWithOwner: "acme/deploy", branchName: "ferry/staging/api" },
          expectedHeadOid: base,
          message: { headline: "Promote api 1.1.0 to staging" },
          fileChanges: {
            additions: [
              {
                path: "staging/api.yaml",
                contents: Buffer.from("image: ghcr.io/acme/api:1.1.0\n").toString("base64"),
              },
            ],
          },
        },
      },
    );
    expect(commit.createCommitOnBranch.commit.signature.isValid).toBe(true);
    const pr = await octokit.graphql<{
      createPullRequest: { pullRequest: { number: number; headRefOid: string } };
    }>(
      `mutation($repo: ID!) { createPullRequest(input: { repositoryId: $repo, baseRefName: "main", headRefName: "ferry/staging/api", title: "Promote api 1.1.0 to staging", body: "1.0.0 → 1.1.0" }) { pullRequest { number headRefOid } } }`,
      { repo: read.repository.id },
    );
    expect(pr.createPullRequest.pullRequest).toEqual({
      number: 1,
      headRefOid: commit.createCommitOnBranch.commit.oid,
    });

    expect(server.requests.map((r) => [r.route, r.graphqlOperation, r.status])).toEqual([
      ["POST /graphql", "Read", 200],
      ["POST /graphql", "createRef", 200],
      ["POST /graphql", "Commit", 200],
      ["POST /graphql", "createPullRequest", 200],
    ]);
    expect(server.readFile("acme/deploy", "ferry/staging/api", "staging/api.yaml")).toBe(
      "image: ghcr.io/acme/api:1.1.0\n",
    );
    const again = await octokit.graphql<ReadResult>(READ, { owner: "acme", name: "deploy" });
    expect(again.repository.pullRequests.nodes.map((n) => n.number)).toEqual([1]);
    const file = await octokit.graphql<{
      repository: { object: { file: { path: string; object: { text: string } } } };
    }>(
      `{ repository(owner: "acme", name: "deploy") { object(expression: "ferry/staging/api") { ... on Commit { file(path: "staging/api.yaml") { path object { ... on Blob { text } } } } } } }`,
    );
    expect(file.repository.object.file).toEqual({
      path: "staging/api.yaml",
      object: { text: "image: ghcr.io/acme/api:1.1.0\n" },
    });
  });

  it("rejects createCommitOnBranch with a stale expectedHeadOid, changing nothing", async () => {
    await setup();
    const stale = server.resolve("acme/deploy", "main") as string;
    const moved = server.push("acme/deploy", { branch: "main", files: { "x.txt": "x" } });
    const err = await octokit
      .graphql(
        `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
        {
          input: {
            branch: { repositoryNameWithOwner: "acme/deploy", branchName: "main" },
            expectedHeadOid: stale,
            message: { headline: "late" },
            fileChanges: { deletions: [{ path: "staging/web.yaml" }] },
          },
        },
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      errors: [
        {
          type: "STALE_DATA",
          message: `Expected branch to point to "${stale}" but it did not. Pull and try again.`,
        },
      ],
    });
    expect(server.resolve("acme/deploy", "main")).toBe(moved);
  });

  it("validates every query against GitHub's schema", async () => {
    await setup();
    const err = await octokit
      .graphql(`{ repository(owner: "acme", name: "deploy") { defaultBranchRef { name } promotionTarget } }`)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      errors: [
        {
          message: "Field 'promotionTarget' doesn't exist on type 'Repository'",
          extensions: { code: "undefinedField" },
        },
      ],
    });
    const unbounded = await octokit
      .graphql(
        `{ repository(owner: "acme", name: "deploy") { pullRequests(states: [OPEN]) { nodes { number } } } }`,
      )
      .catch((e: unknown) => e);
    expect(unbounded).toMatchObject({ errors: [{ type: "MISSING_PAGINATION_BOUNDARIES" }] });
    const missing = await octokit
      .graphql(`{ repository(owner: "acme", name: "nope") { id } }`)
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ errors: [{ type: "NOT_FOUND", path: ["repository"] }] });
  });

  it("labels, auto-merges on passing required checks, and refuses auto-merge where GitHub would", async () => {
    await setup();
    server.protectBranch("acme/deploy", "main", { requiredChecks: ["Ferry / validate"] });
    server.push("acme/deploy", {
      branch: "topic",
      files: { "staging/api.yaml": "image: ghcr.io/acme/api:1.2.0\n" },
    });
    const { data: pr } = await octokit.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      title: "t",
      head: "topic",
      base: "main",
    });
    const { data: label } = await octokit.rest.issues.createLabel({
      owner: "acme",
      repo: "deploy",
      name: "ferry",
    });
    await octokit.graphql(
      `mutation($id: ID!, $l: [ID!]!) { addLabelsToLabelable(input: { labelableId: $id, labelIds: $l }) { clientMutationId } }`,
      {
        id: pr.node_id,
        l: [label.node_id],
      },
    );
    expect(server.pulls("acme/deploy")[0]?.labels).toEqual(["ferry"]);

    const enable = `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { pullRequest { autoMergeRequest { mergeMethod } } } }`;
    const refusal = (message: string) => ({ errors: [{ type: "UNPROCESSABLE", message }] });
    // Repositories do not allow auto-merge until someone turns it on.
    await expect(octokit.graphql(enable, { id: pr.node_id })).rejects.toMatchObject(
      refusal("Pull request Auto merge is not allowed for this repository"),
    );
    server.setRepoSettings("acme/deploy", { allowAutoMerge: true });
    // Auto-merge waits for branch protection; an unprotected base has nothing to wait for.
    server.state.repo("acme/deploy")?.protection.delete("main");
    await expect(octokit.graphql(enable, { id: pr.node_id })).rejects.toMatchObject(
      refusal("Pull request Protected branch rules not configured for this branch"),
    );
    // Protected, but nothing pending: the PR could merge now, so there is nothing to arm.
    server.protectBranch("acme/deploy", "main", { requiredChecks: [] });
    await expect(octokit.graphql(enable, { id: pr.node_id })).rejects.toMatchObject(
      refusal("Pull request Pull request is in clean status"),
    );
    server.protectBranch("acme/deploy", "main", { requiredChecks: ["Ferry / validate"] });
    const enabled = await octokit.graphql<{
      enablePullRequestAutoMerge: { pullRequest: { autoMergeRequest: { mergeMethod: string } } };
    }>(enable, {
      id: pr.node_id,
    });
    expect(enabled.enablePullRequestAutoMerge.pullRequest.autoMergeRequest.mergeMethod).toBe("SQUASH");

    const { data: run } = await octokit.rest.checks.create({
      owner: "acme",
      repo: "deploy",
      name: "Ferry / validate",
      head_sha: pr.head.sha,
      status: "in_progress",
    });
    expect(server.pulls("acme/deploy")[0]?.merged).toBe(false);
    await octokit.rest.checks.update({
      owner: "acme",
      repo: "deploy",
      check_run_id: run.id,
      conclusion: "success",
      output: { title: "ok", summary: "ok" },
    });
    expect(server.pulls("acme/deploy")[0]).toMatchObject({ merged: true, state: "closed" });
    expect(server.readFile("acme/deploy", "main", "staging/api.yaml")).toBe(
      "image: ghcr.io/acme/api:1.2.0\n",
    );
  });
});

describe("GraphQL check evidence", () => {
  it("reads check suites, runs and the status rollup of a commit in one query", async () => {
    await setup();
    const head = server.resolve("acme/deploy", "main") as string;
    const o = { owner: "acme", repo: "deploy" };
    const { data: old } = await octokit.rest.checks.create({
      ...o,
      name: "Ferry / reconcile (staging)",
      head_sha: head,
      conclusion: "failure",
      output: { title: "t", summary: "s" },
    });
    await octokit.rest.checks.create({
      ...o,
      name: "Ferry / reconcile (staging)",
      head_sha: head,
      conclusion: "success",
      output: { title: "Healthy", summary: "s" },
    });
    await octokit.rest.checks.create({
      ...o,
      name: "Ferry / validate",
      head_sha: head,
      status: "in_progress",
    });
    const res = await octokit.graphql<{
      repository: {
        object: {
          statusCheckRollup: { state: string };
          checkSuites: {
            nodes: {
              app: { slug: string };
              checkRuns: { nodes: { databaseId: number; conclusion: string; title: string }[] };
            }[];
          };
        };
      };
    }>(
      `query Evidence($expr: String!) { repository(owner: "acme", name: "deploy") { object(expression: $expr) { ... on Commit {
        statusCheckRollup { state }
        checkSuites(first: 10) { nodes { app { slug } checkRuns(first: 10, filterBy: { checkName: "Ferry / reconcile (staging)", checkType: LATEST }) { nodes { databaseId conclusion title } } } }
      } } } }`,
      { expr: head },
    );
    expect(res.repository.object.statusCheckRollup.state).toBe("PENDING");
    const runs = res.repository.object.checkSuites.nodes[0]?.checkRuns.nodes ?? [];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ conclusion: "SUCCESS", title: "Healthy" });
    expect(runs[0]?.databaseId).not.toBe(old.id);
  });
});
