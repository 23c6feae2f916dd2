/**
 * Makes docs/dashboard-example.md and docs/images/dashboard.png: a dashboard issue produced by
 * the real app against the GitHub API test server (three apps through dev → staging →
 * production: merges by two people, cluster reports, a degraded environment, drift, open PRs),
 * then rendered as GitHub shows an issue — a GitHub-flavoured markdown renderer (markdown-it with
 * tables, autolinks and raw HTML; task-list items become disabled checkboxes, as GitHub shows
 * them to a reader), GitHub's stylesheet (github-markdown-css), the mermaid chart drawn by
 * mermaid — and photographed by headless Chromium.
 *
 *   apt-get install -y chromium fonts-noto-color-emoji
 *   npm install --prefix /tmp/ferry-mermaid mermaid@11     # optional: draws the flowchart
 *   npx tsx scripts/dashboard-screenshot.ts [--mermaid /tmp/ferry-mermaid/node_modules/mermaid/dist/mermaid.min.js]
 *
 * Nothing here runs in `npm test`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import MarkdownIt from "markdown-it";
import { signedHeaders } from "../src/reports/signature.js";
import { ferryBuild, kustomization } from "../test/e2e/fixtures.js";
import { report } from "../test/reports/support.js";
import { startStack, webhookSecret } from "../test/support/ferry.js";
import { sendWebhook } from "../test/support/github/index.js";
import { pollUntil } from "../test/support/poll.js";

const { values } = parseArgs({
  options: {
    mermaid: { type: "string" },
    chromium: { type: "string", default: "chromium" },
    out: { type: "string", default: "docs/images/dashboard.png" },
    markdown: { type: "string", default: "docs/dashboard-example.md" },
  },
});
const require = createRequire(import.meta.url);

// 1. The dashboard, as the real app writes it.
const secrets = {
  "dev-1": "dev-1-secret-0123456789ab",
  "staging-1": "staging-1-secret-0123456789",
  "prod-1": "prod-1-secret-0123456789ab",
};
const ferryYml = `environments:
  - name: dev
    paths: [overlays/dev/**]
  - name: staging
    paths: [overlays/staging/**]
    after: dev
    soak: 30m
  - name: production
    paths: [overlays/production/**]
    after: staging
    digest: required
apps:
  - name: api
    image: ghcr.io/acme/api
    source: acme/api
  - name: web
    image: ghcr.io/acme/web
    source: acme/api
  - name: worker
    image: ghcr.io/acme/worker
    source: acme/api
clusters:
  - name: dev-1
    environment: dev
  - name: staging-1
    environment: staging
  - name: prod-1
    environment: production
`;
const overlay = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([app, tag]) => kustomization(tag).replace("ghcr.io/acme/api", `ghcr.io/acme/${app}`))
    .join("---\n");
const stack = await startStack({
  env: {
    FERRY_CLUSTER_SECRETS: Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
    FERRY_DASHBOARD_INTERVAL_MS: "0",
  },
});
const { github } = stack;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const pinned = (tag: string, d: string) => `${tag}"\n    digest: "${d}`;
github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
github.createRepo("acme/deploy", {
  files: {
    "overlays/dev/kustomization.yaml": overlay({ api: "1.4.1", web: "2.2.0", worker: "0.9.3" }),
    "overlays/staging/kustomization.yaml": overlay({ api: "1.4.1", web: "2.2.0", worker: "0.9.3" }),
    "overlays/production/kustomization.yaml": overlay({
      api: pinned("1.4.1", digest("a")),
      web: pinned("2.1.7", digest("b")),
      worker: pinned("0.9.3", digest("c")),
    }),
  },
});
for (const [login, permission] of [
  ["alice", "write"],
  ["bob", "write"],
] as const)
  github.setPermission("acme/deploy", login, permission);
github.push("acme/deploy", { branch: "main", files: { ".github/ferry.yml": ferryYml } });
await github.idle();

const openPull = (env: string, app: string) =>
  pollUntil(
    () => github.pulls("acme/deploy").find((p) => p.state === "open" && p.head.ref === `ferry/${env}/${app}`),
    `the ${env} PR of ${app}`,
    10_000,
  );
const merge = async (env: string, app: string, login: string) => {
  const pr = await openPull(env, app);
  const { data } = await stack
    .user(login)
    .rest.pulls.merge({ owner: "acme", repo: "deploy", pull_number: pr.number, merge_method: "squash" });
  await github.idle();
  return data.sha;
};
const post = async (
  cluster: keyof typeof secrets,
  environment: string,
  over: Parameters<typeof report>[0],
) => {
  const body = JSON.stringify(report({ cluster, environment, ...over }));
  const res = await fetch(`${stack.ferry.url}/ferry/v1/reports`, {
    method: "POST",
    headers: signedHeaders(secrets[cluster], body, Date.now()),
    body,
  });
  if (res.status !== 200) throw new Error(`report refused: ${res.status} ${await res.text()}`);
  await github.idle();
};
const app = (name: string) => ({ object: { kind: "Application" as const, namespace: "argocd", name } });

// api 1.5.0: dev (alice), healthy → staging PR (bob merges), healthy there, soaking.
await sendBuild("api", "1.5.0", "d");
let sha = await merge("dev", "api", "alice");
await post("dev-1", "dev", { ...app("api-dev"), revision: sha });
sha = await merge("staging", "api", "bob");
await post("staging-1", "staging", { ...app("api-staging"), revision: sha });
// web 2.3.0 and 2.3.1 in dev, both merged; 2.3.1 degraded there.
for (const tag of ["2.3.0", "2.3.1"]) {
  await sendBuild("web", tag, "e");
  sha = await merge("dev", "web", "alice");
}
await post("dev-1", "dev", { ...app("web-dev"), revision: sha, health: "Degraded", phase: "degraded" });
// worker 1.0.0 waits in review for dev; production drifted.
await sendBuild("worker", "1.0.0", "f");
const main = github.resolve("acme/deploy", "main") as string;
await post("prod-1", "production", {
  ...app("shop"),
  revision: main,
  sync: "OutOfSync",
  phase: "drifted",
  drifted: [{ group: "apps", kind: "Deployment", namespace: "shop", name: "api" }],
});
await github.idle();

async function sendBuild(image: string, tag: string, c: string): Promise<void> {
  await sendWebhook(stack.webhookUrl, webhookSecret, "repository_dispatch", {
    ...ferryBuild(tag, { digest: digest(c) }, `ghcr.io/acme/${image}`),
    installation: { id: github.installationId },
  });
  await github.idle();
}

const issue = await pollUntil(
  () =>
    github
      .issues("acme/deploy")
      .find((i) => i.labels.includes("ferry:dashboard") && i.body?.includes("drift #")),
  "the dashboard with every update",
  15_000,
).catch((error: Error) => {
  const found = github.issues("acme/deploy");
  throw new Error(
    `${error.message}; issues:\n${found.map((i) => `#${i.number} ${i.title} [${i.labels}]\n${i.body}`).join("\n\n")}`,
  );
});
await stack.close();
// Links as they would be on github.com.
const body = (issue.body ?? "").replaceAll(github.url, "https://github.com");
await writeFile(values.markdown, body);

// 2. Rendered as GitHub renders an issue.
const md = new MarkdownIt({ html: true, linkify: true });
const css = await readFile(require.resolve("github-markdown-css/github-markdown-light.css"), "utf8");
const mermaidPath = values.mermaid ?? tryResolve("mermaid/dist/mermaid.min.js");
if (mermaidPath === undefined)
  console.warn("mermaid not found: the flowchart shows as its source (see --mermaid)");
const html = md
  .render(body)
  .replace(/<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g, '<pre class="mermaid">$1</pre>')
  .replace(
    /<li>\[([ xX])\] /g,
    (_m, mark: string) =>
      `<li class="task-list-item"><input type="checkbox" disabled${mark === " " ? "" : " checked"}> `,
  );
const page = `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style><style>
  body { margin: 0; background: #fff; font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; }
  .frame { width: 960px; padding: 24px 32px 32px; }
  h1.title { font-size: 32px; font-weight: 400; margin: 0 0 8px; }
  h1.title span { color: #59636e; font-weight: 300; }
  .meta { display: flex; gap: 8px; align-items: center; color: #59636e; font-size: 14px; padding-bottom: 16px; border-bottom: 1px solid #d1d9e0; margin-bottom: 16px; }
  .state { background: #1f883d; color: #fff; border-radius: 2em; padding: 5px 12px; font-weight: 500; }
  .label { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 7px; font-size: 12px; font-weight: 500; }
  .comment { border: 1px solid #d1d9e0; border-radius: 6px; }
  .comment-header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; font-size: 14px; color: #59636e; border-radius: 6px 6px 0 0; }
  .comment-header b { color: #1f2328; }
  .markdown-body { padding: 16px; font-size: 14px; }
  .markdown-body pre.mermaid { background: #fff; text-align: center; }
  .markdown-body .task-list-item { list-style-type: none; }
  .markdown-body .task-list-item input { margin: 0 .2em .25em -1.4em; vertical-align: middle; }
</style></head><body><div class="frame">
  <h1 class="title">Ferry dashboard <span>#${issue.number}</span></h1>
  <div class="meta"><span class="state">Open</span><span><b>ferry</b> bot opened this issue</span><span class="label">${issue.labels.join("</span><span class='label'>")}</span></div>
  <div class="comment"><div class="comment-header"><b>ferry</b> <span class="label">bot</span> commented</div>
  <article class="markdown-body">${html}</article></div>
</div>${
  mermaidPath
    ? `<script>${await readFile(mermaidPath, "utf8")}</script><script>mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" }); mermaid.run().then(() => { document.body.dataset.ready = "1"; });</script>`
    : `<script>document.body.dataset.ready = "1";</script>`
}</body></html>`;
const work = await mkdtemp(join(tmpdir(), "ferry-shot-"));
try {
  const file = join(work, "dashboard.html");
  await writeFile(file, page);
  await writeFile(values.out, await screenshot(`file://${file}`, work));
  console.log(`wrote ${values.markdown} and ${values.out}`);
} finally {
  await rm(work, { recursive: true, force: true });
}

function tryResolve(id: string): string | undefined {
  try {
    const path = require.resolve(id);
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A PNG of the whole page: headless Chromium driven over the DevTools protocol (Node's own
 * WebSocket), waiting until the page says it is ready, then clipped to the content.
 */
async function screenshot(url: string, profile: string): Promise<Buffer> {
  const chromium = spawn(
    values.chromium,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--hide-scrollbars",
      `--user-data-dir=${join(profile, "profile")}`,
      "--remote-debugging-port=0",
      "--window-size=1024,800",
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let text = "";
      chromium.stderr.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        const found = /DevTools listening on (ws:\/\/\S+)/.exec(text);
        if (found?.[1]) resolve(found[1]);
      });
      chromium.once("exit", (code) => reject(new Error(`chromium exited (${code}): ${text}`)));
    });
    const cdp = await connect(endpoint);
    const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = <T>(method: string, params: object = {}) => cdp.send<T>(method, params, sessionId);
    await page("Page.enable");
    await page("Emulation.setDeviceMetricsOverride", {
      width: 1024,
      height: 800,
      deviceScaleFactor: 2,
      mobile: false,
    });
    await page("Page.navigate", { url });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { result } = await page<{ result: { value?: string } }>("Runtime.evaluate", {
        expression: "document.body && document.body.dataset.ready",
        returnByValue: true,
      });
      if (result.value === "1") break;
      if (Date.now() > deadline) throw new Error("the page did not finish rendering in 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const { result } = await page<{ result: { value: number } }>("Runtime.evaluate", {
      expression: "Math.ceil(document.querySelector('.frame').getBoundingClientRect().bottom)",
      returnByValue: true,
    });
    const { data } = await page<{ data: string }>("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: 1024, height: result.value, scale: 1 },
    });
    cdp.close();
    return Buffer.from(data, "base64");
  } finally {
    chromium.kill();
  }
}

async function connect(endpoint: string) {
  const socket = new WebSocket(endpoint);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    const pending = message.id === undefined ? undefined : waiting.get(message.id);
    if (!pending) return;
    waiting.delete(message.id as number);
    if (message.error) pending.reject(new Error(message.error.message));
    else pending.resolve(message.result);
  };
  return {
    send<T>(method: string, params: object = {}, sessionId?: string): Promise<T> {
      const id = next++;
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return new Promise<T>((resolve, reject) =>
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }),
      );
    },
    close: () => socket.close(),
  };
}
