import { describe, expect, it } from "vitest";
import type { Marker } from "../../src/promotion/marker.js";
import { type PromotionText, promotionBody } from "../../src/promotion/pr-body.js";
import { render } from "../support/markdown.js";

const sha = "a".repeat(40);
const mergeSha = "b".repeat(40);
const repoUrl = "https://github.com/acme/deploy";
const marker: Marker = {
  app: "api",
  env: "production",
  tag: "1.5.0",
  from: "1.4.1",
  builtAt: "2026-01-01T10:00:00.000Z",
  source: "acme/api",
  sha,
};
const text = (over: Partial<PromotionText> = {}): PromotionText => ({
  app: "api",
  env: "production",
  marker,
  references: [{ file: "overlays/production/kustomization.yaml", line: 8, from: "1.4.1", to: "1.5.0" }],
  sourceUrl: "https://github.com/acme/api",
  repoUrl,
  ...over,
});
const verified = {
  env: "staging",
  kind: "reconcile" as const,
  sha: mergeSha,
  pr: 1,
  url: `${repoUrl}/runs/42`,
  healthyForMs: 10 * 60_000,
};

describe("the promotion PR body", () => {
  it("leads with the evidence: the tag ran healthy upstream, linking the check, the commit and the PR", () => {
    const body = promotionBody(text({ verified: [verified] }));
    expect(body.split("\n")[0]).toBe(
      `✅ **1.5.0 ran healthy in staging for 10m**: [Ferry / reconcile (staging)](${repoUrl}/runs/42) passed on [bbbbbbb](${repoUrl}/commit/${mergeSha}), deployed by [#1](${repoUrl}/pull/1).`,
    );
    expect(render(body).links).toBeGreaterThanOrEqual(3);
  });

  it("warns in a callout, first, when the tag was not verified upstream (ChatOps out of order)", () => {
    const body = promotionBody(
      text({ unverified: ["staging"], marker: { ...marker, requestedBy: "alice" }, requestedIn: 3 }),
    );
    const [first, second] = body.split("\n");
    expect(first).toBe("> [!WARNING]");
    expect(second).toBe(
      "> **Not verified:** 1.5.0 has not run healthy in staging. @alice asked for this promotion through ChatOps in #3, out of order; `Ferry / promotion` fails until staging verifies 1.5.0.",
    );
    expect(body).not.toContain("✅");
  });

  it("warns in a callout that a rollback is not a verified promotion, naming who asked and why", () => {
    const body = promotionBody(
      text({
        marker: { ...marker, tag: "1.4.1", from: "1.5.0", rollback: true, requestedBy: "alice" },
        requestedIn: 3,
        rollback: {
          reason: "1.5.0 leaks memory @acme/admins",
          ran: { env: "production", pr: 2, healthy: true },
        },
      }),
    );
    const lines = body.split("\n");
    expect(lines[0]).toBe("> [!WARNING]");
    expect(lines[1]).toBe(
      "> **Rollback, not a verified promotion:** the `ferry:rollback` label lets 1.4.1 replace the newer 1.5.0. @alice asked for it through ChatOps in #3.",
    );
    expect(lines[2]).toBe(">");
    expect(lines[3]).toMatch(/^> \*\*Reason:\*\* 1\.5\.0 leaks memory \u200b@\u200bacme\/admins$/);
    expect(lines[4]).toBe(">");
    expect(lines[5]).toBe("> 1.4.1 ran healthy in production before, deployed by #2.");
    expect(render(body).mentions).toEqual(["alice"]);
  });

  it("links the changes from the running tag, the build, and shows release notes collapsed and verbatim", () => {
    const body = promotionBody(
      text({
        previousSha: "c".repeat(40),
        build: { url: "https://github.com/acme/api/actions/runs/9", label: "workflow run #9" },
        releaseNotes: {
          url: "https://github.com/acme/api/releases/tag/1.5.0",
          body: "## New\n- faster, thanks @bob (#12)\n<img src=x>",
        },
      }),
    );
    expect(body).toContain(
      `Changes: [1.4.1 → 1.5.0](https://github.com/acme/api/compare/${"c".repeat(40)}...${sha}) · Build: [workflow run #9](https://github.com/acme/api/actions/runs/9)`,
    );
    expect(body).toContain("<details><summary>Release notes for 1.5.0</summary>");
    const out = render(body);
    expect(out.mentions).toEqual([]);
    expect(out.refs).toEqual([]);
    expect(out.images).toBe(0);
    expect(out.text).toContain("- faster, thanks @bob (#12)");
  });

  it("compares by tag names when the new tag is a release and no earlier commit is known", () => {
    const body = promotionBody(
      text({ releaseNotes: { url: "https://github.com/acme/api/releases/tag/1.5.0", body: "notes" } }),
    );
    expect(body).toContain("Changes: [1.4.1 → 1.5.0](https://github.com/acme/api/compare/1.4.1...1.5.0)");
  });

  it("cuts long release notes and says where the rest is", () => {
    const body = promotionBody(
      text({
        releaseNotes: { url: "https://github.com/acme/api/releases/tag/1.5.0", body: "x".repeat(50_000) },
      }),
    );
    expect(body.length).toBeLessThan(30_000);
    expect(body).toContain("[the full release notes](https://github.com/acme/api/releases/tag/1.5.0)");
  });
});
