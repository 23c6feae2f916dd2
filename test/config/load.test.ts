import { describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";

const valid = `environments:
  - name: staging
    paths: [overlays/staging/**]
    autoMerge: true
  - name: production
    paths: [overlays/production/**]
    after: staging
    tags: { semver: ">=1.0.0", prerelease: false }
    digest: required
apps:
  - name: api
    image: ghcr.io/acme/api
    source: acme/api
clusters:
  - name: prod-eu-1
    environment: production
policy:
  no-latest-tag: error
  allowed-registries: [ghcr.io/acme]
`;

describe("parseFerryConfig", () => {
  it("accepts the documented example and fills defaults", () => {
    const result = parseFerryConfig(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.environments[0]?.digest).toBe("optional");
    expect(result.value.environments[1]?.tags).toEqual({ semver: ">=1.0.0", prerelease: false });
    expect(result.value.apps[0]?.tag).toBe("sha-{{ short_sha }}");
    expect(result.value.apps[0]?.trigger.branch).toBe("main");
  });

  it.each([
    [
      "an unknown key",
      valid.replace("autoMerge: true", "automerge: true"),
      4,
      'environments.0: unknown key "automerge"',
    ],
    [
      "a bad severity",
      valid.replace("no-latest-tag: error", "no-latest-tag: eror"),
      18,
      "policy.no-latest-tag: expected off",
    ],
    [
      "a missing required key",
      valid.replace("    image: ghcr.io/acme/api\n", ""),
      11,
      "apps.0.image (missing)",
    ],
    [
      "an unknown environment",
      valid.replace("after: staging", "after: stagin"),
      7,
      'unknown environment "stagin"',
    ],
    [
      "a YAML syntax error",
      valid.replace("paths: [overlays/production/**]", "paths: [overlays/production/**"),
      7,
      "YAML:",
    ],
  ])("reports %s with its line", (_name, text, line, message) => {
    const result = parseFerryConfig(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({
      file: ".github/ferry.yml",
      line,
      rule: "config",
      severity: "error",
    });
    expect(result.errors[0]?.message).toContain(message);
  });

  it("reports duplicate keys instead of silently taking the last", () => {
    const result = parseFerryConfig(`${valid}policy:\n  no-privileged: off\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.line).toBe(20);
  });

  it("bounds alias expansion", () => {
    const lol = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++)
      lol.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(", ")}]`,
      );
    const result = parseFerryConfig(lol.join("\n"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/alias/i);
  });
});

describe("docs/ferry.schema.json", () => {
  it("is the schema generated from the zod schema (run `npm run schema` after changing it)", async () => {
    const { readFileSync } = await import("node:fs");
    const { ferryJsonSchema } = await import("../../src/config/json-schema.js");
    const committed = JSON.parse(
      readFileSync(new URL("../../docs/ferry.schema.json", import.meta.url), "utf8"),
    );
    expect(committed).toEqual(ferryJsonSchema());
  });

  it("describes every field for editors", async () => {
    const { ferryJsonSchema } = await import("../../src/config/json-schema.js");
    const text = JSON.stringify(ferryJsonSchema());
    for (const key of [
      "autoMerge",
      "digest",
      "soak",
      "reconcileTimeout",
      "addToKustomization",
      "fields",
      "trigger",
    ]) {
      expect(text).toContain(`"${key}"`);
    }
    expect(text).toContain("Globs of the files that make up this environment");
  });
});
