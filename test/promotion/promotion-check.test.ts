import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseFerryConfig } from "../../src/config/load.js";
import type { ImageChange } from "../../src/promotion/image-changes.js";
import type { Marker } from "../../src/promotion/marker.js";
import { type Evidence, type PromotionFacts, promotionCheck } from "../../src/promotion/promotion-check.js";

const parsed = parseFerryConfig(
  stringify({
    environments: [
      { name: "staging-eu", paths: ["eu/**"] },
      { name: "staging-us", paths: ["us/**"] },
      { name: "production", paths: ["prod/**"], after: ["staging-eu", "staging-us"] },
    ],
    apps: [{ name: "api", image: "ghcr.io/acme/api" }],
  }),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const config = parsed.value;
const app = config.apps[0] as (typeof config.apps)[number];
const env = (name: string) => config.environments.find((e) => e.name === name) as ImageChange["env"];

function change(envName: string, from: string, to: string): ImageChange {
  return {
    env: env(envName),
    app,
    from: [from],
    to: [{ tag: to }],
    sites: [{ file: "eu/values.yaml", line: 3 }],
  };
}
const minute = (m: number) => Date.UTC(2026, 0, 1, 10, m);

function facts(over: Partial<PromotionFacts> & { changes: ImageChange[] }): PromotionFacts {
  return { evidence: () => undefined, builtAt: () => undefined, ...over };
}

describe("Ferry / promotion: order", () => {
  it("is neutral, not in order, when neither semver nor build times order the tags", () => {
    const out = promotionCheck(facts({ changes: [change("staging-eu", "1.10", "1.9")] }));
    expect(out.conclusion).toBe("neutral");
    expect(out.title).toBe("Order unknown: check by hand that this is no downgrade");
    expect(out.summary).toContain(
      "| staging-eu | api | `1.10` | `1.9` | ⚠️ order unknown: `1.10` and `1.9` are not both semver versions and Ferry knows no build time for `1.10` or `1.9`; check by hand that this is not a downgrade |",
    );
    expect(out.annotations).toEqual([
      expect.objectContaining({ path: "eu/values.yaml", start_line: 3, annotation_level: "warning" }),
    ]);
  });

  it.each([
    ["older build: a downgrade", { "1.9": minute(1), "1.10": minute(2) }, "failure", "downgrade from 1.10"],
    ["newer build: in order", { "1.9": minute(3), "1.10": minute(2) }, "success", "in order"],
    ["one build time missing: still unknown", { "1.10": minute(2) }, "neutral", "no build time for `1.9`"],
  ])("lets build times decide (%s)", (_name, times: Record<string, number>, conclusion, note) => {
    const out = promotionCheck(
      facts({ changes: [change("staging-eu", "1.10", "1.9")], builtAt: (t) => times[t] }),
    );
    expect(out.conclusion).toBe(conclusion);
    expect(out.summary).toContain(note);
  });

  it("orders a Ferry PR's own target by the build time in its marker", () => {
    const marker: Marker = {
      app: "api",
      env: "staging-eu",
      tag: "sha-bbbbbbb",
      builtAt: new Date(minute(5)).toISOString(),
    };
    const out = promotionCheck(
      facts({
        changes: [change("staging-eu", "sha-aaaaaaa", "sha-bbbbbbb")],
        builtAt: (t) => (t === "sha-aaaaaaa" ? minute(4) : undefined),
        ferry: { marker, unexpected: [] },
      }),
    );
    expect(out.conclusion).toBe("success");
    expect(out.title).toBe("1 promotion in order");
  });

  it("keeps semver order for semver tags, and a failure outranks an unknown order", () => {
    expect(promotionCheck(facts({ changes: [change("staging-eu", "1.10.0", "1.9.0")] })).conclusion).toBe(
      "failure",
    );
    const out = promotionCheck(
      facts({ changes: [change("staging-eu", "1.10", "1.9"), change("staging-us", "1.10.0", "1.9.0")] }),
    );
    expect(out.conclusion).toBe("failure");
    expect(out.title).toBe("1 problem: downgrade");
  });
});

describe("Ferry / promotion: fan-in", () => {
  const verified =
    (...envs: string[]) =>
    (e: string, _app: string, tag: string): Evidence | undefined =>
      envs.includes(e) && tag === "1.5.0"
        ? { kind: "reconcile", sha: `${e.length}`.repeat(40), pr: 7 }
        : undefined;

  it.each([
    [[], "failure", "1.5.0 was not verified healthy in staging-eu and staging-us first"],
    [["staging-eu"], "failure", "1.5.0 was not verified healthy in staging-us first"],
    [["staging-eu", "staging-us"], "success", "verified healthy in staging-us"],
  ])("with evidence from %j: %s", (envs, conclusion, note) => {
    const out = promotionCheck(
      facts({ changes: [change("production", "1.4.1", "1.5.0")], evidence: verified(...envs) }),
    );
    expect(out.conclusion).toBe(conclusion);
    expect(out.summary).toContain(note);
    for (const e of envs)
      expect(out.summary).toContain(`verified healthy in ${e}: Ferry / reconcile (${e}) passed on`);
  });

  it("names evidence found on the commit itself without a PR number", () => {
    const out = promotionCheck(
      facts({
        changes: [change("production", "1.4.1", "1.5.0")],
        evidence: (e) => ({ kind: "reconcile", sha: e === "staging-eu" ? "a".repeat(40) : "b".repeat(40) }),
      }),
    );
    expect(out.summary).toContain(
      "verified healthy in staging-eu: Ferry / reconcile (staging-eu) passed on aaaaaaa",
    );
  });
});

describe("Ferry / promotion: what the reviewer reads", () => {
  const downgrade = () => change("staging-eu", "1.10.0", "1.9.0");

  it("counts problems in words that agree, and names them", () => {
    const one = promotionCheck(facts({ changes: [downgrade()] }));
    expect(one.title).toBe("1 problem: downgrade");
    const two = promotionCheck(facts({ changes: [downgrade(), change("production", "1.4.1", "1.5.0")] }));
    expect(two.title).toBe("2 problems: downgrade, not verified in staging-eu and staging-us");
  });

  it("titles each annotation with its reason and writes its message as plain text", () => {
    const out = promotionCheck(facts({ changes: [downgrade()] }));
    expect(out.annotations).toHaveLength(1);
    const [annotation] = out.annotations;
    expect(annotation?.title).toBe("Downgrade");
    expect(annotation?.title).not.toContain("Ferry / promotion");
    expect(annotation?.message).toBe("downgrade from 1.10.0: add the ferry:rollback label to roll back");
    expect(annotation?.message).not.toContain("`");
  });

  it("calls a rollback a rollback, and credits the person who asked for it through ChatOps", () => {
    const out = promotionCheck(
      facts({
        changes: [downgrade()],
        evidence: (e, _a, tag) =>
          e === "staging-eu" && tag === "1.9.0" ? { kind: "merged", pr: 3, sha: "c".repeat(40) } : undefined,
        rollback: { by: "ferry[bot]", requestedBy: "alice" },
      }),
    );
    expect(out.conclusion).toBe("success");
    expect(out.title).toBe("Rollback to 1.9.0 allowed by the ferry:rollback label (asked by @alice)");
    expect(out.title).not.toContain("in order");
    expect(out.summary).toContain(
      "**Override:** the `ferry:rollback` label, applied by Ferry for @alice through ChatOps.",
    );
  });

  it("credits the person who applied the label by hand", () => {
    const out = promotionCheck(
      facts({
        changes: [downgrade()],
        evidence: () => ({ kind: "merged", pr: 3, sha: "c".repeat(40) }),
        rollback: { by: "bob" },
      }),
    );
    expect(out.title).toBe("Rollback to 1.9.0 allowed by the ferry:rollback label (applied by @bob)");
    expect(out.summary).toContain("**Override:** the `ferry:rollback` label, applied by @bob.");
  });

  it("links the evidence: the reconcile check, the commit and the PR that brought the tag", () => {
    const sha = "a".repeat(40);
    const out = promotionCheck(
      facts({
        changes: [change("production", "1.4.1", "1.5.0")],
        evidence: () => ({ kind: "reconcile", sha, pr: 7, url: "https://github.com/acme/deploy/runs/42" }),
        repoUrl: "https://github.com/acme/deploy",
      }),
    );
    expect(out.summary).toContain(
      `verified healthy in staging-eu: [Ferry / reconcile (staging-eu)](https://github.com/acme/deploy/runs/42) passed on [aaaaaaa](https://github.com/acme/deploy/commit/${sha}), deployed by [#7](https://github.com/acme/deploy/pull/7)`,
    );
    expect(out.title).toBe("api 1.5.0 verified healthy in staging-eu and staging-us");
  });
});
