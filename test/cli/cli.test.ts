/** The `ferry` CLI as users run it: the compiled dist/cli.js in a child process. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, sharedBuild } from "../support/build.js";
import { KubeTestServer } from "../support/kube/server.js";
import { freePort } from "../support/processes.js";

const exec = promisify(execFile);
let work: string;
let cli: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ferry-cli-"));
  cli = join(await sharedBuild(), "dist", "cli.js");
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

/** Runs `ferry ...args`; a process that does not exit within 10 s fails the test. */
async function ferry(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 10_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; killed?: boolean; stdout: string; stderr: string };
    if (failed.killed) throw new Error(`ferry ${args.join(" ")} did not exit: it started something`);
    return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const commands = ["serve", "agent", "validate", "plan", "status"];

describe("ferry", () => {
  it("--help lists every command with a one-line description", async () => {
    const { code, stdout } = await ferry(["--help"]);
    expect(code).toBe(0);
    for (const command of commands)
      expect(stdout).toMatch(new RegExp(`^  ${command} +[A-Z][^\\n]{20,}$`, "m"));
  });

  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
      version: string;
    };
    expect(await ferry(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("an unknown command is a usage error (2) that shows the commands", async () => {
    const { code, stderr } = await ferry(["deploy"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "deploy"');
    expect(stderr).toContain("validate");
  });

  it("agent --help prints help and starts nothing, even with a complete environment", async () => {
    const kube = await KubeTestServer.start();
    try {
      const kubeconfig = join(work, "kubeconfig");
      await writeFile(kubeconfig, kube.kubeconfig());
      const { code, stdout } = await ferry(["agent", "--help"], {
        FERRY_URL: "http://127.0.0.1:9",
        FERRY_CLUSTER: "prod-eu-1",
        FERRY_CLUSTER_SECRET: "0123456789abcdef0123",
        FERRY_NAMESPACE: "ferry",
        KUBECONFIG: kubeconfig,
        HEALTH_PORT: "0",
      });
      expect(code).toBe(0);
      expect(stdout).toMatch(/^usage: ferry agent/);
      expect(kube.requests).toEqual([]);
    } finally {
      await kube.close();
    }
  });

  it("serve --help prints help and does not listen", async () => {
    const port = await freePort();
    const { code, stdout } = await ferry(["serve", "-h"], {
      APP_ID: "1",
      PRIVATE_KEY: "unused",
      WEBHOOK_SECRET: "unused",
      PORT: String(port),
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: ferry serve/);
  });

  it.each(["validate", "plan", "status"])("%s --help prints its usage and exits 0", async (command) => {
    const { code, stdout } = await ferry([command, "--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^usage: ferry ${command}`));
  });

  it("status without a token or a repo is a usage error (2) that says what to set", async () => {
    const noToken = await ferry(["status", "--repo", "acme/deploy"]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^ferry status: set GITHUB_TOKEN \(or GH_TOKEN\)/);
    const badRepo = await ferry(["status", "--repo", "acme"], { GITHUB_TOKEN: "t" });
    expect(badRepo.code).toBe(2);
    expect(badRepo.stderr).toMatch(/^ferry status: --repo must be owner\/name, not "acme"/);
  });

  it("docs/cli.md documents every command and the exit codes", async () => {
    const doc = await readFile(join(repoRoot, "docs", "cli.md"), "utf8");
    for (const command of commands) expect(doc).toContain(`## \`ferry ${command}\``);
    expect(doc).toMatch(/\| `2` \|/);
  });
});
