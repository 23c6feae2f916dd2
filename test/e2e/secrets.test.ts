import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FerryProcess, startFerryProcess, testServerEnv } from "../support/ferry-process.js";
import {
  type GitHubServer,
  generateAppKeyPair,
  sendWebhook,
  startGitHubServer,
} from "../support/github/index.js";
import { pollUntil } from "../support/poll.js";
import { configRepoFiles, ferryBuild, ferryYml } from "./fixtures.js";

const appId = 1234;
const webhookSecret = "secrets-test-webhook-secret";
const author = { name: "Dev", email: "dev@acme.test", login: "dev" };

/** A value nobody else writes: any output that holds it (or its base64) echoed a secret. */
const secret = `hunter2${randomBytes(6).toString("hex")}`;
const secret64 = Buffer.from(secret).toString("base64");

/** The secret in every position Ferry reads, valid and broken. */
const base: Record<string, string> = {
  ...configRepoFiles(),
  "overlays/staging/secret.yaml": `apiVersion: v1
kind: Secret
metadata: { name: db }
data: { password: ${secret64} }
stringData: { token: ${secret} }
`,
  "overlays/staging/values.yaml": `image: { repository: ghcr.io/acme/api, tag: "1.4.1" }
db: { password: ${secret} }
`,
};
const changed: Record<string, string> = {
  "overlays/staging/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: &${secret} { name: api }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.4.1
          env: [{ name: PASSWORD, value: ${secret} }]
`,
  "overlays/staging/alias.yaml": `apiVersion: v1
kind: ConfigMap
metadata: { name: a }
data:
  password: *${secret}
`,
  "overlays/staging/unterminated.yaml": `password: "${secret}\nother: 1\n`,
  "overlays/staging/escape.yaml": `password: "${secret}\\q"\n`,
  "overlays/staging/nested.yaml": `password: ${secret}: x\n`,
  "overlays/staging/tag.yaml": `password: !${secret} x\n`,
  "overlays/staging/start.yaml": `password: @${secret}\n`,
  "overlays/staging/duplicate.yaml": `password: ${secret}\npassword: ${secret}x\n`,
  "overlays/staging/bad-flow.yaml": `password: [${secret} ${secret}: }\n`,
  ".github/ferry.yml": `${ferryYml}clusters:\n  - name: *${secret}\n    environment: staging\n`,
};

describe("secrets are never echoed", () => {
  let github: GitHubServer;
  let ferry: FerryProcess;
  const temps: string[] = [];

  beforeAll(async () => {
    const keys = generateAppKeyPair();
    github = await startGitHubServer({ appId, privateKey: keys.privateKey, account: "acme" });
    github.createRepo("acme/deploy", { files: base });
    github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
    ferry = await startFerryProcess({
      ...testServerEnv({ github, appId, privateKey: keys.privateKey, webhookSecret }),
      LOG_LEVEL: "trace",
    });
    github.setWebhook({ url: `${ferry.url}/api/github/webhooks`, secret: webhookSecret });
  }, 60_000);

  afterAll(async () => {
    await ferry?.stop();
    await github?.close();
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  const checkDone = (repo: string, sha: string, name: string) =>
    pollUntil(
      () => github.checkRuns(repo, sha).find((r) => r.name === name && r.status === "completed"),
      `${name} on ${sha.slice(0, 7)}`,
      60_000,
      100,
    );

  it("in no check run, annotation, PR, issue, comment or log line of the app, even at trace level", async () => {
    // A PR that adds the secret everywhere, valid and broken, ferry.yml included.
    const head = github.push("acme/deploy", {
      branch: "secrets",
      files: changed,
      message: "secrets",
      author,
    });
    const developer = new Octokit({ baseUrl: github.apiUrl, auth: github.userToken("dev") });
    await developer.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "secrets",
      base: "main",
      title: "x",
    });
    const validate = await checkDone("acme/deploy", head, "Ferry / validate");
    await checkDone("acme/deploy", head, "Ferry / promotion");
    await checkDone("acme/deploy", head, "Ferry / config");
    // The findings are there, at their lines: only the secret is missing from them.
    expect(validate.output.annotations).toContainEqual(
      expect.objectContaining({ path: "overlays/staging/alias.yaml", start_line: 5, title: "yaml" }),
    );
    // The same ferry.yml pushed to the default branch.
    const pushed = github.push("acme/deploy", {
      branch: "main",
      files: { ".github/ferry.yml": changed[".github/ferry.yml"] ?? "" },
      message: "config",
      author,
    });
    await checkDone("acme/deploy", pushed, "Ferry / config");
    // Back to a valid ferry.yml, then a build: the promotion PR rewrites a file holding the secret.
    github.push("acme/deploy", {
      branch: "main",
      files: { ".github/ferry.yml": ferryYml },
      message: "fix",
      author,
    });
    await github.idle();
    await sendWebhook(`${ferry.url}/api/github/webhooks`, webhookSecret, "repository_dispatch", {
      ...ferryBuild("1.4.2"),
      installation: { id: github.installationId },
    });
    const promotion = await pollUntil(
      () => github.pulls("acme/deploy").find((p) => p.head.ref === "ferry/staging/api"),
      "the promotion PR",
      60_000,
      100,
    );
    expect(promotion.title).toContain("1.4.2");
    await github.idle();

    const written = [
      ...["acme/deploy", "acme/api"].flatMap((repo) => github.checkRuns(repo)),
      ...github.pulls("acme/deploy"),
      ...github.issues("acme/deploy"),
      ...github.comments("acme/deploy"),
    ];
    expect(written.length).toBeGreaterThan(5);
    const everything = JSON.stringify(written);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(secret64);

    const log = ferry.output();
    expect(log).toContain("GitHub request: PATCH"); // trace logging is on and reaches the log
    expect(log).not.toContain(secret);
    expect(log).not.toContain(secret64);
    // No request body at any level: a GitHub request's log line carries its message only.
    for (const line of log.split("\n").filter((l) => l.includes('"GitHub request: '))) {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(record).sort(), line.slice(0, 300)).toEqual([
        "hostname",
        "level",
        "msg",
        "name",
        "pid",
        "time",
      ]);
    }
    expect(ferry.exit()).toBeUndefined();
  }, 180_000);

  it("in no output of ferry validate (text, JSON, SARIF) or ferry plan", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-secrets-"));
    temps.push(dir);
    for (const [path, text] of Object.entries({ ...base, ...changed })) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    // ferry.yml with the secret is validated first; then the manifests under a valid one.
    const runs = [
      ["validate", dir],
      ["validate", dir, "--format", "json"],
      ["validate", dir, "--format", "sarif"],
    ];
    const valid = join(dir, "valid-ferry.yml");
    writeFileSync(valid, ferryYml);
    runs.push(
      ["validate", dir, "--config", valid],
      ["validate", dir, "--config", valid, "--format", "json"],
      ["validate", dir, "--config", valid, "--format", "sarif"],
      // The plan's diff shows the lines around each change, as `git diff` would: it is the
      // user's own file. Everything else it prints (references, findings) is checked.
      ["plan", "--image", "ghcr.io/acme/api:1.4.2", "--env", "staging", "--config", valid, "--json", dir],
    );
    let findings = 0;
    for (const argv of runs) {
      const out = await cli(argv);
      const stderr = out.stderr;
      let stdout = out.stdout;
      if (argv[0] === "plan") {
        const plan = JSON.parse(stdout) as { changes: { diff?: string }[] };
        expect(plan.changes.length).toBeGreaterThan(0);
        for (const change of plan.changes) change.diff = undefined;
        stdout = JSON.stringify(plan);
      }
      expect(stdout.length, argv.join(" ")).toBeGreaterThan(0);
      findings += stdout.split("\n").filter((l) => l.includes("alias.yaml")).length;
      for (const output of [stdout, stderr]) {
        expect(output, argv.join(" ")).not.toContain(secret);
        expect(output, argv.join(" ")).not.toContain(secret64);
      }
    }
    expect(findings).toBeGreaterThan(0);
  }, 120_000);
});

function cli(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", ...argv],
      { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (_error, stdout, stderr) => resolve({ stdout, stderr }),
    );
  });
}
