/**
 * Registering Ferry through GitHub's manifest flow, start to finish: `ferry serve` without an app
 * serves the form, the user confirms on GitHub (the test server's createAppFromManifest stands in
 * for that click), the browser returns with the code, Ferry converts it and writes the settings;
 * then Ferry started with those files receives a webhook and posts a check run.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot, sharedBuild } from "../support/build.js";
import { type GitHubServer, generateAppKeyPair, startGitHubServer } from "../support/github/index.js";
import { createAppFromManifest } from "../support/github/routes/manifests.js";
import { freePort, start, waitForStatus } from "../support/processes.js";

const keys = generateAppKeyPair();
let github: GitHubServer;
let appDir: string;
let work: string;

beforeAll(async () => {
  appDir = await sharedBuild();
  work = await mkdtemp(join(tmpdir(), "ferry-setup-"));
  github = await startGitHubServer({ appId: 1234, privateKey: keys.privateKey, account: "acme" });
}, 120_000);
afterAll(async () => {
  await github.close();
  await rm(work, { recursive: true, force: true });
});

const unescapeHtml = (text: string) =>
  text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");

function ferry(env: Record<string, string>) {
  return start([process.execPath, join(appDir, "dist", "cli.js"), "serve"], {
    cwd: appDir,
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      ...env,
    },
  });
}

describe("app registration (no APP_ID)", () => {
  it("serves the manifest form, converts GitHub's code, writes the settings 0600, and Ferry runs on them", async () => {
    const setupPort = await freePort();
    const appPort = await freePort();
    const publicUrl = `http://127.0.0.1:${appPort}`;
    const setup = ferry({ PORT: String(setupPort), FERRY_PUBLIC_URL: publicUrl, FERRY_SETUP_DIR: work });
    const base = `http://127.0.0.1:${setupPort}`;
    await waitForStatus(`${base}/`, 200, setup);

    // The page: a form that posts app.yml's manifest to GitHub, with where to come back to.
    const page = await (await fetch(`${base}/`)).text();
    const action = unescapeHtml(/<form action="([^"]+)" method="post">/.exec(page)?.[1] ?? "");
    const manifestJson = unescapeHtml(/name="manifest" value="([^"]+)"/.exec(page)?.[1] ?? "");
    const state = new URL(action).searchParams.get("state") ?? "";
    expect(action).toBe(`${github.url}/settings/apps/new?state=${state}`);
    const manifest = JSON.parse(manifestJson) as Record<string, unknown>;
    const appYml = parse(await readFile(join(repoRoot, "app.yml"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: appYml.name,
      default_permissions: appYml.default_permissions,
      default_events: appYml.default_events,
      hook_attributes: { url: `${publicUrl}/api/github/webhooks`, active: true },
      redirect_url: `${base}/setup/callback`,
    });

    // The user confirms on GitHub, which redirects the browser back with a code.
    const code = createAppFromManifest(github.state, manifestJson, { pem: keys.privateKey });
    const forged = await fetch(`${manifest.redirect_url}?code=${code}&state=not-the-state`);
    expect(forged.status).toBe(400);
    const done = await fetch(`${manifest.redirect_url}?code=${code}&state=${state}`);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("installations/new");
    expect(await setup.exited).toBe(0);
    expect(setup.output()).toContain("Wrote ");
    expect(setup.output()).not.toContain("BEGIN");

    // Only the user can read what GitHub generated.
    const envFile = join(work, "ferry-app.env");
    const keyFile = join(work, "ferry-app.pem");
    for (const file of [envFile, keyFile]) expect((await stat(file)).mode & 0o777).toBe(0o600);
    const settings = Object.fromEntries(
      (await readFile(envFile, "utf8"))
        .split("\n")
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(settings).toMatchObject({ APP_ID: "1234", GHE_HOST: github.host, GHE_PROTOCOL: "http" });
    expect(settings.WEBHOOK_SECRET).toMatch(/^[0-9a-f]{40}$/);
    expect(await readFile(keyFile, "utf8")).toBe(keys.privateKey);

    // Ferry on those settings: GitHub delivers with the generated secret, Ferry answers as the app.
    const app = ferry({ ...settings, PRIVATE_KEY_PATH: keyFile, PORT: String(appPort), LOG_LEVEL: "warn" });
    try {
      await waitForStatus(`${publicUrl}/readyz`, 200, app);
      github.setWebhook({
        url: String((manifest.hook_attributes as { url: string }).url),
        secret: settings.WEBHOOK_SECRET ?? "",
      });
      github.createRepo("acme/deploy", { files: { "README.md": "# deploy\n" } });
      const sha = github.push("acme/deploy", {
        branch: "main",
        files: { ".github/ferry.yml": "environments: []\n" },
      });
      await github.idle();
      await expect
        .poll(
          () => github.checkRuns("acme/deploy", sha).find((r) => r.name === "Ferry / config")?.conclusion,
          {
            timeout: 10_000,
          },
        )
        .toBe("failure");
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  it("a second registration never overwrites the first one's key", async () => {
    const port = await freePort();
    const setup = ferry({ PORT: String(port), FERRY_SETUP_DIR: work });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForStatus(`${base}/`, 200, setup);
      const page = await (await fetch(`${base}/`)).text();
      const action = unescapeHtml(/<form action="([^"]+)"/.exec(page)?.[1] ?? "");
      const manifestJson = unescapeHtml(/name="manifest" value="([^"]+)"/.exec(page)?.[1] ?? "");
      const code = createAppFromManifest(github.state, manifestJson, { pem: "-----BEGIN another key" });
      const answer = await fetch(
        `${base}/setup/callback?code=${code}&state=${new URL(action).searchParams.get("state")}`,
      );
      expect(answer.status).toBe(500);
      expect(await answer.text()).toContain("already exists");
      expect(await readFile(join(work, "ferry-app.pem"), "utf8")).toBe(keys.privateKey);
    } finally {
      await setup.stop();
    }
  });

  it("in a container (NODE_ENV=production) a missing APP_ID stops Ferry instead of opening registration", async () => {
    const running = ferry({ NODE_ENV: "production", PORT: String(await freePort()) });
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain("APP_ID: is not set");
  });
});
