import { describe, expect, it } from "vitest";
import { isGraphqlQuery } from "../../src/github/paced-writes.js";
import { routeOf } from "../../src/github/request-observer.js";

describe("which requests skip the write interval", () => {
  const graphql = (query: string, url = "/graphql") => ({ method: "POST", url, query });
  it.each([
    ["a named query", graphql("query FerryPair($o: String!) { repository(owner: $o) { id } }"), true],
    ["an anonymous query", graphql("{ viewer { login } }"), true],
    [
      "a query on GitHub Enterprise Server",
      graphql("query Q { viewer { login } }", "http://ghe/api/graphql"),
      true,
    ],
    [
      "a query whose strings and comments say mutation",
      graphql('# mutation\nquery Q { a(x: "mutation") }'),
      true,
    ],
    ["a mutation", graphql("mutation FerryOpen { createRef(input: {}) { ref { id } } }"), false],
    ["a document with a query and a mutation", graphql("query A { a } mutation B { b }"), false],
    ["a REST write", { method: "POST", url: "/repos/{owner}/{repo}/check-runs" }, false],
    ["a GraphQL request without a document", { method: "POST", url: "/graphql" }, false],
  ])("%s: %s", (_name, options, read) => {
    expect(isGraphqlQuery(options)).toBe(read);
  });
});

describe("request routes for metrics name no repository", () => {
  it.each([
    [
      { method: "GET", url: "/repos/{owner}/{repo}/pulls/{pull_number}/files" },
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
    ],
    [{ method: "POST", url: "/graphql", query: "query FerryPair { a }" }, "POST /graphql FerryPair"],
    [{ method: "POST", url: "/graphql", query: "{ a }" }, "POST /graphql"],
    [
      { method: "GET", url: "https://ghe.example/api/v3/repositories/42/pulls?page=2" },
      "GET /repositories/{n}/pulls",
    ],
    [
      { method: "GET", url: "http://ghe/api/v3/repos/acme/deploy/commits/0123abc/check-runs?per_page=100" },
      "GET /repos/{owner}/{repo}/commits/{value}/check-runs",
    ],
    [
      { method: "GET", url: "/repos/acme/deploy/issues/17/events" },
      "GET /repos/{owner}/{repo}/issues/{n}/events",
    ],
  ])("%o → %s", (options, route) => {
    expect(routeOf(options)).toBe(route);
  });
});
