import { describe, expect, it } from "vitest";
import { actionId, newlyTicked, tickedActions } from "../../src/dashboard/actions.js";
import { dashboardModel } from "../../src/dashboard/model.js";
import { isDashboardBody, mermaidText, renderDashboard } from "../../src/dashboard/render.js";
import { renderStatus } from "../../src/dashboard/terminal.js";
import { sizeIn } from "../../src/github/limits.js";
import { render } from "../support/markdown.js";
import { config, facts, merged, overlays, repoUrl, run } from "./support.js";

const now = new Date("2026-11-23T10:05:00Z");
const model = (over: Parameters<typeof facts>[0] = {}, cfg = config()) =>
  dashboardModel(cfg, facts(over), now);

describe("dashboard body", () => {
  const brought = merged({ app: "api", env: "staging", tag: "1.5.0", from: "1.4.1" }, "2026-11-23T09:00:00Z");
  const body = renderDashboard(
    model({
      checks: [run({ env: "staging" })],
      driftIssues: [{ number: 7, title: "Drift in production", url: `${repoUrl}/issues/7` }],
      pairs: [
        { env: "staging", app: "api", merged: [brought] },
        { env: "production", app: "api", merged: [] },
      ],
    }),
  );

  it("starts with the hidden marker Ferry finds it by", () => {
    expect(body.startsWith("<!-- ferry:dashboard -->\n")).toBe(true);
    expect(isDashboardBody(body)).toBe(true);
    expect(isDashboardBody(`x\n${body}`)).toBe(false);
  });

  it("draws the environment chain with what runs where, coloured by health", () => {
    expect(body).toContain(
      [
        "```mermaid",
        "flowchart LR",
        '  e0["staging<br/>api 1.5.0"]:::ok',
        '  e1["production<br/>api 1.4.1"]:::none',
        "  e0 --> e1",
      ].join("\n"),
    );
  });

  it("has one matrix row per app and a cluster row per environment", () => {
    expect(body).toContain("|  | **staging** | **production** |\n| --- | --- | --- |\n");
    expect(body).toContain(
      `| *cluster* | ✅ [healthy](${repoUrl}/runs/1) · at [\`ccccccc\`](${repoUrl}/commit/${"c".repeat(40)})<br>since 2026-11-23 10:02 UTC<br>⏳ soak until 2026-11-23 10:12 UTC | no cluster reports here<br>⚠️ drift #7 |`,
    );
    expect(body).toContain(
      `| **api** | \`1.5.0\`<br>[\`${brought.mergeCommit?.oid.slice(0, 7)}\`](${repoUrl}/commit/${brought.number}) 2026-11-23 09:00 UTC | \`1.4.1\` |`,
    );
  });

  it("lists each action as a checkbox with a hidden id", () => {
    expect(body).toContain(
      "- [ ] <!-- ferry-action:promote:api:production --> Promote **api** `1.5.0` to **production** (from staging; production runs `1.4.1`)",
    );
  });

  it("lists the last promotions with who merged them", () => {
    expect(body).toContain(
      `| 2026-11-23 09:00 UTC | api | staging | \`1.4.1\` → \`1.5.0\` | [#${brought.number}](${repoUrl}/pull/${brought.number}) | alice |`,
    );
  });

  it("renders as GitHub would: tables, the checkbox list, links only to this GitHub", () => {
    const shown = render(body);
    expect(shown.elements).toEqual(expect.arrayContaining(["table", "pre", "ul", "li"]));
    expect(shown.mentions).toEqual([]);
    expect(shown.html).not.toMatch(/href="(?!https:\/\/github\.example\/)/);
  });

  it("is the same text for the same facts (no relative times), so an unchanged dashboard costs no edit", () => {
    const again = renderDashboard(
      model({
        checks: [run({ env: "staging" })],
        driftIssues: [{ number: 7, title: "Drift in production", url: `${repoUrl}/issues/7` }],
        pairs: [
          { env: "staging", app: "api", merged: [brought] },
          { env: "production", app: "api", merged: [] },
        ],
      }),
    );
    expect(again).toBe(body);
  });

  it("shows text from the repository and PR bodies as code: no link, image, HTML or mention", () => {
    const hostile = "<img src=x onerror=alert(1)> @acme/admins [x](https://evil.example) `|";
    const forged = merged(
      { app: "api", env: "staging", tag: hostile, from: "`` | ![x](https://evil.example/x.png)" },
      "2026-11-23T09:00:00Z",
      "@acme/admins",
    );
    const text = renderDashboard(
      model({
        pairs: [
          {
            env: "staging",
            app: "api",
            merged: [forged],
            open: { number: 4, url: "u", body: forged.body },
          },
        ],
        checks: [run({ env: "staging", url: "https://evil.example/run", commitUrl: "javascript:alert(1)" })],
      }),
    );
    const shown = render(text);
    expect(shown.images).toBe(0);
    expect(shown.mentions).toEqual([]);
    expect(shown.elements).not.toContain("img");
    expect(shown.html).not.toContain("evil.example/run");
    expect(shown.html).not.toContain("javascript:");
    // Every table row keeps its cells: a pipe from the text cannot add one.
    for (const line of text.split("\n").filter((l) => l.startsWith("| 2026")))
      expect(line.split(/(?<!\\)\|/).length).toBe(8);
  });

  it("escapes every character mermaid could read as syntax in a label", () => {
    expect(mermaidText('a"]; click e0 call x()\n')).toBe("a#34;#93;#59; click e0 call x()#10;");
    expect(mermaidText("api 1.5.0-rc.1+b")).toBe("api 1.5.0-rc.1+b");
  });

  describe("GitHub's limit", () => {
    /** `n` apps with long tags; with `openPrs`, each has an open Ferry PR to production (an icon in its row). */
    const many = (n: number, { openPrs = false } = {}) => {
      const apps = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(4, "0")}`);
      const cfg = config(apps.map((name) => ({ name, image: `ghcr.io/acme/${name}` })));
      const files = apps.flatMap((name) =>
        overlays({ staging: `2.0.0-${"a".repeat(100)}`, production: "1.0.0" }, name).map((f) => ({
          ...f,
          path: f.path.replace("kustomization.yaml", `${name}/kustomization.yaml`),
        })),
      );
      const pairs = openPrs
        ? apps.map((app, i) => ({
            env: "production",
            app,
            open: { number: 1000 + i, url: `${repoUrl}/pull/${1000 + i}`, body: "Promote" },
            merged: [],
          }))
        : [];
      return dashboardModel(cfg, facts({ files, pairs, checks: [run({ env: "staging" })] }), now);
    };

    it("shows every app while they fit", () => {
      const text = renderDashboard(many(3));
      expect(text).not.toContain("more apps not shown");
      expect(text.match(/^\| \*\*svc-/gm)).toHaveLength(3);
    });

    it("lists as many apps as fit in 65,536 bytes and says how many more there are", () => {
      const text = renderDashboard(many(600));
      const size = sizeIn(text, "bytes");
      expect(size).toBeLessThanOrEqual(65_536);
      const shown = text.match(/^\| \*\*svc-/gm)?.length ?? 0;
      expect(shown).toBeGreaterThan(50);
      expect(text).toContain(
        `**… ${600 - shown} more apps not shown** to keep this issue within 65,536 bytes, GitHub's limit.`,
      );
      // One more app would not have fitted.
      expect(size + 250).toBeGreaterThan(65_536);
      // Only the shown apps have actions.
      expect(text.match(/ferry-action:promote:/g)).toHaveLength(shown);
      expect(text.endsWith("</sub>\n")).toBe(true);
    });

    it("holds 65,536 in bytes, not characters, when every row carries an icon", () => {
      const text = renderDashboard(many(600, { openPrs: true }));
      expect(text).toContain("➡️ #1000");
      expect(sizeIn(text, "bytes")).toBeLessThanOrEqual(65_536);
      // Counted in characters the same body is shorter: characters alone would let it pass 65,536 bytes.
      expect(sizeIn(text, "characters")).toBeLessThan(sizeIn(text, "bytes"));
    });

    it("measures in the unit of the limit: bytes count the icons and arrows several times", () => {
      const limit = { max: 20_000, unit: "bytes" as const };
      const text = renderDashboard(many(200), limit);
      expect(sizeIn(text, "bytes")).toBeLessThanOrEqual(20_000);
      expect(sizeIn(text, "characters")).toBeLessThan(sizeIn(text, "bytes"));
      expect(text).toContain("to keep this issue within 20,000 bytes, GitHub's limit.");
    });
  });
});

describe("checkboxes", () => {
  const promote = actionId({ kind: "promote", app: "api", env: "production" });
  const rollback = actionId({ kind: "rollback", app: "web.v2", env: "staging" });

  it("finds the ticked boxes by their hidden id, [x] or [X], each once", () => {
    const body = `- [x] ${promote} Promote\n- [ ] ${rollback} Roll back\n* [X] ${promote} again\n`;
    expect(tickedActions(body)).toEqual([{ kind: "promote", app: "api", env: "production" }]);
  });

  it("reads only what an edit newly ticked", () => {
    const before = `- [x] ${promote} a\n- [ ] ${rollback} b`;
    const after = `- [x] ${promote} a\n- [x] ${rollback} b`;
    expect(newlyTicked(before, after)).toEqual([{ kind: "rollback", app: "web.v2", env: "staging" }]);
    expect(newlyTicked(after, after)).toEqual([]);
  });

  it("ignores look-alikes: other ids, text around the box, upper-case names", () => {
    const body = [
      "- [x] <!-- ferry-action:deploy:api:production -->",
      "text - [x] <!-- ferry-action:promote:api:production -->",
      "- [x] <!-- ferry-action:promote:API:production -->",
      "- [x] <!-- ferry-action:promote:api:prod/../x -->",
      "    - [x] <!-- ferry-action:promote:api:production -->",
    ].join("\n");
    expect(tickedActions(body)).toEqual([]);
  });
});

describe("ferry status text", () => {
  it("prints the same matrix as aligned columns, and the waiting actions as ChatOps commands", () => {
    const text = renderStatus(model({ checks: [run({ env: "staging" })] }));
    expect(text).toBe(
      [
        "acme/deploy at bbbbbbb (default branch)",
        "",
        "         staging                                production",
        "cluster  healthy                                no cluster reports",
        "         at ccccccc since 2026-11-23 10:02 UTC",
        "         soak until 2026-11-23 10:12 UTC",
        "",
        "api      1.5.0                                  1.4.1",
        "",
        "Waiting (tick it on the dashboard issue, or comment the command on any issue):",
        "  /ferry promote api 1.5.0 to production   (running in staging)",
        "",
        "Last promotions:",
        "  none merged yet",
        "",
      ].join("\n"),
    );
  });

  it("replaces control characters, so no text from GitHub can drive the terminal", () => {
    const m = model();
    const text = renderStatus({ ...m, repo: { ...m.repo, owner: "acme\u001b[2J" } });
    expect(text).not.toContain("\u001b");
    expect(text.startsWith("acme?[2J/deploy")).toBe(true);
  });
});
