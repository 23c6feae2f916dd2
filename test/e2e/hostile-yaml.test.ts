import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FerryProcess,
  startFerryProcess,
  testServerEnv,
  watchHealth,
} from "../support/ferry-process.js";
import {
  type CheckRunRecord,
  type GitHubServer,
  generateAppKeyPair,
  sendWebhook,
  startGitHubServer,
} from "../support/github/index.js";
import { hostileCases } from "../support/hostile-yaml.js";
import { pollUntil } from "../support/poll.js";
import { configRepoFiles, ferryBuild } from "./fixtures.js";

const appId = 1234;
const secret = "hostile-yaml-webhook-secret";
const author = { name: "Dev", email: "dev@acme.test", login: "dev" };

/**
 * Ferry as a real child process, fed every hostile YAML class: a native abort would end the
 * process, which no in-process test can observe. /healthz is polled throughout.
 */
describe("the app, as a child process, on hostile YAML", () => {
  let github: GitHubServer;
  let ferry: FerryProcess;

  beforeAll(async () => {
    const keys = generateAppKeyPair();
    github = await startGitHubServer({ appId, privateKey: keys.privateKey, account: "acme" });
    github.createRepo("acme/deploy", { files: configRepoFiles() });
    github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
    ferry = await startFerryProcess(
      testServerEnv({ github, appId, privateKey: keys.privateKey, webhookSecret: secret }),
    );
    github.setWebhook({ url: `${ferry.url}/api/github/webhooks`, secret });
  }, 60_000);

  afterAll(async () => {
    await ferry?.stop();
    await github?.close();
  });

  const completed = (repo: string, sha: string, name: string) =>
    pollUntil(
      () => {
        // A dead process answers nothing: fail at once, with how it died.
        const exit = ferry.exit();
        if (exit) throw new Error(`Ferry exited (${JSON.stringify(exit)}):\n${ferry.output().slice(-3_000)}`);
        return github
          .checkRuns(repo, sha)
          .filter((r) => r.name === name && r.status === "completed")
          .at(-1);
      },
      `${name} on ${repo}@${sha.slice(0, 7)}`,
      180_000,
      200,
    );
  const alive = () => {
    expect(ferry.exit(), ferry.output().slice(-3_000)).toBeUndefined();
  };

  it("a PR adding each class twice under an environment's paths: every file gets its finding on Ferry / validate", async () => {
    const health = watchHealth(ferry.url, 100, 15_000);
    const files: Record<string, Buffer> = {};
    for (const c of hostileCases()) {
      for (const copy of [1, 2]) files[`overlays/staging/hostile/${c.name}-${copy}.yaml`] = c.bytes;
    }
    const head = github.push("acme/deploy", { branch: "hostile", files, message: "Hostile YAML", author });
    const developer = new Octokit({ baseUrl: github.apiUrl, auth: github.userToken("dev") });
    await developer.rest.pulls.create({
      owner: "acme",
      repo: "deploy",
      head: "hostile",
      base: "main",
      title: "x",
    });

    const check: CheckRunRecord = await completed("acme/deploy", head, "Ferry / validate");
    alive();
    expect(check.conclusion).toBe("failure");
    for (const c of hostileCases()) {
      for (const copy of [1, 2]) {
        const path = `overlays/staging/hostile/${c.name}-${copy}.yaml`;
        const failures = check.output.annotations.filter(
          (a) => a.path === path && a.annotation_level === "failure",
        );
        if (c.expect === "accepted") {
          expect(failures, path).toEqual([]);
        } else {
          // Over the guard's 1 MiB limit for a changed file, a file is refused before parsing.
          const tooLarge = c.bytes.length > 1024 * 1024;
          const { refused, line } = c.expect;
          expect(failures, path).toContainEqual(
            expect.objectContaining(
              tooLarge
                ? { title: "yaml-limits", start_line: 1 }
                : { title: refused, ...(line === undefined ? {} : { start_line: line }) },
            ),
          );
        }
      }
    }
    const { failures } = await health.stop();
    expect(failures).toEqual([]);
    alive();
  }, 240_000);

  it("each class as .github/ferry.yml in a PR, pushed to the config repo and to an app repo, then a build: Ferry / config says why", async () => {
    const health = watchHealth(ferry.url, 100, 15_000);
    const developer = new Octokit({ baseUrl: github.apiUrl, auth: github.userToken("dev") });
    for (const c of hostileCases()) {
      const files = { ".github/ferry.yml": c.bytes };
      const branch = `config-${c.name}`;
      const proposed = github.push("acme/deploy", { branch, files, message: c.name, author });
      await developer.rest.pulls.create({
        owner: "acme",
        repo: "deploy",
        head: branch,
        base: "main",
        title: c.name,
      });
      const deploy = github.push("acme/deploy", { branch: "main", files, message: c.name, author });
      const api = github.push("acme/api", { branch: "main", files, message: c.name, author });
      for (const [repo, sha] of [
        ["acme/deploy", proposed],
        ["acme/deploy", deploy],
        ["acme/api", api],
      ] as const) {
        const check = await completed(repo, sha, "Ferry / config");
        alive();
        expect(check.conclusion, `${c.name} in ${repo}`).toBe("failure");
        if (c.expect !== "accepted") {
          const line = c.expect.line;
          expect(check.output.annotations, `${c.name} in ${repo}`).toContainEqual(
            expect.objectContaining({
              annotation_level: "failure",
              message: expect.stringMatching(/^YAML: /),
              ...(line === undefined ? {} : { start_line: line }),
            }),
          );
        }
      }
      // A build makes Ferry read every installed repo's ferry.yml for its config-repo index.
      const status = await sendWebhook(`${ferry.url}/api/github/webhooks`, secret, "repository_dispatch", {
        ...ferryBuild("9.9.9"),
        installation: { id: github.installationId },
      });
      expect(status, `${c.name}\n${ferry.output().slice(-4_000)}`).toBeLessThan(300);
      alive();
    }
    const { failures } = await health.stop();
    expect(failures).toEqual([]);
    alive();
  }, 600_000);
});
