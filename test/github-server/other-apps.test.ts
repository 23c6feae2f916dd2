import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import type { GitHubServer } from "../support/github/server.js";
import { APP_ID, installationOctokit, quiet, startServer } from "./helpers.js";

let server: GitHubServer;
afterEach(async () => {
  await server?.close();
});

describe("another GitHub App in the installation", () => {
  it("creates check runs carrying its own app id, which the owning app cannot update", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "a.yaml": "a: 1\n" } });
    const o = { owner: "acme", repo: "deploy" };
    const head = server.resolve("acme/deploy", "main") as string;
    const ours = await installationOctokit(server);
    server.installApp({ id: 777, slug: "app-777", permissions: { checks: "write" } });
    const theirs = new Octokit({ baseUrl: server.apiUrl, auth: server.appToken(777), log: quiet });

    const { data: mine } = await ours.rest.checks.create({
      ...o,
      name: "X",
      head_sha: head,
      conclusion: "failure",
    });
    const { data: forged } = await theirs.rest.checks.create({
      ...o,
      name: "X",
      head_sha: head,
      conclusion: "success",
    });
    expect(mine.app?.id).toBe(APP_ID);
    expect(forged.app).toMatchObject({ id: 777, slug: "app-777" });
    expect(forged.check_suite?.id).not.toBe(mine.check_suite?.id);

    // filter=latest keeps the latest run per name in each app's suite; app_id narrows to one app
    const all = await ours.rest.checks.listForRef({ ...o, ref: head, check_name: "X" });
    expect(all.data.check_runs.map((r) => r.app?.id)).toEqual([777, APP_ID]);
    const own = await ours.rest.checks.listForRef({ ...o, ref: head, check_name: "X", app_id: APP_ID });
    expect(own.data.check_runs.map((r) => r.id)).toEqual([mine.id]);

    await expect(
      ours.rest.checks.update({ ...o, check_run_id: forged.id, conclusion: "failure" }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      theirs.rest.checks.update({ ...o, check_run_id: mine.id, conclusion: "success" }),
    ).rejects.toMatchObject({ status: 403 });
    expect(server.checkRuns("acme/deploy", head).map((r) => r.conclusion)).toEqual(["failure", "success"]);
  });
});
