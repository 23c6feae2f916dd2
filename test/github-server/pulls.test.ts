import { afterEach, describe, expect, it } from "vitest";
import type { GitHubServer } from "../support/github/server.js";
import { installationOctokit, startReceiver, startServer } from "./helpers.js";

let server: GitHubServer;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await server?.close();
  for (const c of cleanups.splice(0)) await c();
});

const o = { owner: "acme", repo: "deploy" };

describe("pull requests", () => {
  it("opens, synchronizes, labels and merges a PR, emitting signed push and pull_request webhooks", async () => {
    const receiver = await startReceiver("hook-secret");
    cleanups.push(receiver.close);
    server = await startServer({ webhook: { url: receiver.url, secret: "hook-secret" } });
    server.createRepo("acme/deploy", {
      files: { "staging/api.yaml": "image: api:1.0.0\n", "prod/api.yaml": "image: api:0.9.0\n" },
    });
    const octokit = await installationOctokit(server);

    server.push("acme/deploy", {
      branch: "ferry/staging/api",
      files: { "staging/api.yaml": "image: api:1.1.0\n" },
      message: "Bump",
    });
    await expect(
      octokit.rest.pulls.create({ ...o, title: "x", head: "acme:main", base: "main" }),
    ).rejects.toMatchObject({ status: 422 });
    const { data: pr } = await octokit.rest.pulls.create({
      ...o,
      title: "Promote api 1.1.0 to staging",
      body: "from 1.0.0 to 1.1.0",
      head: "ferry/staging/api",
      base: "main",
    });
    expect(pr).toMatchObject({
      number: 1,
      state: "open",
      head: { ref: "ferry/staging/api" },
      mergeable: true,
      changed_files: 1,
    });
    await expect(
      octokit.rest.pulls.create({ ...o, title: "again", head: "acme:ferry/staging/api", base: "main" }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: { errors: [{ message: "A pull request already exists for acme:ferry/staging/api." }] },
      },
    });

    const { data: open } = await octokit.rest.pulls.list({
      ...o,
      head: "acme:ferry/staging/api",
      state: "open",
    });
    expect(open.map((p) => p.number)).toEqual([1]);
    expect((await octokit.rest.pulls.list({ ...o, head: "acme:other" })).data).toEqual([]);
    // Like GitHub, a head without "owner:" is ignored rather than matched.
    expect((await octokit.rest.pulls.list({ ...o, head: "other" })).data.map((p) => p.number)).toEqual([1]);

    const newHead = server.push("acme/deploy", {
      branch: "ferry/staging/api",
      files: { "staging/api.yaml": "image: api:1.2.0\n" },
      message: "Bump again",
    });
    await octokit.rest.issues.addLabels({ ...o, issue_number: 1, labels: ["ferry", "env:staging"] });
    await octokit.rest.pulls.update({ ...o, pull_number: 1, title: "Promote api 1.2.0 to staging" });
    const { data: files } = await octokit.rest.pulls.listFiles({ ...o, pull_number: 1 });
    expect(files).toEqual([
      expect.objectContaining({
        filename: "staging/api.yaml",
        status: "modified",
        patch: "@@ -1,1 +1,1 @@\n-image: api:1.0.0\n+image: api:1.2.0",
      }),
    ]);
    expect(
      (await octokit.rest.pulls.listCommits({ ...o, pull_number: 1 })).data.map((c) => c.commit.message),
    ).toEqual(["Bump", "Bump again"]);

    const { data: merge } = await octokit.rest.pulls.merge({ ...o, pull_number: 1, merge_method: "squash" });
    expect(merge.merged).toBe(true);
    expect(server.readFile("acme/deploy", "main", "staging/api.yaml")).toBe("image: api:1.2.0\n");
    const { data: merged } = await octokit.rest.pulls.get({ ...o, pull_number: 1 });
    expect(merged).toMatchObject({ state: "closed", merged: true, merge_commit_sha: merge.sha });
    const { data: mergeCommit } = await octokit.rest.repos.getCommit({ ...o, ref: merge.sha });
    expect(mergeCommit.commit.verification?.verified).toBe(true);
    expect(
      (await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...o, commit_sha: merge.sha })).data[0]
        ?.number,
    ).toBe(1);
    await expect(octokit.rest.pulls.merge({ ...o, pull_number: 1 })).rejects.toMatchObject({ status: 405 });

    await server.idle();
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    // Each push also asks the app to run its checks on the new commit.
    const suites = receiver.received.filter((r) => r.event === "check_suite");
    expect(suites.map((r) => r.payload.action)).toEqual(["requested", "requested", "requested"]);
    receiver.received.splice(0, Infinity, ...receiver.received.filter((r) => r.event !== "check_suite"));
    // Deliveries are concurrent, as on GitHub: each state change's events arrive, in some order.
    expect(
      receiver.received.map((r) => `${r.event}${r.payload.action ? `.${r.payload.action}` : ""}`).sort(),
    ).toEqual(
      [
        "push", // branch created
        "pull_request.opened",
        "push", // second commit on the branch
        "pull_request.synchronize",
        "pull_request.labeled",
        "pull_request.labeled",
        "pull_request.edited",
        "push", // merge to main
        "pull_request.closed",
      ].sort(),
    );
    const sync = receiver.received.find((r) => r.payload.action === "synchronize")?.payload;
    expect(sync).toMatchObject({
      after: newHead,
      pull_request: { head: { sha: newHead } },
      installation: { id: server.installationId },
    });
    const closed = receiver.received.find((r) => r.payload.action === "closed")?.payload;
    expect(closed).toMatchObject({
      pull_request: {
        merged: true,
        merge_commit_sha: merge.sha,
        labels: [{ name: "ferry" }, { name: "env:staging" }],
      },
    });
    expect(receiver.received[7]?.payload).toMatchObject({ ref: "refs/heads/main", after: merge.sha });
  });

  it("refuses to merge a conflicting PR and reports mergeable false", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "a.yaml": "v: 1\n" } });
    const octokit = await installationOctokit(server);
    server.push("acme/deploy", { branch: "topic", files: { "a.yaml": "v: 2\n" } });
    await octokit.rest.pulls.create({ ...o, title: "t", head: "topic", base: "main" });
    server.push("acme/deploy", { branch: "main", files: { "a.yaml": "v: 3\n" } });
    expect((await octokit.rest.pulls.get({ ...o, pull_number: 1 })).data).toMatchObject({
      mergeable: false,
      mergeable_state: "dirty",
    });
    await expect(octokit.rest.pulls.merge({ ...o, pull_number: 1 })).rejects.toMatchObject({ status: 405 });
  });

  it("compares two refs with commits and files", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "a.yaml": "v: 1\n" } });
    const octokit = await installationOctokit(server);
    const base = server.resolve("acme/deploy", "main") as string;
    server.push("acme/deploy", {
      branch: "main",
      files: { "a.yaml": "v: 2\n", "b.yaml": "x\n" },
      message: "two",
    });
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      ...o,
      basehead: `${base}...main`,
    });
    expect(data).toMatchObject({ status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1 });
    expect(data.files?.map((f) => [f.filename, f.status])).toEqual([
      ["a.yaml", "modified"],
      ["b.yaml", "added"],
    ]);
  });
});

describe("issues, comments, labels, reactions, permissions", () => {
  it("supports the calls ChatOps and drift issues need", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    const octokit = await installationOctokit(server);
    const { data: issue } = await octokit.rest.issues.create({
      ...o,
      title: "Drift in production",
      labels: ["ferry:drift"],
    });
    await octokit.rest.issues.create({ ...o, title: "Other" });
    const { data: list } = await octokit.rest.issues.listForRepo({
      ...o,
      labels: "ferry:drift",
      state: "open",
      creator: "ferry[bot]",
    });
    expect(list.map((i) => i.title)).toEqual(["Drift in production"]);

    const { data: comment } = await octokit.rest.issues.createComment({
      ...o,
      issue_number: issue.number,
      body: "first",
    });
    await octokit.rest.issues.updateComment({ ...o, comment_id: comment.id, body: "edited" });
    await octokit.rest.reactions.createForIssueComment({ ...o, comment_id: comment.id, content: "rocket" });
    expect(server.comments("acme/deploy", issue.number)).toMatchObject([
      { body: "edited", reactions: [{ content: "rocket" }] },
    ]);
    expect((await octokit.rest.issues.listComments({ ...o, issue_number: issue.number })).data[0]?.body).toBe(
      "edited",
    );

    await octokit.rest.issues.removeLabel({ ...o, issue_number: issue.number, name: "ferry:drift" });
    await octokit.rest.issues.update({ ...o, issue_number: issue.number, state: "closed" });
    expect(server.issues("acme/deploy")[0]).toMatchObject({ state: "closed", labels: [] });
    expect((await octokit.rest.issues.listLabelsForRepo(o)).data.map((l) => l.name)).toEqual(["ferry:drift"]);
    await octokit.rest.issues.createLabel({ ...o, name: "ferry:rollback", color: "d73a4a" });
    await expect(octokit.rest.issues.createLabel({ ...o, name: "ferry:rollback" })).rejects.toMatchObject({
      status: 422,
    });

    server.setPermission("acme/deploy", "alice", "write");
    const perm = (username: string) => octokit.rest.repos.getCollaboratorPermissionLevel({ ...o, username });
    expect((await perm("alice")).data.permission).toBe("write");
    server.setPermission("acme/deploy", "bob", "none");
    expect((await perm("bob")).data.permission).toBe("none");
  });
});

describe("size limits", () => {
  it("compare lists 300 files, a PR's files 3,000; a recursive tree past its limit is truncated", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "README.md": "x" } });
    const files: Record<string, string> = {};
    for (let i = 0; i < 3001; i++) files[`f/${String(i).padStart(4, "0")}.yaml`] = `n: ${i}\n`;
    const head = server.push("acme/deploy", { branch: "bulk", files });
    const octokit = await installationOctokit(server);
    const { data: pr } = await octokit.rest.pulls.create({ ...o, title: "t", head: "bulk", base: "main" });
    const compare = await octokit.rest.repos.compareCommitsWithBasehead({ ...o, basehead: `main...${head}` });
    expect(compare.data.files).toHaveLength(300);
    const listed = await octokit.paginate(octokit.rest.pulls.listFiles, {
      ...o,
      pull_number: pr.number,
      per_page: 100,
    });
    expect(listed).toHaveLength(3000);
    expect(listed.at(-1)?.filename).toBe("f/2999.yaml");
    const whole = await octokit.rest.git.getTree({ ...o, tree_sha: head, recursive: "1" });
    expect(whole.data).toMatchObject({ truncated: false });
    server.state.limits.treeEntries = 100;
    const cut = await octokit.rest.git.getTree({ ...o, tree_sha: head, recursive: "1" });
    expect(cut.data.truncated).toBe(true);
    expect(cut.data.tree).toHaveLength(100);
  });
});
