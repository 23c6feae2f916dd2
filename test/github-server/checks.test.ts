import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import type { GitHubServer } from "../support/github/server.js";
import { installationOctokit, quiet, startReceiver, startServer } from "./helpers.js";

let server: GitHubServer;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await server?.close();
  for (const c of cleanups.splice(0)) await c();
});

const o = { owner: "acme", repo: "deploy" };
const CI = 15368;

async function setup(): Promise<{ app: Octokit; ci: Octokit; sha: string }> {
  server.createRepo("acme/deploy", { files: { "a.yaml": "v: 1\n" } });
  server.installApp({ id: CI, slug: "github-actions", permissions: { checks: "write", contents: "read" } });
  const app = await installationOctokit(server);
  const ci = new Octokit({ baseUrl: server.apiUrl, auth: server.appToken(CI), log: quiet });
  return { app, ci, sha: server.resolve("acme/deploy", "main") as string };
}

describe("check runs", () => {
  it("a completed run's status and conclusion are final; its output may still grow", async () => {
    server = await startServer();
    const { app, sha } = await setup();
    const { data: run } = await app.rest.checks.create({
      ...o,
      name: "lint",
      head_sha: sha,
      conclusion: "failure",
      output: { title: "1 error", summary: "s", annotations: [] },
    });
    const refused = {
      status: 422,
      response: {
        data: {
          message: "Validation Failed",
          errors: [
            {
              resource: "CheckRun",
              code: "custom",
              message: expect.stringContaining("its status and conclusion can no longer change"),
            },
          ],
        },
      },
    };
    await expect(
      app.rest.checks.update({ ...o, check_run_id: run.id, status: "in_progress" }),
    ).rejects.toMatchObject(refused);
    await expect(
      app.rest.checks.update({ ...o, check_run_id: run.id, conclusion: "success" }),
    ).rejects.toMatchObject(refused);
    await expect(
      app.rest.checks.update({ ...o, check_run_id: run.id, status: "completed", conclusion: "success" }),
    ).rejects.toMatchObject(refused);
    // More annotations for the same verdict are fine (how more than 50 get through).
    const { data: same } = await app.rest.checks.update({
      ...o,
      check_run_id: run.id,
      output: {
        title: "1 error",
        summary: "s",
        annotations: [
          { path: "a.yaml", start_line: 1, end_line: 1, annotation_level: "failure", message: "m" },
        ],
      },
    });
    expect(same).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { annotations_count: 1 },
    });

    // A new verdict is a new run of the same name; the latest is the one listed by default.
    await app.rest.checks.create({ ...o, name: "lint", head_sha: sha, conclusion: "success" });
    const latest = await app.rest.checks.listForRef({ ...o, ref: sha });
    expect(latest.data.check_runs.map((r) => [r.name, r.conclusion])).toEqual([["lint", "success"]]);
    const all = await app.rest.checks.listForRef({ ...o, ref: sha, filter: "all" });
    expect(all.data.check_runs.map((r) => r.conclusion)).toEqual(["success", "failure"]);
  });

  it("only GitHub Apps use the Checks API, and an app changes only its own runs", async () => {
    server = await startServer();
    const { app, ci, sha } = await setup();
    const user = new Octokit({ baseUrl: server.apiUrl, auth: server.userToken("alice"), log: quiet });
    await expect(user.rest.checks.create({ ...o, name: "build", head_sha: sha })).rejects.toMatchObject({
      status: 403,
      response: { data: { message: "You must authenticate via a GitHub App." } },
    });
    const { data: build } = await ci.rest.checks.create({ ...o, name: "build", head_sha: sha });
    expect(build.app).toMatchObject({ id: CI, slug: "github-actions" });
    await expect(
      app.rest.checks.update({ ...o, check_run_id: build.id, conclusion: "success" }),
    ).rejects.toMatchObject({
      status: 403,
      response: { data: { message: "Resource not accessible by integration" } },
    });
    const mine = await app.rest.checks.listForRef({ ...o, ref: sha, app_id: CI });
    expect(mine.data.check_runs.map((r) => r.name)).toEqual(["build"]);
  });
});

describe("check suites", () => {
  it("one suite per app and commit; each completes on its own and every app hears it", async () => {
    const receiver = await startReceiver("s");
    cleanups.push(receiver.close);
    server = await startServer({ webhook: { url: receiver.url, secret: "s" } });
    const { app, ci, sha } = await setup();
    const { data: build } = await ci.rest.checks.create({
      ...o,
      name: "build",
      head_sha: sha,
      status: "in_progress",
    });
    const { data: validate } = await app.rest.checks.create({
      ...o,
      name: "validate",
      head_sha: sha,
      status: "in_progress",
    });
    const suites = async () =>
      (await app.rest.checks.listSuitesForRef({ ...o, ref: sha })).data.check_suites.map((s) => [
        s.app?.slug,
        s.status,
        s.conclusion,
      ]);
    expect(await suites()).toEqual([
      ["github-actions", "in_progress", null],
      ["ferry", "in_progress", null],
    ]);
    await app.rest.checks.update({ ...o, check_run_id: validate.id, conclusion: "success" });
    expect(await suites()).toEqual([
      ["github-actions", "in_progress", null],
      ["ferry", "completed", "success"],
    ]);
    await ci.rest.checks.update({ ...o, check_run_id: build.id, conclusion: "failure" });
    expect(await suites()).toEqual([
      ["github-actions", "completed", "failure"],
      ["ferry", "completed", "success"],
    ]);
    await server.idle();
    // The app with a webhook hears both suites complete (it reads checks), each with its own app.
    const completed = receiver.received.filter(
      (r) => r.event === "check_suite" && r.payload.action === "completed",
    );
    expect(completed.map((r) => (r.payload.check_suite as { app: { slug: string } }).app.slug)).toEqual([
      "ferry",
      "github-actions",
    ]);

    // "Re-run all checks" queues only that app's suite again and asks only that app.
    server.rerequestCheckSuite("acme/deploy", sha, "alice");
    expect(await suites()).toEqual([
      ["github-actions", "completed", "failure"],
      ["ferry", "queued", null],
    ]);
    server.rerequestCheckSuite("acme/deploy", sha, "alice", CI);
    await server.idle();
    const rerequested = server.deliveries.filter(
      (d) => d.event === "check_suite" && d.action === "rerequested",
    );
    expect(rerequested.map((d) => d.app)).toEqual(["ferry", "github-actions"]);
    expect(receiver.received.filter((r) => r.payload.action === "rerequested")).toHaveLength(1);
  });

  it("a push asks every app that writes checks to run them (check_suite.requested)", async () => {
    server = await startServer();
    await setup();
    server.installApp({ id: 77, slug: "reader", permissions: { checks: "read" } });
    const head = server.push("acme/deploy", { branch: "topic", files: { "a.yaml": "v: 2\n" } });
    const requested = server.deliveries.filter((d) => d.event === "check_suite" && d.action === "requested");
    expect(requested.map((d) => [d.app, (d.payload.check_suite as { head_sha: string }).head_sha])).toEqual([
      ["ferry", head],
      ["github-actions", head],
    ]);
    expect(requested[0]?.payload.check_suite).toMatchObject({ status: "queued", head_branch: "topic" });
  });
});
