import { Octokit } from "@octokit/rest";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { githubGraphqlSchema } from "../support/github/graphql.js";
import type { GitHubServer } from "../support/github/server.js";
import { DEFAULT_EVENTS } from "../support/github/state.js";
import { installationOctokit, quiet, startReceiver, startServer } from "./helpers.js";

let server: GitHubServer;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
beforeAll(() => {
  githubGraphqlSchema();
}, 30_000);
afterEach(async () => {
  await server?.close();
  await receiver?.close();
});

const as = (login: string) =>
  new Octokit({ baseUrl: server.apiUrl, auth: server.userToken(login), log: quiet });
const repo = { owner: "acme", repo: "deploy" };

describe("issues on the GitHub test server", () => {
  it("sends issues.opened, closed, reopened, and edited with what the body and title were", async () => {
    receiver = await startReceiver("s");
    // An app subscribed to `issues`, as Ferry's app.yml is.
    server = await startServer({
      webhook: { url: receiver.url, secret: "s" },
      events: [...DEFAULT_EVENTS, "issues"],
    });
    server.createRepo("acme/deploy", { files: { "README.md": "x\n" } });
    const app = await installationOctokit(server);
    const { data: issue } = await app.rest.issues.create({ ...repo, title: "T", body: "- [ ] a" });
    await as("alice").rest.issues.update({ ...repo, issue_number: issue.number, body: "- [x] a" });
    await as("alice").rest.issues.update({ ...repo, issue_number: issue.number, title: "T2" });
    await as("alice").rest.issues.update({ ...repo, issue_number: issue.number, title: "T2" }); // no change
    await as("alice").rest.issues.update({ ...repo, issue_number: issue.number, state: "closed" });
    await as("alice").rest.issues.update({ ...repo, issue_number: issue.number, state: "open" });
    await server.idle();
    const events = receiver.received.filter((r) => r.event === "issues");
    expect(events.map((e) => e.payload.action)).toEqual(["opened", "edited", "edited", "closed", "reopened"]);
    const edits = events.filter((e) => e.payload.action === "edited");
    expect(edits.map((e) => [e.payload.action, e.payload.changes])).toEqual([
      ["edited", { body: { from: "- [ ] a" } }],
      ["edited", { title: { from: "T" } }],
    ]);
    const [first] = edits;
    expect(first?.signatureValid).toBe(true);
    expect(first?.payload).toMatchObject({
      issue: { number: issue.number, body: "- [x] a", user: { type: "Bot" } },
      sender: { login: "alice", type: "User" },
      repository: { full_name: "acme/deploy" },
    });
  });

  it("answers Repository.issues by label and state, oldest first, with viewerDidAuthor", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "README.md": "x\n" } });
    const app = await installationOctokit(server);
    const mine = (await app.rest.issues.create({ ...repo, title: "A", labels: ["ferry:dashboard"] })).data;
    const theirs = (await as("bob").rest.issues.create({ ...repo, title: "B", labels: ["Ferry:Dashboard"] }))
      .data;
    const closed = (await app.rest.issues.create({ ...repo, title: "C", labels: ["ferry:dashboard"] })).data;
    await app.rest.issues.update({ ...repo, issue_number: closed.number, state: "closed" });
    await app.rest.issues.create({ ...repo, title: "D", labels: ["other"] });
    const read = (states: string) =>
      app.graphql<{
        repository: {
          issues: {
            nodes: {
              number: number;
              state: string;
              viewerDidAuthor: boolean;
              author: { __typename: string };
            }[];
          };
        };
      }>(
        `query { repository(owner: "acme", name: "deploy") { issues(labels: ["ferry:dashboard"], ${states} first: 10, orderBy: {field: CREATED_AT, direction: ASC}) { nodes { number state viewerDidAuthor author { __typename } } } } }`,
      );
    expect((await read("")).repository.issues.nodes).toEqual([
      { number: mine.number, state: "OPEN", viewerDidAuthor: true, author: { __typename: "Bot" } },
      { number: theirs.number, state: "OPEN", viewerDidAuthor: false, author: { __typename: "User" } },
      { number: closed.number, state: "CLOSED", viewerDidAuthor: true, author: { __typename: "Bot" } },
    ]);
    expect((await read("states: [CLOSED],")).repository.issues.nodes.map((i) => i.number)).toEqual([
      closed.number,
    ]);
  });

  it("lists an issue's reactions", async () => {
    server = await startServer();
    server.createRepo("acme/deploy", { files: { "README.md": "x\n" } });
    const app = await installationOctokit(server);
    const { data: issue } = await app.rest.issues.create({ ...repo, title: "T" });
    await app.rest.reactions.createForIssue({ ...repo, issue_number: issue.number, content: "-1" });
    const { data } = await as("carol").rest.reactions.listForIssue({ ...repo, issue_number: issue.number });
    expect(data.map((r) => [r.content, r.user?.login])).toEqual([["-1", "ferry[bot]"]]);
  });
});
