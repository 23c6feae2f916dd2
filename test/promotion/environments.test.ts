import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseFerryConfig } from "../../src/config/load.js";
import type { FerryConfig } from "../../src/config/schema.js";
import {
  environmentMatcher,
  firstEnvironments,
  nextEnvironments,
  upstreamEnvironments,
} from "../../src/promotion/environments.js";

function fanIn(apps: object[]): FerryConfig {
  const parsed = parseFerryConfig(
    stringify({
      environments: [
        { name: "staging-eu", paths: ["eu/**"] },
        { name: "staging-us", paths: ["us/**"] },
        { name: "production", paths: ["prod/**"], after: ["staging-eu", "staging-us"] },
        { name: "dr", paths: ["dr/**"], after: "production" },
      ],
      apps,
    }),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}
const names = (envs: { name: string }[]) => envs.map((e) => e.name);

describe("environment order with fan-in", () => {
  const config = fanIn([
    { name: "api", image: "ghcr.io/acme/api" },
    { name: "eu-only", image: "ghcr.io/acme/eu", environments: ["staging-eu", "production"] },
  ]);
  const [api, euOnly] = config.apps;
  const env = (name: string) => config.environments.find((e) => e.name === name);
  if (!api || !euOnly) throw new Error("bad config");

  it("reads `after` as a list, a single name included", () => {
    expect(env("production")?.after).toEqual(["staging-eu", "staging-us"]);
    expect(env("dr")?.after).toEqual(["production"]);
    expect(env("staging-eu")?.after).toBeUndefined();
  });

  it("needs every upstream the app goes through, and only those", () => {
    const production = env("production");
    if (!production) throw new Error("no production");
    expect(upstreamEnvironments(production, api)).toEqual(["staging-eu", "staging-us"]);
    expect(upstreamEnvironments(production, euOnly)).toEqual(["staging-eu"]);
  });

  it("lands builds in every first environment and chains from each upstream", () => {
    expect(names(firstEnvironments(config, api))).toEqual(["staging-eu", "staging-us"]);
    expect(names(nextEnvironments(config, api, "staging-eu"))).toEqual(["production"]);
    expect(names(nextEnvironments(config, api, "staging-us"))).toEqual(["production"]);
    expect(names(nextEnvironments(config, api, "production"))).toEqual(["dr"]);
    expect(names(firstEnvironments(config, euOnly))).toEqual(["staging-eu"]);
    expect(names(nextEnvironments(config, euOnly, "staging-us"))).toEqual([]);
  });
});

describe("environmentMatcher", () => {
  it("never counts files under .github/ as an environment's, even for **", () => {
    const everything = environmentMatcher(["**"]);
    expect(everything(".github/ferry.yml")).toBe(false);
    expect(everything(".github/workflows/build.yml")).toBe(false);
    expect(environmentMatcher([".github/**"])(".github/ferry.yml")).toBe(false);
    expect(everything("values.yaml")).toBe(true);
    expect(everything(".hidden/values.yaml")).toBe(true);
    expect(everything("charts/.github/values.yaml")).toBe(true);
  });
});
