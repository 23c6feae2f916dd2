/**
 * `npm run screenshots`: the pictures in docs/checks.md and docs/promotion.md, made from Ferry's
 * own output. It runs the real app against the GitHub test server through the story the demo
 * tells (examples/config-repo, a build, staging healthy, production, ChatOps, a rollback, drift),
 * collects the PR bodies, check runs, issues and replies Ferry wrote, renders each as GitHub does
 * (GitHub-flavoured markdown with GitHub's published stylesheet, `github-markdown-css`) in
 * headless Chromium from the machine's packages (`apt-get install chromium`), and writes
 * docs/images/<name>.png. Re-run it whenever a wording changes; `npm test` never needs Chromium.
 *
 *   npm run screenshots                      # all pictures
 *   CHROMIUM=/path/to/chrome npm run screenshots
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import MarkdownIt from "markdown-it";
import { chromium } from "playwright-core";
import { stringify } from "yaml";
import type { Report } from "../src/reports/report.js";
import { signedHeaders } from "../src/reports/signature.js";
import { type Stack, startStack, webhookSecret } from "../test/support/ferry.js";
import type { CheckRunRecord } from "../test/support/github/index.js";
import { sendWebhook } from "../test/support/github/index.js";

const root = new URL("../", import.meta.url).pathname;
const out = join(root, "docs/images");
const cluster = { name: "staging-1", secret: "screenshots-staging-1-secret" };

/** One thing Ferry wrote, as a reviewer meets it on GitHub. */
type Shot =
  | { name: string; kind: "pr"; title: string; number: number; body: string }
  | { name: string; kind: "check"; run: CheckRunRecord }
  | { name: string; kind: "issue"; title: string; number: number; state: string; body: string }
  | { name: string; kind: "comment"; author: string; body: string; reactions: string[] };

async function collect(): Promise<Shot[]> {
  const stack = await startStack({
    env: { FERRY_CLUSTER_SECRETS: `${cluster.name}=${cluster.secret}`, LOG_LEVEL: "fatal" },
  });
  const { github } = stack;
  const shots: Shot[] = [];
  try {
    const files = readTree(join(root, "examples/config-repo"));
    const goodConfig = files[".github/ferry.yml"] as string;
    github.createRepo("acme/deploy", {
      files,
      settings: { allowAutoMerge: true },
    });
    github.protectBranch("acme/deploy", "main", {
      requiredChecks: ["Ferry / validate", "Ferry / promotion"],
    });
    github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
    github.setPermission("acme/deploy", "alice", "write");
    github.createRelease("acme/api", {
      tag: "1.5.0",
      body: "## What's changed\n\n- Faster start-up: config is read once (#41)\n- Fix: retries honour Retry-After (#44)\n\n**Full changelog**: 1.4.1...1.5.0",
    });
    const alice = stack.user("alice");
    const { data: releases } = await alice.rest.issues.create({
      owner: "acme",
      repo: "deploy",
      title: "Releases",
    });
    await github.idle();

    // Ferry / config on a push that breaks ferry.yml, then fixed.
    const broken = goodConfig
      .replace("after: staging", "after: stagin")
      .replace("branch: main }", "branch: 5 }");
    const badSha = github.push("acme/deploy", { branch: "main", files: { ".github/ferry.yml": broken } });
    await github.idle();
    shots.push({ name: "config-invalid", kind: "check", run: runOf(stack, badSha, "Ferry / config") });
    github.push("acme/deploy", { branch: "main", files: { ".github/ferry.yml": goodConfig } });
    await github.idle();

    // Ferry / validate on a hand-written PR with an error and a warning.
    const worker = stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "worker", labels: { "app.kubernetes.io/name": "worker" } },
      spec: {
        selector: { matchLabels: { app: "worker" } },
        template: {
          metadata: { labels: { app: "worker" } },
          spec: {
            securityContext: { runAsNonRoot: true },
            containers: [{ name: "worker", image: "ghcr.io/acme/worker:latest" }],
          },
        },
      },
    });
    const workerHead = await humanPr(
      stack,
      "add-worker",
      { "overlays/staging/worker.yaml": worker },
      "Add the worker",
    );
    shots.push({
      name: "validate-failing",
      kind: "check",
      run: runOf(stack, workerHead, "Ferry / validate"),
    });

    // A build: the staging PR, auto-merged; staging healthy; the production PR.
    await publish(stack, "1.5.0", "5");
    const stagingMerge = github
      .pulls("acme/deploy")
      .find((p) => p.head.ref === "ferry/staging/api" && p.merged);
    if (!stagingMerge?.merge_commit_sha) throw new Error("the staging PR did not merge");
    const stagingSha = stagingMerge.merge_commit_sha;
    await report(stack, healthy(stagingSha));
    shots.push({
      name: "reconcile-healthy",
      kind: "check",
      run: runOf(stack, stagingSha, "Ferry / reconcile (staging)"),
    });
    const production = openPr(stack, "ferry/production/api");
    shots.push(prShot("production-pr", production));
    shots.push({
      name: "promotion-verified",
      kind: "check",
      run: runOf(stack, production.head.sha, "Ferry / promotion"),
    });

    // ChatOps, out of order: 1.7.0 never ran in staging.
    const reply = await chatops(stack, releases.number, "/ferry promote api 1.7.0 to production");
    shots.push({ name: "chatops-out-of-order-reply", kind: "comment", author: "ferry[bot]", ...reply });
    const outOfOrder = openPr(stack, "ferry/production/api");
    shots.push(prShot("chatops-out-of-order-pr", outOfOrder));
    shots.push({
      name: "promotion-not-verified",
      kind: "check",
      run: runOf(stack, outOfOrder.head.sha, "Ferry / promotion"),
    });

    // A second build merges in staging; then a ChatOps rollback to 1.5.0.
    await publish(stack, "1.6.0", "6");
    const second = github
      .pulls("acme/deploy")
      .filter((p) => p.head.ref === "ferry/staging/api" && p.merged)
      .at(-1);
    if (!second?.merge_commit_sha) throw new Error("the second staging PR did not merge");
    await report(stack, healthy(second.merge_commit_sha));
    await chatops(stack, releases.number, "/ferry rollback api staging 1.6.0 leaks memory under load");
    const rollback = github
      .pulls("acme/deploy")
      .filter((p) => p.head.ref === "ferry/staging/api")
      .at(-1);
    if (!rollback) throw new Error("no rollback PR");
    shots.push(prShot("rollback-pr", rollback));
    shots.push({
      name: "promotion-rollback",
      kind: "check",
      run: runOf(stack, rollback.head.sha, "Ferry / promotion"),
    });

    // Drift in staging, then back in sync: the closed issue keeps what drifted.
    const drifted = [
      { group: "apps", kind: "Deployment", namespace: "api", name: "api" },
      { kind: "ConfigMap", namespace: "api", name: "api-config" },
    ];
    const at = second.merge_commit_sha;
    await report(stack, {
      ...healthy(at),
      phase: "drifted",
      sync: "OutOfSync",
      drifted: drifted.slice(0, 1),
    });
    await report(stack, { ...healthy(at), phase: "drifted", sync: "OutOfSync", drifted });
    shots.push({
      name: "reconcile-drift",
      kind: "check",
      run: runOf(stack, at, "Ferry / reconcile (staging)"),
    });
    await report(stack, healthy(at));
    const issue = github.issues("acme/deploy").find((i) => i.title === "Drift in staging");
    if (!issue) throw new Error("no drift issue");
    shots.push({
      name: "drift-issue-closed",
      kind: "issue",
      title: issue.title,
      number: issue.number,
      state: issue.state,
      body: issue.body ?? "",
    });
  } finally {
    await stack.close();
  }
  return shots;
}

// ---- the story's steps ----------------------------------------------------------------------

let sequence = Date.now();

function healthy(revision: string): Report {
  return {
    cluster: cluster.name,
    configRepo: "acme/deploy",
    environment: "staging",
    object: { kind: "Application", namespace: "argocd", name: "api" },
    revision,
    url: "https://argocd.acme.test/applications/argocd/api",
    sync: "Synced",
    health: "Healthy",
    phase: "healthy",
    drifted: [],
    observedAt: new Date().toISOString(),
    sequence: ++sequence,
  };
}

async function report(stack: Stack, r: Report): Promise<void> {
  const body = JSON.stringify({ ...r, observedAt: new Date().toISOString(), sequence: ++sequence });
  const answer = await fetch(`${stack.ferry.url}/ferry/v1/reports`, {
    method: "POST",
    headers: signedHeaders(cluster.secret, body, Date.now()),
    body,
  });
  if (answer.status !== 200) throw new Error(`report refused: ${answer.status} ${await answer.text()}`);
  await stack.github.idle();
}

async function publish(stack: Stack, tag: string, digit: string): Promise<void> {
  const digest = `sha256:${digit.repeat(64)}`;
  const sha = stack.github.push("acme/api", {
    branch: "main",
    files: { "src/main.go": `package main // ${tag}\n` },
  });
  await sendWebhook(stack.webhookUrl, webhookSecret, "registry_package", {
    action: "published",
    registry_package: {
      name: "api",
      namespace: "acme",
      package_type: "CONTAINER",
      registry: { url: "https://ghcr.io" },
      package_version: {
        version: digest,
        target_oid: sha,
        container_metadata: { tag: { name: tag, digest } },
        html_url: `https://github.example/acme/api/pkgs/container/api/${digit}`,
      },
    },
    repository: { full_name: "acme/api", html_url: "https://github.example/acme/api" },
    installation: { id: stack.github.installationId },
  });
  await stack.github.idle();
}

async function humanPr(
  stack: Stack,
  branch: string,
  files: Record<string, string>,
  title: string,
): Promise<string> {
  const head = stack.github.push("acme/deploy", {
    branch,
    files,
    message: title,
    author: { name: "Dev", email: "dev@acme.test", login: "dev" },
  });
  await (await stack.developer()).rest.pulls.create({
    owner: "acme",
    repo: "deploy",
    head: branch,
    base: "main",
    title,
  });
  await stack.github.idle();
  return head;
}

async function chatops(
  stack: Stack,
  issue: number,
  body: string,
): Promise<{ body: string; reactions: string[] }> {
  const { data } = await stack
    .user("alice")
    .rest.issues.createComment({ owner: "acme", repo: "deploy", issue_number: issue, body });
  await stack.github.idle();
  const comments = stack.github.comments("acme/deploy", issue);
  const reactions = comments.find((c) => c.id === data.id)?.reactions.map((r) => r.content) ?? [];
  return { body: comments.filter((c) => c.id > data.id).at(-1)?.body ?? "", reactions };
}

function openPr(stack: Stack, branch: string) {
  const pr = stack.github.pulls("acme/deploy").find((p) => p.state === "open" && p.head.ref === branch);
  if (!pr) throw new Error(`no open PR from ${branch}`);
  return pr;
}

function prShot(name: string, pr: { title: string; number: number; body: string | null }): Shot {
  return { name, kind: "pr", title: pr.title, number: pr.number, body: pr.body ?? "" };
}

function runOf(stack: Stack, sha: string, name: string): CheckRunRecord {
  const run = stack.github
    .checkRuns("acme/deploy", sha)
    .filter((r) => r.name === name)
    .at(-1);
  if (!run) throw new Error(`no ${name} on ${sha.slice(0, 7)}`);
  // A copy: the test server updates a reconcile run in place, and the picture shows this moment.
  return structuredClone(run);
}

function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

// ---- rendering ---------------------------------------------------------------------------------

const md = new MarkdownIt({ html: true, linkify: true });

/** GitHub-flavoured markdown as GitHub shows it, alerts (`> [!WARNING]`) included. */
function markdown(text: string): string {
  return md
    .render(text)
    .replace(
      /<blockquote>\s*<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*/g,
      (_m, kind: string) =>
        `<blockquote class="markdown-alert markdown-alert-${kind.toLowerCase()}"><p class="markdown-alert-title">${kind.charAt(0)}${kind.slice(1).toLowerCase()}</p><p>`,
    );
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const conclusionIcon: Record<string, string> = { success: "✅", failure: "❌", neutral: "⚪", skipped: "⏭️" };
const levelIcon: Record<string, string> = { failure: "❌", warning: "⚠️", notice: "ℹ️" };

function page(shot: Shot): string {
  switch (shot.kind) {
    case "pr":
      return `<h1 class="head">${escapeHtml(shot.title)} <span class="muted">#${shot.number}</span></h1>
<div class="box"><div class="box-head"><b>ferry</b> <span class="label">bot</span> commented</div>
<div class="markdown-body">${markdown(shot.body)}</div></div>`;
    case "issue":
      return `<h1 class="head">${escapeHtml(shot.title)} <span class="muted">#${shot.number}</span></h1>
<p><span class="state ${shot.state}">${shot.state === "closed" ? "Closed" : "Open"}</span></p>
<div class="box"><div class="box-head"><b>ferry</b> <span class="label">bot</span> opened this issue</div>
<div class="markdown-body">${markdown(shot.body)}</div></div>`;
    case "comment":
      return `<div class="box"><div class="box-head"><b>ferry</b> <span class="label">bot</span> commented</div>
<div class="markdown-body">${markdown(shot.body)}</div>
<div class="reactions">${shot.reactions.map((r) => `<span class="reaction">${({ "+1": "👍", "-1": "👎", eyes: "👀", confused: "😕" } as Record<string, string>)[r] ?? r} 1</span>`).join(" ")}</div></div>`;
    case "check": {
      const run = shot.run;
      const icon = run.status === "completed" ? (conclusionIcon[run.conclusion ?? ""] ?? "⚪") : "🟡";
      const annotations = run.output.annotations
        .map(
          (
            a,
          ) => `<div class="annotation"><div class="annotation-head">${levelIcon[a.annotation_level] ?? ""} <b>${escapeHtml(a.title ?? "")}</b>
<span class="muted">${escapeHtml(a.path)}#L${a.start_line}</span></div><pre class="annotation-message">${escapeHtml(a.message)}</pre></div>`,
        )
        .join("\n");
      return `<h1 class="head">${icon} ${escapeHtml(run.name)}</h1>
<div class="box"><div class="box-head"><h2 class="title">${escapeHtml(run.output.title ?? "")}</h2></div>
<div class="markdown-body">${markdown(run.output.summary ?? "")}</div></div>
${annotations ? `<h3 class="annotations-head">Annotations</h3>${annotations}` : ""}`;
    }
  }
}

function html(shot: Shot, css: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; background: #fff; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; }
#shot { width: 880px; padding: 16px 24px 24px; box-sizing: border-box; }
.head { font-size: 24px; font-weight: 400; margin: 0 0 12px; }
.muted { color: #59636e; font-weight: 400; }
.box { border: 1px solid #d1d9e0; border-radius: 6px; }
.box-head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; font-size: 14px; border-radius: 6px 6px 0 0; }
.box .markdown-body { padding: 16px; font-size: 14px; }
.title { font-size: 16px; margin: 0; }
.label { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 6px; font-size: 12px; color: #59636e; }
.state { display: inline-block; padding: 4px 12px; border-radius: 2em; color: #fff; font-size: 14px; }
.state.closed { background: #8250df; } .state.open { background: #1f883d; }
.reactions { padding: 0 16px 12px; } .reaction { border: 1px solid #d1d9e0; border-radius: 2em; padding: 2px 8px; font-size: 12px; }
.annotations-head { font-size: 16px; margin: 20px 0 8px; }
.annotation { border: 1px solid #d1d9e0; border-radius: 6px; margin-bottom: 8px; }
.annotation-head { padding: 8px 12px; font-size: 14px; background: #f6f8fa; border-radius: 6px 6px 0 0; }
.annotation-message { margin: 0; padding: 8px 12px; font-size: 12px; white-space: pre-wrap; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
</style></head><body><div id="shot">${page(shot)}</div></body></html>`;
}

async function render(shots: Shot[]): Promise<void> {
  const css = readFileSync(join(root, "node_modules/github-markdown-css/github-markdown-light.css"), "utf8");
  const profile = mkdtempSync(join(tmpdir(), "ferry-screenshots-"));
  // A profile of its own, thrown away after: nothing of the machine's browser state is read or kept.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 880, height: 600 },
    deviceScaleFactor: 1,
  });
  try {
    const page = await context.newPage();
    mkdirSync(out, { recursive: true });
    for (const shot of shots) {
      await page.setContent(html(shot, css), { waitUntil: "load" });
      const path = join(out, `${shot.name}.png`);
      await page.locator("#shot").screenshot({ path });
      console.log(`wrote ${relative(root, path)}`);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const browser = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(browser)) {
  // Said before the story runs: nothing is downloaded, the machine's package is used.
  console.error(
    `No Chromium at ${browser}: install Debian's package (apt-get install chromium) or set CHROMIUM.`,
  );
  process.exit(1);
}
const shots = await collect();
writeFileSync(join(tmpdir(), "ferry-screenshots.json"), JSON.stringify(shots, null, 2));
await render(shots);
