import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";
import { policyRules } from "../../src/policy/rules/index.js";
import { check, emptyConfig } from "./helpers.js";

const docs = readFileSync("docs/policy.md", "utf8");

/** The `### <rule>` sections of docs/policy.md with their `fails`, `passes` and `ferry.yml` blocks. */
function section(id: string): { text: string; blocks: Record<string, string> } {
  const start = docs.indexOf(`\n### ${id}\n`);
  const end = docs.indexOf("\n### ", start + 1);
  const text = docs.slice(start, end < 0 ? undefined : end);
  const blocks: Record<string, string> = {};
  for (const match of text.matchAll(/```yaml (fails|passes|ferry\.yml)\n([\s\S]*?)```/g)) {
    blocks[match[1] ?? ""] = match[2] ?? "";
  }
  return { text, blocks };
}

describe("docs/policy.md", () => {
  for (const rule of policyRules) {
    describe(rule.id, () => {
      const { text, blocks } = section(rule.id);
      it("documents the rule, its default severity and both examples", () => {
        expect(text).toContain(`Default: \`${rule.defaultSeverity}\``);
        expect(blocks.fails).toBeDefined();
        expect(blocks.passes).toBeDefined();
      });

      const config = () => {
        if (blocks["ferry.yml"] === undefined) return emptyConfig;
        const parsed = parseFerryConfig(blocks["ferry.yml"]);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        return parsed.value;
      };

      it("the failing example fails this rule", async () => {
        const findings = await check(blocks.fails ?? "", { config: config() });
        expect(findings.filter((f) => f.rule === rule.id).length).toBeGreaterThan(0);
        expect(findings.filter((f) => f.rule === "schema" || f.rule === "yaml")).toEqual([]);
      });

      it("the passing example passes this rule", async () => {
        const findings = await check(blocks.passes ?? "", { config: config() });
        expect(
          findings.filter((f) => f.rule === rule.id || f.rule === "schema" || f.rule === "yaml"),
        ).toEqual([]);
      });
    });
  }

  it("the configuration example is a valid ferry.yml", () => {
    const example = docs.match(/## Configuring severities[\s\S]*?```yaml\n([\s\S]*?)```/)?.[1] ?? "";
    expect(parseFerryConfig(example)).toMatchObject({ ok: true });
  });
});
