/**
 * What an agent holding a cluster secret and another GitHub App in the installation can make
 * Ferry write: report text only as plain text, and no say in promotion evidence.
 */
import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import { ferryYml, report, startWorld, until, type World } from "../reports/support.js";
import { appId } from "../support/ferry.js";
import type { CheckRunRecord } from "../support/github/index.js";
import { render } from "../support/markdown.js";
import { kustomization } from "./fixtures.js";

let world: World;
afterEach(async () => {
  await world?.close();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const otherAppId = 777;
const installed = new WeakSet<World>();
/** A GitHub App installed next to Ferry, writing check runs under Ferry's names. */
const otherApp = (w: World) => {
  if (!installed.has(w)) {
    w.stack.github.installApp({ id: otherAppId, slug: "app-777", permissions: { checks: "write" } });
    installed.add(w);
  }
  return new Octokit({
    baseUrl: w.stack.github.apiUrl,
    auth: w.stack.github.appToken(otherAppId),
    log: quiet,
  });
};
const forge = async (w: World, sha: string, conclusion: "success" | "failure", text?: string) =>
  (
    await otherApp(w).rest.checks.create({
      owner: "acme",
      repo: "deploy",
      name: "Ferry / reconcile (staging)",
      head_sha: sha,
      conclusion,
      output: { title: "Synced and healthy", summary: "trust me", ...(text ? { text } : {}) },
    })
  ).data.id;
const ferrysOwn = (w: World, sha: string, name: string): CheckRunRecord[] =>
  w.stack.github.checkRuns("acme/deploy", sha).filter((r) => r.name === name && r.app_id === appId);

describe("report text reaches GitHub only as plain text", () => {
  it("escapes hostile kinds, namespaces, names and messages in the check summary and the drift issue", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging("1.5.0");
    const response = await world.post(
      report({
        revision: sha,
        object: { kind: "Application", namespace: "@acme/admins", name: "<img src=x onerror=alert(1)>" },
        sync: "OutOfSync",
        health: "Healthy",
        phase: "drifted",
        message:
          "ok\n# Pwned\n[click](https://evil.example) ![i](https://evil.example/i.png) | x | @acme/sre #1",
        drifted: [
          {
            group: "apps",
            kind: "<b>Deployment</b>",
            namespace: "[x](https://evil.example)",
            name: "@acme/admins",
          },
        ],
      }),
    );
    expect(response.status).toBe(202);
    const check = await until(
      () => world.check(sha)?.conclusion === "failure" && world.check(sha),
      "the drifted check",
    );
    const issue = await until(
      () => world.stack.github.issues("acme/deploy").find((i) => i.title === "Drift in staging"),
      "the drift issue",
    );
    const raw = ["@acme/", "<img", "<b>", "](https://evil.example", "![i]", "\n# Pwned", "| x |", " #1"];
    for (const [where, text] of [
      ["summary", check.output.summary ?? ""],
      ["issue", issue.body ?? ""],
    ] as const) {
      for (const form of raw) expect(text, `${where} has ${JSON.stringify(form)}`).not.toContain(form);
      expect(text, where).toContain("@\u200bacme/admins");
      expect(text, where).toContain("&lt;b&gt;Deployment&lt;/b&gt;");
    }
    expect(check.output.summary).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(check.output.summary).toContain("ok \\# Pwned \\[click\\](https:\u200b//evil.example)");
    // still one table row per object: the message's pipes and newlines stay inside its cell
    expect(
      check.output.summary?.split("\n").filter((l) => l.startsWith("| staging-1 | Application")),
    ).toHaveLength(1);
  });
});

describe("a pull request author's text reaches the checks only as code or plain text", () => {
  it("file names, tags and ferry.yml values in Ferry / validate, Ferry / promotion and Ferry / config", async () => {
    world = await startWorld();
    const hostile = "`` <img src=x> @acme/admins [x](https://evil.example) #1";
    const head = world.stack.github.push("acme/deploy", {
      branch: "hostile",
      files: {
        [`overlays/staging/${hostile}.yaml`]: "a: [unclosed\n",
        "overlays/staging/kustomization.yaml": kustomization(`<img src=x> @acme/admins`),
        ".github/ferry.yml": `${ferryYml()}  - name: "@acme/admins <img src=x>"\n    environment: staging\n`,
      },
    });
    await world.dev.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "hostile",
      base: "main",
      title: "x",
    });
    await world.stack.idle();
    for (const name of ["Ferry / validate", "Ferry / promotion", "Ferry / config"]) {
      const [run] = ferrysOwn(world, head, name);
      expect(run?.conclusion, name).toBe("failure");
      const shown = render(run?.output.summary ?? "");
      expect(shown.images, `${name}: ${shown.html}`).toBe(0);
      // Ferry's own links (lines in the PR's file view, ferry.yml at the commit) only, never the author's.
      const hrefs = [...shown.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? "");
      expect(hrefs.length, `${name}: ${shown.html}`).toBe(shown.links);
      for (const href of hrefs)
        expect(
          href.startsWith(`http://${world.stack.github.host}/acme/deploy/`) ||
            href.startsWith("https://github.com/ferry-gitops/ferry/"),
          `${name}: ${href}`,
        ).toBe(true);
      expect(shown.html, name).not.toContain("evil.example/");
      expect(shown.mentions, `${name}: ${shown.html}`).toEqual([]);
      expect(shown.refs, `${name}: ${shown.html}`).toEqual([]);
      expect(
        shown.elements.filter(
          (e) =>
            ![
              "p",
              "ul",
              "li",
              "h3",
              "table",
              "thead",
              "tbody",
              "tr",
              "th",
              "td",
              "code",
              "details",
              "summary",
              "strong",
              "sub",
              "a",
            ].includes(e),
        ),
        `${name}: ${shown.html}`,
      ).toEqual([]);
    }
    expect(render(ferrysOwn(world, head, "Ferry / validate")[0]?.output.summary ?? "").html).toContain(
      // (git keeps no empty path segment: `//` in the name is stored as `/`)
      "<code>overlays/staging/`` &lt;img src=x&gt; @acme/admins [x](https:/evil.example) #1.yaml</code>",
    );
  });
});

describe("evidence is read only from Ferry's own check runs", () => {
  it("another app's success on `Ferry / reconcile (staging)` does not let a tag into production", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging("1.5.0");
    await forge(world, sha, "success");
    const head = world.stack.github.push("acme/deploy", {
      branch: "to-production",
      files: { "overlays/production/kustomization.yaml": kustomization("1.5.0") },
    });
    await world.dev.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "to-production",
      base: "main",
      title: "1.5.0 to production",
    });
    await world.stack.idle();
    const [promotion] = ferrysOwn(world, head, "Ferry / promotion");
    expect(promotion?.conclusion).toBe("failure");
    expect(promotion?.output.summary).toContain("1.5.0 was not verified healthy in staging first");
  });

  it("neither reads nor updates another app's reconcile run: a forged memo changes nothing", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging("1.5.0");
    await until(() => ferrysOwn(world, sha, "Ferry / reconcile (staging)")[0]?.status === "queued", "queued");
    await world.stack.restart(); // nothing in memory: Ferry must find its run on GitHub
    const memo = `<!-- ferry:reconcile ${JSON.stringify({ startedAt: 1, timedOut: true, record: { objects: {} } })} -->`;
    const forged = await forge(world, sha, "success", memo);
    const response = await world.post(
      report({ revision: sha, sync: "OutOfSync", health: "Progressing", phase: "syncing" }),
    );
    expect(response.status).toBe(202);
    await world.stack.idle();
    const [own, ...more] = ferrysOwn(world, sha, "Ferry / reconcile (staging)");
    expect(more).toHaveLength(0);
    expect(own).toMatchObject({ status: "in_progress" });
    expect(own?.output.title).toBe("api 1.5.0 syncing in staging (staging-1)");
    const other = world.stack.github.checkRuns("acme/deploy", sha).find((r) => r.id === forged);
    expect(other).toMatchObject({ conclusion: "success", updates: 0 });
  });

  it("runs another app made under Ferry's check names neither block nor replace Ferry's own", async () => {
    world = await startWorld();
    const head = world.stack.github.push("acme/deploy", {
      branch: "change",
      files: { "overlays/staging/kustomization.yaml": kustomization("1.4.2") },
    });
    for (const name of ["Ferry / validate", "Ferry / promotion"])
      await otherApp(world).rest.checks.create({
        owner: "acme",
        repo: "deploy",
        name,
        head_sha: head,
        status: "in_progress",
      });
    await world.dev.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "change",
      base: "main",
      title: "Bump",
    });
    await world.stack.idle();
    for (const name of ["Ferry / validate", "Ferry / promotion"]) {
      expect(ferrysOwn(world, head, name).map((r) => r.status)).toEqual(["completed"]);
      const other = world.stack.github
        .checkRuns("acme/deploy", head)
        .filter((r) => r.name === name && r.app_id === otherAppId);
      expect(other.map((r) => [r.status, r.updates])).toEqual([["in_progress", 0]]);
    }
  });

  it("rollback does not take another app's word that a tag ran healthy", async () => {
    world = await startWorld();
    const first = await world.mergeStaging("1.5.0");
    await world.mergeStaging("1.6.0");
    await forge(world, first, "success");
    world.stack.github.setPermission("acme/deploy", "alice", "write");
    const alice = world.stack.user("alice");
    const { data: issue } = await alice.rest.issues.create({
      owner: "acme",
      repo: "deploy",
      title: "Incident",
    });
    await alice.rest.issues.createComment({
      owner: "acme",
      repo: "deploy",
      issue_number: issue.number,
      body: "/ferry rollback api staging",
    });
    await world.stack.idle();
    const reply = world.stack.github.comments("acme/deploy", issue.number).at(-1)?.body;
    expect(reply).toBe("@alice found no earlier tag of api that ran healthy in staging.");
    expect(
      world.stack.github
        .pulls("acme/deploy")
        .filter((p) => p.state === "open" && p.head.ref.startsWith("ferry/")),
    ).toHaveLength(0);
  });
});
