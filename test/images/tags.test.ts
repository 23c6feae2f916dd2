import { describe, expect, it } from "vitest";
import { checkTagRules, compareTags, isNewer, newestTag, semverOf } from "../../src/images/tags.js";

describe("semverOf", () => {
  it.each([
    ["1.4.2", "1.4.2"],
    ["v1.4.2", "1.4.2"],
    ["V2.0.0-rc.1", "2.0.0-rc.1"],
    ["1.4", undefined],
    ["latest", undefined],
    ["sha-abc1234", undefined],
    ["v", undefined],
  ])("%s → %s", (tag, version) => {
    expect(semverOf(tag)?.version).toBe(version);
  });
});

describe("compareTags and isNewer", () => {
  it.each([
    ["1.4.2", "1.4.1", true],
    ["v1.10.0", "1.9.9", true],
    ["1.4.2", "v1.4.3", false],
    ["1.5.0", "1.5.0-rc.2", true],
    ["1.5.0-rc.10", "1.5.0-rc.2", true],
    ["1.5.0-alpha", "1.5.0-beta", false],
  ])("%s newer than %s: %s", (a, b, newer) => {
    expect(isNewer(a, b)).toBe(newer);
  });

  it("cannot order non-semver tags without build times", () => {
    expect(compareTags("sha-aaa", "sha-bbb")).toBeUndefined();
    // Dotted but not semver: 1.9 is not older than 1.10 by anything Ferry can prove.
    expect(compareTags("1.9", "1.10")).toBeUndefined();
    expect(compareTags("1.9", "1.10", (t) => (t === "1.9" ? 1 : 2))).toBe(-1);
    expect(isNewer("sha-aaa", "1.0.0")).toBeUndefined();
  });

  it("orders non-semver tags by the caller's build time", () => {
    const built: Record<string, Date> = {
      "sha-aaa": new Date("2026-01-02T00:00:00Z"),
      "sha-bbb": new Date("2026-01-01T00:00:00Z"),
    };
    const builtAt = (tag: string) => built[tag];
    expect(isNewer("sha-aaa", "sha-bbb", builtAt)).toBe(true);
    expect(isNewer("sha-bbb", "sha-aaa", builtAt)).toBe(false);
    expect(newestTag(["sha-bbb", "sha-aaa"], builtAt)).toBe("sha-aaa");
    expect(newestTag(["1.0.0", "1.2.0", "v1.1.0"])).toBe("1.2.0");
  });

  it("treats 1.4.2 and v1.4.2 as the same version", () => {
    expect(compareTags("1.4.2", "v1.4.2")).toBe(0);
  });
});

describe("checkTagRules", () => {
  const production = { semver: ">=1.0.0", prerelease: false };
  it.each([
    ["1.4.2", production, undefined],
    ["v1.4.2", production, undefined],
    ["0.9.0", production, "outside this environment's range >=1.0.0"],
    ["1.5.0-rc.1", production, "is a prerelease"],
    ["sha-abc1234", production, "is not a semver version"],
    ["1.5.0-rc.1", { semver: ">=1.0.0", prerelease: true }, undefined],
    ["sha-abc1234", { prerelease: true, pattern: "sha-[0-9a-f]{7}" }, undefined],
    [
      "sha-abc1234x",
      { prerelease: true, pattern: "sha-[0-9a-f]{7}" },
      "does not match the environment's pattern",
    ],
    ["1.0.0", { prerelease: true, semver: "not a range" }, "not a valid range"],
    ["1.0.0", { prerelease: true, pattern: "(" }, "not a valid regular expression"],
    ["latest", { prerelease: true }, undefined],
  ])("%s with %j", (tag, rules, reason) => {
    const result = checkTagRules(tag, rules);
    if (reason === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(reason);
  });
});
