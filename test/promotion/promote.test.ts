import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";
import type { FerryConfig } from "../../src/config/schema.js";
import { GitHubPromotionStore } from "../../src/github/promotion-store.js";
import type { Octokit } from "../../src/github/repo-client.js";
import { parseMarker } from "../../src/promotion/marker.js";
import { type PromoteRequest, promote } from "../../src/promotion/promote.js";
import { type GitHubServer, generateAppKeyPair, startGitHubServer } from "../support/github/index.js";

/**
 * `promote` on its own, against GitHub's API (the test server) through the real store: what each
 * situation of the pair does to the branch and the PR, and what the outcome says.
 */
const keys = generateAppKeyPair();
const repo = { owner: "acme", repo: "deploy" };
const kustomization = (tag: string) =>
  `resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/api\n    newTag: "${tag}"\n`;

function config(): FerryConfig {
  const parsed = parseFerryConfig(`environments:
  - name: staging
    paths: [overlays/staging/**]
apps:
  - name: api
    image: ghcr.io/acme/api
  - name: web
    image: ghcr.io/acme/web
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

let github: GitHubServer;
let octokit: Octokit;
beforeEach(async () => {
  github = await startGitHubServer({ appId: 1, privateKey: keys.privateKey });
  github.createRepo("acme/deploy", {
    files: { "overlays/staging/kustomization.yaml": kustomization("1.4.1") },
  });
  const Plain = ProbotOctokit.defaults((o: object) => ({
    ...o,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  octokit = new Plain({ auth: { token: github.appToken() }, baseUrl: github.apiUrl }) as unknown as Octokit;
});
afterEach(() => github.close());

function request(tag: string, app = "api"): PromoteRequest {
  const cfg = config();
  return {
    repo,
    config: cfg,
    app: cfg.apps.find((a) => a.name === app) as PromoteRequest["app"],
    env: cfg.environments[0] as PromoteRequest["env"],
    target: { tag, builtAt: "2026-01-01T10:00:00Z" },
  };
}
const run = (tag: string, app?: string, attempts?: number) =>
  promote(new GitHubPromotionStore(octokit), request(tag, app), attempts);
const pulls = () => github.pulls("acme/deploy").filter((p) => p.state === "open");
const branchTag = () =>
  /newTag: "([^"]+)"/.exec(
    github.readFile("acme/deploy", "ferry/staging/api", "overlays/staging/kustomization.yaml") ?? "",
  )?.[1];

describe("promote", () => {
  it("creates the branch, one verified commit and the labelled PR, with its marker", async () => {
    const outcome = await run("1.5.0");
    expect(outcome).toMatchObject({ status: "created", files: 1, autoMerge: false, pr: { number: 1 } });
    const [pr] = pulls();
    expect(pr).toMatchObject({ head: { ref: "ferry/staging/api" }, title: "Promote api 1.5.0 to staging" });
    expect([...(pr?.labels ?? [])].sort()).toEqual(["env:staging", "ferry"]);
    expect(parseMarker(pr?.body ?? null)).toMatchObject({
      app: "api",
      env: "staging",
      tag: "1.5.0",
      from: "1.4.1",
    });
    expect(branchTag()).toBe("1.5.0");
  });

  it("updates the open PR in place for a newer tag, and skips the same or an older one", async () => {
    await run("1.5.0");
    expect(await run("1.5.0")).toMatchObject({
      status: "skipped",
      reason: "the open PR already promotes 1.5.0",
    });
    expect(await run("1.6.0")).toMatchObject({ status: "updated", pr: { number: 1 } });
    expect(branchTag()).toBe("1.6.0");
    expect(await run("1.5.5")).toMatchObject({
      status: "skipped",
      reason: "the open PR promotes 1.6.0, which is not older than 1.5.5",
    });
    expect(pulls()).toHaveLength(1);
    expect(branchTag()).toBe("1.6.0");
  });

  it("says the environment already runs the tag, and fails, saying why, where the app has no reference", async () => {
    expect(await run("1.4.1")).toMatchObject({ status: "current", reason: "staging already runs 1.4.1" });
    const missing = await run("2.0.0", "web");
    expect(missing).toMatchObject({
      status: "failed",
      findings: [
        expect.objectContaining({
          rule: "image-not-found",
          message: expect.stringContaining("no reference to ghcr.io/acme/web under staging's paths"),
        }),
      ],
    });
    expect(pulls()).toEqual([]);
  });

  it("re-reads and retries a conflict, and says so when GitHub keeps refusing", async () => {
    github.failNext({ graphql: "createCommitOnBranch", fieldError: { type: "STALE_DATA" } });
    expect(await run("1.5.0")).toMatchObject({ status: "created" });
    expect(github.requests.filter((r) => r.graphqlOperation === "FerryPair")).toHaveLength(2);
    github.failNext({ graphql: "FerryStagePromotion", status: 502, times: 3 });
    const gaveUp = await run("1.6.0", undefined, 3);
    expect(gaveUp).toMatchObject({ status: "failed", pr: { number: 1 } });
    expect(gaveUp.status === "failed" && gaveUp.reason).toMatch(
      /^GitHub kept refusing the change after 3 attempts: /,
    );
    expect(branchTag()).toBe("1.5.0");
  });

  it("does not retry what is no conflict: a refused permission surfaces", async () => {
    github.failNext({
      graphql: "FerryOpenPromotion",
      status: 403,
      body: { message: "Resource not accessible by integration" },
    });
    await expect(run("1.5.0")).rejects.toMatchObject({ status: 403 });
    expect(github.requests.filter((r) => r.graphqlOperation === "FerryPair")).toHaveLength(1);
  });
});
