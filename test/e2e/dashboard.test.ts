import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/reports/report.js";
import { signedHeaders } from "../../src/reports/signature.js";
import { clusterSecretsEnv, configFiles, ferryYml, report, secrets } from "../reports/support.js";
import { sharedBuild } from "../support/build.js";
import { appId, type Stack, startStack, webhookSecret } from "../support/ferry.js";
import { type IssueRecord, sendWebhook } from "../support/github/index.js";
import { webhookExample } from "../support/payloads.js";
import { pollUntil } from "../support/poll.js";
import { build } from "./world.js";

const exec = promisify(execFile);
const repo = { owner: "acme", repo: "deploy" };
const label = "ferry:dashboard";

/** Staging pins digests (so the matrix shows one) and soaks an hour (so no chain runs meanwhile). */
const config = ferryYml({ soak: "1h" }).replace(
  "    paths: [overlays/staging/**]\n",
  "    paths: [overlays/staging/**]\n    digest: required\n",
);

/** The config repo without ferry.yml: the dashboard must wait for a valid one. */
function withoutConfig(files: Record<string, string>): Record<string, string> {
  const { ".github/ferry.yml": _config, ...rest } = files;
  return rest;
}

describe("the dashboard issue", () => {
  let stack: Stack;
  const dashboards = (name = "acme/deploy"): IssueRecord[] =>
    stack.github.issues(name).filter((i) => i.labels.includes(label));
  /** Waits until the one dashboard's body passes `test`; fails naming `what` and showing the body. */
  const waitBody = async (test: (body: string) => boolean, what: string, name = "acme/deploy") => {
    try {
      return await pollUntil(
        () => {
          const body = dashboards(name)[0]?.body ?? "";
          return test(body) && body;
        },
        what,
        10_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; the dashboard is:\n${dashboards(name)[0]?.body}`);
    }
  };
  const writes = (method: "POST" | "PATCH", name = "acme/deploy") =>
    stack.github.requests.filter(
      (r) =>
        r.method === method &&
        (method === "POST"
          ? r.path === `/repos/${name}/issues`
          : r.route === "PATCH /repos/{owner}/{repo}/issues/{issue_number}" &&
            r.path.startsWith(`/repos/${name}/`)),
    );
  const tick = (body: string, kind: "promote" | "rollback", app: string, env: string) => {
    const box = `- [ ] <!-- ferry-action:${kind}:${app}:${env} -->`;
    if (!body.includes(box)) throw new Error(`no ${kind} box for ${app} in ${env}:\n${body}`);
    return body.replace(box, box.replace("[ ]", "[x]"));
  };
  const post = async (r: Report) => {
    const body = JSON.stringify(r);
    const headers = signedHeaders(secrets[r.cluster as keyof typeof secrets], body, Date.now());
    const res = await fetch(`${stack.ferry.url}/ferry/v1/reports`, { method: "POST", headers, body });
    expect(res.status).toBe(202);
    await stack.idle();
  };
  const openPull = (env: string) =>
    stack.github.pulls("acme/deploy").find((p) => p.state === "open" && p.head.ref === `ferry/${env}/api`);

  beforeAll(async () => {
    stack = await startStack({
      env: { FERRY_CLUSTER_SECRETS: clusterSecretsEnv, FERRY_DASHBOARD_INTERVAL_MS: "0" },
    });
    stack.github.createRepo("acme/deploy", { files: withoutConfig(configFiles()) });
    stack.github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
    stack.github.setPermission("acme/deploy", "alice", "write");
    stack.github.setPermission("acme/deploy", "bob", "read");
  });
  afterAll(() => stack?.close());

  it("is created once, when ferry.yml first becomes valid, with the matrix and the environment chain", async () => {
    stack.github.push("acme/deploy", {
      branch: "main",
      files: { ".github/ferry.yml": "environments: [{ name: staging }]\n" },
    });
    await stack.idle();
    const valid = stack.github.push("acme/deploy", {
      branch: "main",
      files: { ".github/ferry.yml": config },
    });
    const body = await waitBody((b) => b.includes(valid.slice(0, 7)), "the dashboard at the valid ferry.yml");
    const [issue] = dashboards();
    expect(issue?.title).toBe("Ferry dashboard");
    expect(issue?.user.type).toBe("Bot");
    expect(body.startsWith("<!-- ferry:dashboard -->\n")).toBe(true);
    expect(body).toContain("```mermaid\nflowchart LR\n");
    expect(body).toMatch(
      / {2}e0\["staging<br\/>api 1\.4\.1"\]:::none\n {2}e1\["production<br\/>api 1\.4\.1"\]:::none\n/,
    );
    expect(body).toContain("  e0 --> e1\n");
    expect(body).toContain("| **api** | `1.4.1` | `1.4.1` |");
    expect(body).toContain("| *cluster* | no report yet | no report yet |");
    expect(body).toContain("No Ferry pull request has been merged yet.");
    // Opened at the valid ferry.yml, not at the invalid one before it.
    const opened = stack.github.deliveries.flatMap((d) => {
      const issue = (d.payload as { issue?: { body?: string; labels?: { name: string }[] } }).issue;
      return d.event === "issues" && d.action === "opened" && issue?.labels?.some((l) => l.name === label)
        ? [issue.body ?? ""]
        : [];
    });
    expect(opened).toHaveLength(1);
    expect(opened[0]).toContain(valid.slice(0, 7));

    // Another push: the same issue, edited.
    const next = stack.github.push("acme/deploy", { branch: "main", files: { "README.md": "# deploy\n" } });
    await waitBody((b) => b.includes(next.slice(0, 7)), "the dashboard at the next commit");
    expect(dashboards()).toHaveLength(1);
    expect(writes("POST")).toHaveLength(1);
  });

  it("is found again by a restarted app and edited in place, not re-posted, after a promotion", async () => {
    const [before] = dashboards();
    await stack.restart();
    stack.github.resetRequests();
    // A pooled keep-alive socket to the stopped app fails once; a new connection does not.
    const dispatch = () => build(stack, "1.5.0", { digest: `sha256:${"d".repeat(64)}` });
    await dispatch().catch(dispatch);
    const pr = openPull("staging");
    expect(pr).toBeDefined();
    const body = await waitBody((b) => b.includes(`#${pr?.number}`), "the open staging PR on the dashboard");
    expect(body).toContain(`| **api** | \`1.4.1\`<br>➡️ #${pr?.number} \`1.5.0\` | \`1.4.1\` |`);
    expect(dashboards().map((i) => i.number)).toEqual([before?.number]);
    expect(writes("POST")).toHaveLength(0);
    expect(writes("PATCH").length).toBeGreaterThan(0);
  });

  it("shows the merged version, its commit, and who merged it, after a merge", async () => {
    const pr = openPull("staging");
    const { data } = await stack.user("alice").rest.pulls.merge({ ...repo, pull_number: pr?.number ?? 0 });
    await stack.idle();
    const body = await waitBody(
      (b) => b.includes("| **api** | `1.5.0`") && b.includes("| *cluster* | ⏳ [waiting]("),
      "staging at 1.5.0, waiting for its cluster",
    );
    const merge = data.sha.slice(0, 7);
    expect(body).toMatch(
      new RegExp(
        `\\| \\*\\*api\\*\\* \\| \`1\\.5\\.0\` \`@sha256:dddddddddddd\`<br>\\[\`${merge}\`\\]\\(http://[^)]+/commit/${data.sha}\\) \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\| \`1\\.4\\.1\` \\|`,
      ),
    );
    // The history names who merged it; the reconcile check queued on the merge shows as waiting.
    expect(body).toMatch(
      new RegExp(
        `\\| api \\| staging \\| \`1\\.4\\.1\` → \`1\\.5\\.0\` \\| \\[#${pr?.number}\\]\\([^)]+\\) \\| alice \\|`,
      ),
    );
    expect(dashboards()).toHaveLength(1);
  });

  it("shows health, sync, since when and the soak after a cluster report; offers the promotion", async () => {
    const sha = stack.github.resolve("acme/deploy", "main") as string;
    await post(report({ revision: sha }));
    const body = await waitBody((b) => b.includes("✅ [healthy]("), "staging healthy");
    expect(body).toMatch(
      new RegExp(
        `\\| \\*cluster\\* \\| ✅ \\[healthy\\]\\([^)]+\\) · Synced · Healthy · at \\[\`${sha.slice(0, 7)}\`\\]\\([^)]+\\)<br>since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC<br>⏳ soak until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\| no report yet \\|`,
      ),
    );
    expect(body).toContain('  e0["staging<br/>api 1.5.0"]:::ok\n');
    expect(body).toContain(
      "- [ ] <!-- ferry-action:promote:api:production --> Promote **api** `1.5.0` to **production** (from staging; production runs `1.4.1`)",
    );
    expect(dashboards()).toHaveLength(1);
  });

  it("refuses a tick by a reader: a 👎, no promotion, no reply, and the box is unticked", async () => {
    const [issue] = dashboards();
    const number = issue?.number ?? 0;
    const comments = stack.github.comments("acme/deploy", number).length;
    await stack.user("bob").rest.issues.update({
      ...repo,
      issue_number: number,
      body: tick(issue?.body ?? "", "promote", "api", "production"),
    });
    await stack.idle();
    await waitBody(
      (b) => b.includes("- [ ] <!-- ferry-action:promote:api:production -->"),
      "the box unticked",
    );
    const { data: reactions } = await stack
      .user("carol")
      .rest.reactions.listForIssue({ ...repo, issue_number: number });
    expect(reactions.map((r) => [r.content, r.user?.login])).toEqual([["-1", "ferry[bot]"]]);
    expect(openPull("production")).toBeUndefined();
    expect(stack.github.comments("acme/deploy", number)).toHaveLength(comments);
  });

  it("acts on a tick by a writer through the ChatOps path, replies, and unticks the box", async () => {
    const [issue] = dashboards();
    const number = issue?.number ?? 0;
    await stack.user("alice").rest.issues.update({
      ...repo,
      issue_number: number,
      body: tick(issue?.body ?? "", "promote", "api", "production"),
    });
    await stack.idle();
    const pr = await pollUntil(() => openPull("production"), "the production PR", 10_000);
    expect(pr.title).toBe("Promote api 1.5.0 to production");
    const reply = stack.github.comments("acme/deploy", number).at(-1);
    expect(reply?.user.login).toBe("ferry[bot]");
    expect(reply?.body).toMatch(
      new RegExp(
        `^@alice Ferry opened http://\\S+/acme/deploy/pull/${pr.number} to promote api 1\\.5\\.0 to production\\.$`,
      ),
    );
    const body = await waitBody((b) => b.includes(`➡️ #${pr.number} \`1.5.0\``), "the production PR shown");
    expect(body).not.toContain("[x]");
    expect(body).not.toContain("ferry-action:promote:api:production");
    expect(dashboards()).toHaveLength(1);
  });

  it("links the drift issue a drifted report opens", async () => {
    const sha = stack.github.resolve("acme/deploy", "main") as string;
    await post(
      report({
        cluster: "prod-eu-1",
        environment: "production",
        revision: sha,
        sync: "OutOfSync",
        phase: "drifted",
        drifted: [{ group: "apps", kind: "Deployment", namespace: "shop", name: "api" }],
      }),
    );
    const drift = await pollUntil(
      () => stack.github.issues("acme/deploy").find((i) => i.title === "Drift in production"),
      "the drift issue",
      10_000,
    );
    const body = await waitBody((b) => b.includes(`⚠️ drift #${drift.number}`), "the drift issue linked");
    expect(body).toContain("| ⚠️ [drifted](");
    expect(body).toContain('  e1["production<br/>api 1.4.1"]:::bad\n');
  });

  it("is found again by its hidden marker when someone removed its label: labelled again, not re-posted", async () => {
    const [issue] = dashboards();
    const number = issue?.number ?? 0;
    await stack.user("alice").rest.issues.removeLabel({ ...repo, issue_number: number, name: label });
    await stack.idle();
    expect(dashboards()).toHaveLength(0);
    stack.github.resetRequests();
    const next = stack.github.push("acme/deploy", { branch: "main", files: { "NOTES.md": "unlabelled\n" } });
    await waitBody((b) => b.includes(next.slice(0, 7)), "the dashboard at the next commit, labelled again");
    expect(dashboards().map((i) => i.number)).toEqual([number]);
    const marked = stack.github
      .issues("acme/deploy")
      .filter((i) => i.body?.startsWith("<!-- ferry:dashboard -->"));
    expect(marked.map((i) => i.number)).toEqual([number]);
    expect(writes("POST")).toHaveLength(0);
  });

  it("leaves a closed dashboard alone, and resumes when it is reopened", async () => {
    const [issue] = dashboards();
    const number = issue?.number ?? 0;
    await stack.user("alice").rest.issues.update({ ...repo, issue_number: number, state: "closed" });
    await stack.idle();
    const closedBody = issue?.body;
    stack.github.resetRequests();
    const next = stack.github.push("acme/deploy", { branch: "main", files: { "NOTES.md": "closed\n" } });
    await stack.idle();
    await pollUntil(
      () => stack.github.requests.some((r) => r.graphqlOperation === "FerryDashboard"),
      "a refresh after the push",
      10_000,
    );
    await stack.idle();
    expect(dashboards()).toHaveLength(1);
    expect(writes("POST")).toHaveLength(0);
    expect(dashboards()[0]?.body).toBe(closedBody);
    await stack.user("alice").rest.issues.update({ ...repo, issue_number: number, state: "open" });
    await stack.idle();
    await waitBody((b) => b.includes(next.slice(0, 7)), "the reopened dashboard at the latest commit");
    expect(dashboards().map((i) => [i.number, i.state])).toEqual([[number, "open"]]);
  });

  it("is created when the app is installed on a repo whose ferry.yml is already valid", async () => {
    stack.github.createRepo("acme/installed", {
      files: { ...configFiles(), ".github/ferry.yml": ferryYml() },
    });
    const status = await sendWebhook(
      stack.webhookUrl,
      webhookSecret,
      "installation_repositories",
      webhookExample("installation_repositories", "added", {
        installation: { id: stack.github.installationId },
        repositories_added: [{ id: 1, name: "installed", full_name: "acme/installed", private: true }],
      }),
    );
    expect(status).toBe(202);
    const body = await waitBody(
      (b) => b.includes("| **api** | `1.4.1` | `1.4.1` |"),
      "its dashboard",
      "acme/installed",
    );
    expect(body.startsWith("<!-- ferry:dashboard -->\n")).toBe(true);
    expect(dashboards("acme/installed")).toHaveLength(1);
  });

  it("links the 'Unhealthy in <env>' issue a failure after the soak opens", async () => {
    // acme/installed soaks 0s: a healthy report verifies staging, a degraded one then opens the issue.
    const sha = stack.github.resolve("acme/installed", "main") as string;
    await post(report({ configRepo: "acme/installed", revision: sha }));
    await waitBody((b) => b.includes("✅ [healthy]("), "staging healthy", "acme/installed");
    await post(
      report({
        configRepo: "acme/installed",
        revision: sha,
        health: "Degraded",
        phase: "degraded",
        sequence: Date.now() + 1,
      }),
    );
    const unhealthy = await pollUntil(
      () => stack.github.issues("acme/installed").find((i) => i.title === "Unhealthy in staging"),
      "the health issue",
      10_000,
    );
    const body = await waitBody(
      (b) => b.includes(`❌ unhealthy #${unhealthy.number}`),
      "the health issue linked",
      "acme/installed",
    );
    expect(body).toMatch(/ {2}e0\["staging<br\/>api 1\.4\.1"\]:::bad\n/);
  });

  it("stays within 65,536 bytes and says how many apps it leaves out", async () => {
    const apps = Array.from({ length: 700 }, (_, i) => `svc-${String(i).padStart(4, "0")}`);
    // Long tags (up to GitHub's 128 characters) make every row long.
    const overlay = (app: string) =>
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: ghcr.io/acme/${app}\n    newTag: "2.0.${app.slice(-4)}-rc.1.${"a".repeat(100)}"\n`;
    const files: Record<string, string> = {
      ".github/ferry.yml": `environments:\n  - name: staging\n    paths: [staging/**]\n  - name: production\n    paths: [production/**]\n    after: staging\napps:\n${apps.map((a) => `  - name: ${a}\n    image: ghcr.io/acme/${a}\n`).join("")}`,
    };
    for (const app of apps) {
      files[`staging/${app}/kustomization.yaml`] = overlay(app);
      files[`production/${app}/kustomization.yaml`] = overlay(app);
    }
    stack.github.createRepo("acme/many", { files: { "README.md": "# many\n" } });
    stack.github.push("acme/many", { branch: "main", files });
    const body = await waitBody((b) => b.length > 0, "the dashboard of acme/many", "acme/many");
    // Held in bytes of UTF-8: icons and arrows take 3–4 bytes each, so the body fits GitHub's
    // 65,536 whether GitHub counts its characters or its bytes.
    const bytes = Buffer.byteLength(body);
    expect(bytes).toBeLessThanOrEqual(65_536);
    expect(bytes).toBeGreaterThan(60_000);
    expect(Array.from(body).length).toBeLessThan(bytes);
    const shown = [...body.matchAll(/^\| \*\*(svc-\d{4})\*\* \|/gm)].length;
    expect(shown).toBeGreaterThan(0);
    expect(body).toContain(
      `**… ${700 - shown} more apps not shown** to keep this issue within 65,536 bytes, GitHub's limit. \`ferry status --repo acme/many\` lists them all.`,
    );
    // The sections after the matrix are still there.
    expect(body).toContain("## Last promotions");
  });

  it("`ferry status` prints the same matrix in a terminal from the GitHub API", async () => {
    const cli = join(await sharedBuild(), "dist", "cli.js");
    const { stdout } = await exec(
      process.execPath,
      [cli, "status", "--repo", "acme/deploy", "--app-id", String(appId)],
      {
        env: {
          PATH: process.env.PATH ?? "",
          GITHUB_TOKEN: stack.github.userToken("alice"),
          GITHUB_API_URL: stack.github.apiUrl,
        },
        timeout: 20_000,
      },
    );
    const sha = (stack.github.resolve("acme/deploy", "main") as string).slice(0, 7);
    expect(stdout).toContain(`acme/deploy at ${sha} (default branch)`);
    expect(stdout).toMatch(/^ +staging +production$/m);
    expect(stdout).toMatch(/^cluster +healthy · Synced · Healthy +drifted · OutOfSync · Healthy$/m);
    expect(stdout).toMatch(/^ +soak until \d{4}-\d\d-\d\d \d\d:\d\d UTC +drift: issue #\d+$/m);
    expect(stdout).toMatch(/^api +1\.5\.0 @sha256:dddddddddddd +1\.4\.1$/m);
    expect(stdout).toMatch(new RegExp(`^ +\\S.* {2,}PR #${openPull("production")?.number} 1\\.5\\.0$`, "m"));
    expect(stdout).toMatch(/merged by alice$/m);
  }, 120_000);

  it("rolls back on a writer's tick, through the ChatOps rollback and its health evidence", async () => {
    const dispatch = () => build(stack, "1.6.0", { digest: `sha256:${"e".repeat(64)}` });
    await dispatch().catch(dispatch);
    await stack.user("alice").rest.pulls.merge({ ...repo, pull_number: openPull("staging")?.number ?? 0 });
    await stack.idle();
    const before = await waitBody(
      (b) => b.includes("<!-- ferry-action:rollback:api:staging -->"),
      "the rollback offered for staging",
    );
    expect(before).toContain(
      "- [ ] <!-- ferry-action:rollback:api:staging --> Roll back **api** in **staging** from `1.6.0` (to `1.5.0`, or the last earlier tag that ran healthy)",
    );
    const number = dashboards()[0]?.number ?? 0;
    await stack.user("alice").rest.issues.update({
      ...repo,
      issue_number: number,
      body: tick(before, "rollback", "api", "staging"),
    });
    await stack.idle();
    const pr = await pollUntil(() => openPull("staging"), "the rollback PR", 10_000);
    expect(pr.title).toBe("Roll back api to 1.5.0 in staging");
    expect(pr.labels).toContain("ferry:rollback");
    expect(pr.body).toContain(`@alice asked for it through ChatOps in #${number}.`);
    expect(pr.body).toContain("> **Reason:** ticked on the dashboard\n");
    expect(stack.github.comments("acme/deploy", number).at(-1)?.body).toMatch(
      new RegExp(
        `^@alice Ferry opened http://\\S+/pull/${pr.number} to roll api back to 1\\.5\\.0 in staging\\.$`,
      ),
    );
    await waitBody((b) => b.includes(`↩️ #${pr.number} \`1.5.0\``), "the rollback PR on the dashboard");
  });
});

describe("the dashboard's pace", () => {
  it("edits a repo's dashboard at most once per interval: changes meanwhile wait for the next refresh", async () => {
    const stack = await startStack({ env: { FERRY_DASHBOARD_INTERVAL_MS: "60000" } });
    try {
      stack.github.createRepo("acme/deploy", { files: withoutConfig(configFiles()) });
      stack.github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
      stack.github.push("acme/deploy", { branch: "main", files: { ".github/ferry.yml": ferryYml() } });
      await pollUntil(
        () => stack.github.issues("acme/deploy").some((i) => i.labels.includes(label)),
        "the dashboard",
        10_000,
      );
      await build(stack, "1.5.0");
      await build(stack, "1.5.1");
      expect(stack.github.pulls("acme/deploy").filter((p) => p.state === "open")).toHaveLength(1);
    } finally {
      await stack.close();
    }
    // The promotions asked for a refresh; within the minute none ran, and closing dropped it.
    const edits = stack.github.requests.filter((r) => r.method === "PATCH" && /\/issues\/\d+$/.test(r.path));
    expect(edits).toHaveLength(0);
    expect(stack.github.issues("acme/deploy").filter((i) => i.labels.includes(label))).toHaveLength(1);
  });
});
