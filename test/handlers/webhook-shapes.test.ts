import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { shapeProblems } from "../../src/handlers/webhook-shapes.js";

/** The events and actions Ferry registers handlers for (src/app.ts and the register* functions). */
const handled: Record<string, string[] | "any"> = {
  push: "any",
  pull_request: [
    "opened",
    "synchronize",
    "reopened",
    "ready_for_review",
    "labeled",
    "unlabeled",
    "closed",
    "edited",
  ],
  check_suite: ["completed", "rerequested"],
  check_run: ["rerequested"],
  issue_comment: ["created"],
  issues: "any",
  workflow_run: ["completed"],
  release: ["published"],
  repository_dispatch: "any",
  installation: "any",
  installation_repositories: "any",
};

const published = (examples as unknown as { name: string; examples: Record<string, unknown>[] }[]).flatMap(
  (group) => {
    const actions = handled[group.name];
    if (actions === undefined) return [];
    return group.examples
      .filter((e) => actions === "any" || actions.includes(String(e.action)))
      .map((e, i) => [`${group.name}.${String(e.action ?? "")} #${i}`, group.name, e] as const);
  },
);

describe("webhook shapes", () => {
  it("cover GitHub's published examples of every event Ferry handles", () => {
    expect(new Set(published.map(([, event]) => event))).toEqual(
      new Set(Object.keys(handled).filter((e) => e !== "registry_package")),
    );
  });

  it.each(published)("accept GitHub's published example %s", (_name, event, payload) => {
    expect(shapeProblems(event, payload)).toBeUndefined();
  });

  it("name the key path and what was expected, never the value", () => {
    const problems = shapeProblems("issue_comment", {
      comment: { id: 1, body: { secret: "hunter2" } },
      issue: { number: 1 },
      sender: { login: "x", type: "User" },
      repository: { name: "deploy", full_name: "acme/deploy", owner: { login: "acme" } },
    });
    expect(problems).toEqual([expect.stringMatching(/^comment\.body: .*expected string/)]);
    expect(JSON.stringify(problems)).not.toContain("hunter2");
  });
});
