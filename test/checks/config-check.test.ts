import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configCheck, configDocsUrl, configSchemaUrl } from "../../src/checks/config-check.js";
import { parseFerryConfig } from "../../src/config/load.js";

const twoMistakes = `environments:
  - name: staging
    paths: [overlays/staging/**]
  - name: production
    paths: [overlays/production/**]
    after: stagin
apps:
  - name: api
    image: ghcr.io/acme/api
    source: acme/api
    trigger: { workflow: build.yml, branch: 5 }
`;

describe("Ferry / config", () => {
  it("counts every error in the file, the cross-references too, and annotates each line", () => {
    const output = configCheck(parseFerryConfig(twoMistakes));
    expect(output.title).toBe("ferry.yml has 2 errors");
    expect(output.annotations.map((a) => a.start_line).sort((a, b) => a - b)).toEqual([6, 11]);
  });

  it("points at documentation the reader can open, not at a file of Ferry's own repository", () => {
    const output = configCheck(parseFerryConfig(twoMistakes), {
      fileUrl: "https://github.com/acme/deploy/blob/abc/.github/ferry.yml",
    });
    expect(output.summary).not.toMatch(/(^|[^/])docs\/configuration\.md/);
    expect(output.summary).toContain(`[the configuration reference](${configDocsUrl})`);
    expect(output.summary).toContain(`[JSON Schema](${configSchemaUrl})`);
    // Each line links to the file at the commit checked.
    expect(output.summary).toContain("| [6](https://github.com/acme/deploy/blob/abc/.github/ferry.yml#L6) |");
  });

  it("links to this project's repository, as package.json names it", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      repository: { url: string };
    };
    const repo = pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
    expect(configDocsUrl).toBe(`${repo}/blob/main/docs/configuration.md`);
    expect(configSchemaUrl).toBe(`${repo}/blob/main/docs/ferry.schema.json`);
  });
});
