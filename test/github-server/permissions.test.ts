import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import { signAppJwt } from "../support/github/auth.js";
import { ROUTE_PERMISSIONS } from "../support/github/permissions.js";
import { JWT_ROUTES } from "../support/github/routes/app.js";
import { checkRoutes } from "../support/github/routes/checks.js";
import { gitRoutes } from "../support/github/routes/git.js";
import { issueRoutes } from "../support/github/routes/issues.js";
import { pullRoutes } from "../support/github/routes/pulls.js";
import { repoRoutes } from "../support/github/routes/repos.js";
import type { GitHubServer } from "../support/github/server.js";
import { APP_ID, installationOctokit, keys, quiet, startServer } from "./helpers.js";

let server: GitHubServer;
afterEach(async () => {
  await server?.close();
});

const o = { owner: "acme", repo: "deploy" };
const forbidden = { status: 403, response: { data: { message: "Resource not accessible by integration" } } };

describe("installation token permissions", () => {
  it("every route the server serves says which permission it needs", () => {
    const served = [gitRoutes, repoRoutes, checkRoutes, pullRoutes, issueRoutes].flatMap((t) =>
      Object.keys(t),
    );
    const missing = served.filter((r) => !(r in ROUTE_PERMISSIONS) && !JWT_ROUTES.has(r as never));
    expect(missing).toEqual([]);
  });

  it("a token may do what its app was granted, and gets GitHub's 403 for anything else", async () => {
    server = await startServer({
      permissions: { contents: "read", metadata: "read", pull_requests: "write" },
    });
    server.createRepo("acme/deploy", { files: { "a.yaml": "v: 1\n" } });
    server.push("acme/deploy", { branch: "topic", files: { "a.yaml": "v: 2\n" } });
    const octokit = await installationOctokit(server);
    const { data: token } = await new Octokit({
      baseUrl: server.apiUrl,
      auth: signAppJwt(APP_ID, keys.privateKey),
      log: quiet,
    }).rest.apps.createInstallationAccessToken({ installation_id: server.installationId });
    expect(token.permissions).toEqual({ contents: "read", metadata: "read", pull_requests: "write" });

    expect((await octokit.rest.repos.getContent({ ...o, path: "a.yaml" })).status).toBe(200);
    const { data: pr } = await octokit.rest.pulls.create({ ...o, title: "t", head: "topic", base: "main" });
    // a comment on a PR is allowed with pull_requests: write
    await octokit.rest.issues.createComment({ ...o, issue_number: pr.number, body: "hi" });
    await expect(
      octokit.rest.git.createRef({ ...o, ref: "refs/heads/x", sha: pr.head.sha }),
    ).rejects.toMatchObject(forbidden);
    await expect(octokit.rest.issues.create({ ...o, title: "an issue" })).rejects.toMatchObject(forbidden);
    // ...but the same route on an issue needs `issues`
    const alice = new Octokit({ baseUrl: server.apiUrl, auth: server.userToken("alice"), log: quiet });
    const { data: issue } = await alice.rest.issues.create({ ...o, title: "an issue" });
    await expect(
      octokit.rest.issues.createComment({ ...o, issue_number: issue.number, body: "hi" }),
    ).rejects.toMatchObject(forbidden);
    await expect(
      octokit.rest.checks.create({ ...o, name: "c", head_sha: pr.head.sha }),
    ).rejects.toMatchObject(forbidden);
    await expect(octokit.rest.pulls.merge({ ...o, pull_number: pr.number })).rejects.toMatchObject(forbidden);
    expect(server.pulls("acme/deploy")[0]?.merged).toBe(false);

    // GraphQL: FORBIDDEN, GitHub's wording, for a mutation or a field the token may not use
    const branch = await octokit.graphql<{ repository: { ref: { id: string } } }>(
      `{ repository(owner: "acme", name: "deploy") { ref(qualifiedName: "refs/heads/topic") { id } } }`,
    );
    await expect(
      octokit.graphql(
        `mutation($id: ID!, $oid: GitObjectID!) { updateRef(input: {refId: $id, oid: $oid, force: true}) { clientMutationId } }`,
        { id: branch.repository.ref.id, oid: pr.base.sha },
      ),
    ).rejects.toMatchObject({
      errors: [{ type: "FORBIDDEN", message: "Resource not accessible by integration", path: ["updateRef"] }],
    });
    await expect(
      octokit.graphql(`{ repository(owner: "acme", name: "deploy") { issue(number: 1) { title } } }`),
    ).rejects.toMatchObject({ errors: [{ type: "FORBIDDEN", path: ["repository", "issue"] }] });
  });
});

describe("token lifetime and GitHub's clock", () => {
  it("installation tokens expire after an hour on GitHub's clock; JWTs are judged by it too", async () => {
    server = await startServer();
    server.createRepo("acme/deploy");
    const octokit = await installationOctokit(server);
    await octokit.rest.repos.get(o);
    server.advanceClock(59 * 60_000);
    await octokit.rest.repos.get(o);
    server.advanceClock(2 * 60_000);
    await expect(octokit.rest.repos.get(o)).rejects.toMatchObject({
      status: 401,
      response: { data: { message: "Bad credentials" } },
    });
    // A JWT signed by a clock an hour behind GitHub's has expired by GitHub's; the date header says why.
    const app = new Octokit({
      baseUrl: server.apiUrl,
      auth: signAppJwt(APP_ID, keys.privateKey),
      log: quiet,
    });
    const refused = (await app.rest.apps.getAuthenticated().catch((e: unknown) => e)) as {
      status: number;
      response: { headers: Record<string, string> };
    };
    expect(refused.status).toBe(401);
    expect(Date.parse(refused.response.headers.date ?? "")).toBeGreaterThan(Date.now() + 60 * 60_000);
  });
});
