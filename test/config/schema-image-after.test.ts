import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseFerryConfig } from "../../src/config/load.js";

const environments = [
  { name: "staging-eu", paths: ["eu/**"] },
  { name: "staging-us", paths: ["us/**"] },
  { name: "production", paths: ["prod/**"], after: "staging-eu" },
];
const text = (over: { environments?: object[]; apps?: object[] }) =>
  stringify({ environments, apps: [{ name: "api", image: "ghcr.io/acme/api" }], ...over });
const lineOf = (source: string, needle: string) =>
  source.split("\n").findIndex((l) => l.includes(needle)) + 1;

function errors(source: string) {
  const result = parseFerryConfig(source);
  if (result.ok) throw new Error("expected the config to be refused");
  return result.errors.map((e) => ({ line: e.line, message: e.message }));
}

describe("apps[].image", () => {
  it.each([
    ["ghcr.io/acme/api:1.4.1", 'has a tag ":1.4.1"', "write image: ghcr.io/acme/api"],
    [`ghcr.io/acme/api@sha256:${"a".repeat(64)}`, "has a digest", "write image: ghcr.io/acme/api"],
    [
      `ghcr.io/acme/api:1.4.1@sha256:${"a".repeat(64)}`,
      'has a tag ":1.4.1"',
      "write image: ghcr.io/acme/api",
    ],
    ["ghcr.io/Acme/API", "repository name must be lowercase", "write image: ghcr.io/acme/api"],
    ["GHCR.io/acme/api", "has upper case", "write image: ghcr.io/acme/api"],
    ["GHCR.IO/Acme/Api:1.0", "must be lowercase", "write image: ghcr.io/acme/api"],
    ["", "empty", "write the repository alone, e.g. image: ghcr.io/acme/api"],
    ["ghcr.io/acme/api:", "tag", "e.g. image: ghcr.io/acme/api"],
  ])("refuses %j at its line, saying what to write", (image, problem, fix) => {
    const source = text({ apps: [{ name: "api", image }] });
    const [error, ...more] = errors(source);
    expect(more).toEqual([]);
    expect(error?.line).toBe(lineOf(source, "image:"));
    expect(error?.message).toContain("apps.0.image");
    expect(error?.message).toContain(problem);
    expect(error?.message).toContain(fix);
  });

  it.each(["ghcr.io/acme/api", "nginx", "localhost:5000/team/api", "registry.example.com:443/a/b-c_d"])(
    "accepts the repository %j",
    (image) => {
      expect(parseFerryConfig(text({ apps: [{ name: "api", image }] })).ok).toBe(true);
    },
  );
});

describe("environments[].after", () => {
  it("takes one name or a list of them (fan-in)", () => {
    const result = parseFerryConfig(
      text({
        environments: [
          ...environments.slice(0, 2),
          { ...environments[2], after: ["staging-eu", "staging-us"] },
        ],
      }),
    );
    expect(result.ok && result.value.environments.map((e) => e.after)).toEqual([
      undefined,
      undefined,
      ["staging-eu", "staging-us"],
    ]);
  });

  it.each([
    [["staging-eu", "stagin-us"], 'environments.2.after.1: unknown environment "stagin-us"'],
    [["staging-eu", "production"], "environments.2.after.1: cannot come after itself"],
    [["staging-eu", "staging-eu"], 'environments.2.after.1: "staging-eu" is listed twice'],
    [[], "environments.2.after"],
    [[1], "environments.2.after"],
  ])("refuses after: %j", (after, message) => {
    const source = text({ environments: [...environments.slice(0, 2), { ...environments[2], after }] });
    expect(errors(source)[0]?.message).toContain(message);
  });

  it("refuses a cycle, which no tag could ever enter", () => {
    const source = text({
      environments: [
        { name: "a", paths: ["a/**"], after: "b" },
        { name: "b", paths: ["b/**"], after: ["c"] },
        { name: "c", paths: ["c/**"], after: ["a"] },
      ],
    });
    const found = errors(source);
    expect(found).toHaveLength(3);
    expect(found[0]?.message).toContain('environments.0.after: "b" itself comes after a: a cycle');
  });
});
