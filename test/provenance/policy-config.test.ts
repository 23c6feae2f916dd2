import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";
import { resolvePolicy } from "../../src/provenance/resolve-policy.js";
import { TrustedRootFile } from "../../src/provenance/root-source.js";
import { githubInstance, type TestInstance, trustedRootLines } from "../support/provenance.js";

const yml = (app: string, staging = "") => `environments:
  - name: staging
    paths: [overlays/staging/**]
${staging}  - name: production
    paths: [overlays/production/**]
apps:
  - name: api
    image: ghcr.io/acme/api
${app}`;

function policies(text: string) {
  const parsed = parseFerryConfig(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const [app] = parsed.value.apps;
  if (!app) throw new Error("no app");
  return Object.fromEntries(parsed.value.environments.map((env) => [env.name, resolvePolicy(app, env)]));
}

describe("provenance in ferry.yml", () => {
  it("is off unless configured, so existing configs keep working", () => {
    expect(policies(yml("    source: acme/api\n")).staging?.mode).toBe("off");
  });

  it("defaults to the source repo's workflows, the trigger branch, GitHub-hosted runners and GitHub's issuer", () => {
    const { staging } = policies(
      yml("    source: acme/api\n    trigger: { branch: trunk }\n    provenance: required\n"),
    );
    expect(staging).toEqual({
      mode: "required",
      repository: "acme/api",
      repositoryId: undefined,
      workflows: ["acme/api/.github/workflows/**"],
      refs: ["refs/heads/trunk"],
      triggers: ["push", "workflow_dispatch", "release"],
      githubHostedRunners: true,
      issuer: "https://token.actions.githubusercontent.com",
      requireReachable: false,
      branch: "trunk",
    });
  });

  it("takes an environment's settings over the app's", () => {
    const text = yml(
      "    source: acme/api\n    sourceId: 7\n    provenance: { mode: optional, refs: [refs/tags/v*] }\n",
      "    provenance: { mode: required, githubHostedRunners: false }\n",
    );
    const { staging, production } = policies(text);
    expect(staging).toMatchObject({
      mode: "required",
      refs: ["refs/tags/v*"],
      githubHostedRunners: false,
      repositoryId: 7,
    });
    expect(production).toMatchObject({ mode: "optional", githubHostedRunners: true });
  });

  it("turns on requireReachable per environment, and refuses a non-boolean", () => {
    const text = yml(
      "    source: acme/api\n    provenance: required\n",
      "    provenance: { requireReachable: true }\n",
    );
    const { staging, production } = policies(text);
    expect(staging).toMatchObject({ mode: "required", requireReachable: true, branch: "main" });
    expect(production?.requireReachable).toBe(false);
    const bad = parseFerryConfig(
      yml("    source: acme/api\n    provenance: { mode: required, requireReachable: yes please }\n"),
    );
    expect(bad.ok ? [] : bad.errors.map((e) => e.message)).toEqual([expect.stringContaining("expected")]);
  });

  it("says what to write for a bad value, and that a checked mode needs source", () => {
    const bad = parseFerryConfig(yml("    source: acme/api\n    provenance: mandatory\n"));
    expect(bad.ok ? [] : bad.errors.map((e) => e.message)).toEqual([
      expect.stringContaining("expected required, optional or off"),
    ]);
    const sourceless = parseFerryConfig(yml("    provenance: required\n"));
    expect(sourceless.ok ? [] : sourceless.errors.map((e) => e.message)).toEqual([
      expect.stringContaining("provenance is checked against the app's source repo: set source: owner/repo"),
    ]);
  });
});

describe("TrustedRootFile", () => {
  let instance: TestInstance;
  beforeAll(async () => {
    instance = await githubInstance();
  });

  it("fails closed without a file, keeps the last good roots when the file goes bad", async () => {
    expect(new TrustedRootFile(undefined).current()).toMatchObject({
      ok: false,
      reason: expect.stringContaining("set FERRY_TRUSTED_ROOTS"),
    });
    const path = join(mkdtempSync(join(tmpdir(), "ferry-roots-")), "roots.jsonl");
    const file = new TrustedRootFile(path);
    expect(file.current()).toMatchObject({ ok: false, reason: expect.stringContaining("cannot be read") });
    writeFileSync(path, trustedRootLines(instance));
    const good = file.current();
    expect(good.ok && good.roots.map((r) => r.organizations)).toEqual([["GitHub, Inc."]]);
    writeFileSync(path, "{ not json\n");
    // A different mtime: re-read, refused, the last good roots stay.
    const { utimesSync } = await import("node:fs");
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(file.current()).toEqual(good);
  });
});
