import { describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";
import type { EnvironmentConfig } from "../../src/config/schema.js";
import { decide, type PairState, type Target } from "../../src/promotion/decide.js";
import type { Marker } from "../../src/promotion/marker.js";

function environments(): Record<string, EnvironmentConfig> {
  const parsed = parseFerryConfig(`environments:
  - name: staging
    paths: [overlays/staging/**]
  - name: production
    paths: [overlays/production/**]
    after: staging
    tags: { semver: ">=1.0.0", prerelease: false }
    digest: required
apps:
  - name: api
    image: ghcr.io/acme/api
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return Object.fromEntries(parsed.value.environments.map((e) => [e.name, e]));
}

const env = environments();
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
const target = (tag: string, extra: Partial<Target> = {}): Target => ({ tag, builtAt: at(5), ...extra });
const marker = (tag: string, extra: Partial<Marker> = {}): Marker => ({
  app: "api",
  env: "staging",
  tag,
  builtAt: at(3),
  ...extra,
});
const open = (m: Marker | undefined, headIsFerry = true): PairState => ({
  openPr: { marker: m, headIsFerry },
});

describe("decide: what one build means for one environment's PR", () => {
  it.each<[string, EnvironmentConfig, Target, PairState, ReturnType<typeof decide>]>([
    [
      "no PR, nothing running: create",
      env.staging as EnvironmentConfig,
      target("1.5.0"),
      {},
      { action: "create" },
    ],
    [
      "no PR, an older tag running: create",
      env.staging as EnvironmentConfig,
      target("1.5.0"),
      { running: { tag: "1.4.1" } },
      { action: "create" },
    ],
    [
      "no PR, a newer tag running: skip quietly",
      env.staging as EnvironmentConfig,
      target("1.4.0"),
      { running: { tag: "1.4.1" } },
      { action: "skip", reason: "staging runs 1.4.1, which is newer than 1.4.0", comment: false },
    ],
    [
      "the open PR already promotes the tag: skip quietly (a redelivery)",
      env.staging as EnvironmentConfig,
      target("1.5.0"),
      open(marker("1.5.0")),
      { action: "skip", reason: "the open PR already promotes 1.5.0", comment: false, already: true },
    ],
    [
      "the open PR promotes an older tag: update it",
      env.staging as EnvironmentConfig,
      target("1.6.0"),
      open(marker("1.5.0")),
      { action: "update" },
    ],
    [
      "the open PR promotes a newer tag: skip quietly",
      env.staging as EnvironmentConfig,
      target("1.5.0"),
      open(marker("1.6.0")),
      { action: "skip", reason: "the open PR promotes 1.6.0, which is not older than 1.5.0", comment: false },
    ],
    [
      "the same tag rebuilt with another digest does not replace the open PR",
      env.staging as EnvironmentConfig,
      target("1.5.0", { digest: `sha256:${"b".repeat(64)}` }),
      open(marker("1.5.0", { digest: `sha256:${"a".repeat(64)}` })),
      { action: "skip", reason: "the open PR promotes 1.5.0, which is not older than 1.5.0", comment: false },
    ],
    [
      "someone else pushed to the Ferry branch: skip and say so",
      env.staging as EnvironmentConfig,
      target("1.6.0"),
      open(marker("1.5.0"), false),
      {
        action: "skip",
        reason: "someone else pushed to the Ferry branch, so Ferry leaves this PR to them",
        comment: true,
      },
    ],
    [
      "the open PR lost its marker: skip and say so",
      env.staging as EnvironmentConfig,
      target("1.6.0"),
      open(undefined),
      {
        action: "skip",
        reason: "someone else pushed to the Ferry branch, so Ferry leaves this PR to them",
        comment: true,
      },
    ],
    [
      "a prerelease where the rules forbid it: skip, telling the open PR",
      env.production as EnvironmentConfig,
      target("1.6.0-rc.1", { digest: `sha256:${"a".repeat(64)}` }),
      open(marker("1.5.0", { env: "production" })),
      { action: "skip", reason: expect.stringContaining("prerelease"), comment: true },
    ],
    [
      "a digest is required and the build named none: skip",
      env.production as EnvironmentConfig,
      target("1.6.0"),
      {},
      {
        action: "skip",
        reason: "production requires a digest, and the build of 1.6.0 did not say one",
        comment: false,
      },
    ],
    [
      "a rollback may go back to an older tag",
      env.staging as EnvironmentConfig,
      target("1.4.0", { rollback: true }),
      { running: { tag: "1.4.1" } },
      { action: "create" },
    ],
    [
      "a rollback replaces an open forward PR",
      env.staging as EnvironmentConfig,
      target("1.4.0", { rollback: true }),
      open(marker("1.5.0")),
      { action: "update" },
    ],
  ])("%s", (_name, environment, t, state, expected) => {
    expect(decide(environment, t, state)).toEqual(expected);
  });

  it("orders tags that are not semver by build time", () => {
    const older = target("sha-aaaaaaa", { builtAt: at(1) });
    const newer = target("sha-bbbbbbb", { builtAt: at(9) });
    const staging = env.staging as EnvironmentConfig;
    expect(decide(staging, newer, open(marker("sha-aaaaaaa", { builtAt: at(1) })))).toEqual({
      action: "update",
    });
    expect(decide(staging, older, open(marker("sha-bbbbbbb", { builtAt: at(9) })))).toMatchObject({
      action: "skip",
      comment: false,
    });
    expect(decide(staging, older, { running: { tag: "sha-bbbbbbb", builtAt: at(9) } })).toMatchObject({
      action: "skip",
      reason: "staging runs sha-bbbbbbb, which is newer than sha-aaaaaaa",
    });
  });

  it("is idempotent: the state after a create decides skip", () => {
    const staging = env.staging as EnvironmentConfig;
    const t = target("1.5.0");
    expect(decide(staging, t, {})).toEqual({ action: "create" });
    expect(decide(staging, t, open(marker("1.5.0", { builtAt: t.builtAt })))).toMatchObject({
      action: "skip",
    });
  });
});
