import { describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";
import type { FerryConfig } from "../../src/config/schema.js";
import { imageChanges } from "../../src/promotion/image-changes.js";
import { type Evidence, type PromotionFacts, promotionCheck } from "../../src/promotion/promotion-check.js";

function config(): FerryConfig {
  const parsed = parseFerryConfig(`environments:
  - name: staging
    paths: [overlays/staging/**]
  - name: production
    paths: [overlays/production/**]
    after: staging
    tags: { semver: ">=1.0.0", prerelease: false }
apps:
  - name: api
    image: ghcr.io/acme/api
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const kustomization = (tag: string, extra = "") =>
  `resources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/api\n    newTag: "${tag}"\n${extra}`;
const files = (staging: string, production: string) => [
  { path: "overlays/staging/kustomization.yaml", text: kustomization(staging) },
  { path: "overlays/production/kustomization.yaml", text: kustomization(production) },
];
const base = files("1.5.0", "1.4.0");
const healthyInStaging: Evidence = { kind: "reconcile", pr: 7, sha: "a".repeat(40) };

/** The check for a PR that turns `base` into `head`, with the evidence each (env, app, tag) has. */
function check(head: ReturnType<typeof files>, facts: Partial<PromotionFacts> = {}, from = base) {
  return promotionCheck({
    changes: imageChanges(config(), from, head),
    evidence: () => undefined,
    builtAt: () => undefined,
    ...facts,
  });
}

describe("Ferry / promotion: verdicts", () => {
  it("passes a production bump that ran healthy in staging, naming the evidence", () => {
    const out = check(files("1.5.0", "1.5.0"), {
      evidence: (env, app, tag) =>
        env === "staging" && app === "api" && tag === "1.5.0" ? healthyInStaging : undefined,
    });
    expect(out).toMatchObject({
      conclusion: "success",
      title: "api 1.5.0 verified healthy in staging",
      annotations: [],
    });
    expect(out.summary).toContain(
      "| production | api | `1.4.0` | `1.5.0` | ✅ verified healthy in staging: Ferry / reconcile (staging) passed on aaaaaaa, deployed by #7 |",
    );
  });

  it("counts a merged Ferry PR as evidence where no cluster reports, and says so", () => {
    const out = check(files("1.5.0", "1.5.0"), {
      evidence: () => ({ kind: "merged", pr: 9, sha: "b".repeat(40) }),
    });
    expect(out.conclusion).toBe("success");
    expect(out.summary).toContain(
      "merged in staging by #9 (no cluster reports for staging: a merged Ferry PR counts)",
    );
  });

  it("fails a production bump without evidence, annotating the changed line", () => {
    const out = check(files("1.5.0", "1.5.0"));
    expect(out).toMatchObject({ conclusion: "failure", title: "1 problem: not verified in staging" });
    expect(out.annotations).toEqual([
      expect.objectContaining({
        path: "overlays/production/kustomization.yaml",
        start_line: 5,
        end_line: 5,
        annotation_level: "failure",
        message: "1.5.0 was not verified healthy in staging first",
      }),
    ]);
  });

  it("fails a tag the environment's rules refuse", () => {
    const out = check(files("1.5.0", "1.6.0-rc.1"), { evidence: () => healthyInStaging });
    expect(out.conclusion).toBe("failure");
    expect(out.summary).toMatch(/\| production \| api \| `1.4.0` \| `1.6.0-rc.1` \| ❌ .*prerelease/);
  });

  it("fails a downgrade unless the rollback label is on, and then needs the tag to have run there", () => {
    const down = files("1.4.1", "1.4.0");
    expect(check(down).summary).toContain(
      "downgrade from 1.5.0: add the `ferry:rollback` label to roll back",
    );
    const refused = check(down, { rollback: { by: "alice" } });
    expect(refused.conclusion).toBe("failure");
    expect(refused.summary).toContain("rollback target 1.4.1 never ran healthy in staging");
    const allowed = check(down, { rollback: { by: "alice" }, evidence: () => healthyInStaging });
    expect(allowed.conclusion).toBe("success");
    expect(allowed.summary).toContain("rollback to a tag that verified healthy in staging");
    expect(allowed.summary).toContain("**Override:** the `ferry:rollback` label, applied by @alice.");
  });

  it("fails references of one app that disagree within an environment", () => {
    const head = [
      { path: "overlays/staging/kustomization.yaml", text: kustomization("1.6.0") },
      { path: "overlays/staging/other.yaml", text: "image: ghcr.io/acme/api:1.7.0\n" },
      base[1] as { path: string; text: string },
    ];
    const out = check(head, {}, [
      ...base,
      { path: "overlays/staging/other.yaml", text: "image: ghcr.io/acme/api:1.5.0\n" },
    ]);
    expect(out.conclusion).toBe("failure");
    expect(out.summary).toContain(
      "| staging | api | `1.5.0` | `1.6.0, 1.7.0` | ❌ the changed references disagree; promote one tag at a time |",
    );
  });

  it("fails a Ferry PR that changes more than image references, or lost its marker", () => {
    const head = files("1.6.0", "1.4.0");
    const tampered = check(head, {
      ferry: {
        marker: { app: "api", env: "staging", tag: "1.6.0", builtAt: "2026-01-01T00:00:00Z" },
        unexpected: ["overlays/staging/kustomization.yaml"],
      },
    });
    expect(tampered.conclusion).toBe("failure");
    expect(tampered.summary).toContain(
      "❌ A Ferry PR may change image references only, but this one also changes: `overlays/staging/kustomization.yaml`.",
    );
    const lost = check(head, { ferry: { unexpected: [] } });
    expect(lost.conclusion).toBe("failure");
    expect(lost.summary).toContain("This Ferry branch's PR has lost its marker");
  });

  it("passes a PR that changes no image of an app in ferry.yml", () => {
    const out = check(base);
    expect(out).toMatchObject({ conclusion: "success", title: "No promotion in this PR" });
    expect(out.summary).toBe("This PR changes no image reference of an app in ferry.yml.");
  });
});
