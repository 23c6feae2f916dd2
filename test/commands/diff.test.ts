import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { helmPath, kubectlPath } from "../../scripts/tools.js";
import { run } from "../../src/commands/diff.js";

const ferryYml =
  "environments:\n  - name: staging\n    paths: [overlays/staging/**]\n  - name: production\n    paths: [overlays/production/**]\napps: []\npolicy: { no-plaintext-secrets: off }\n";
const overlay = (tag: string) =>
  `resources: [../../base]\nimages: [{ name: ghcr.io/acme/api, newTag: "${tag}" }]\nsecretGenerator:\n  - name: db\n    literals: [password=hunter2-${tag}]\n`;
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers: [{ name: api, image: "ghcr.io/acme/api:1.0.0" }]
`;

describe("ferry diff", () => {
  let dir: string;
  const write = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  };
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", ...args], { stdio: "pipe" });
  const ferry = async (...argv: string[]) => {
    let stdout = "";
    let stderr = "";
    const code = await run([dir, ...argv], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    process.env.FERRY_KUBECTL = await kubectlPath();
    process.env.FERRY_HELM = await helmPath();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const init = () => {
    dir = mkdtempSync(join(tmpdir(), "ferry-diff-test-"));
    git("init", "-q", "-b", "main");
    write({
      ".github/ferry.yml": ferryYml,
      "base/kustomization.yaml": "resources: [deployment.yaml]\n",
      "base/deployment.yaml": deployment,
      "overlays/staging/kustomization.yaml": overlay("1.4.1"),
      "overlays/production/kustomization.yaml": overlay("1.4.1"),
    });
    git("add", "-A");
    git("commit", "-qm", "base");
  };

  it("prints the rendered diff of the working tree against HEAD: the image line, and a masked Secret", async () => {
    init();
    write({ "overlays/staging/kustomization.yaml": overlay("1.5.0") });
    const { code, stdout } = await ferry();
    expect(code).toBe(0);
    expect(stdout).toContain("# staging");
    expect(stdout).not.toContain("# production");
    expect(stdout).toContain(
      "-        - image: ghcr.io/acme/api:1.4.1\n+        - image: ghcr.io/acme/api:1.5.0",
    );
    // The generated Secret's name changes with its data; its value is never printed.
    expect(stdout).toMatch(/## Secret db-\w+ \(added\)/);
    expect(stdout).toContain("password: <secret value>");
    expect(stdout).not.toContain("hunter2");
    expect(stdout).not.toContain(Buffer.from("hunter2-1.5.0").toString("base64"));
  });

  it("compares two refs", async () => {
    init();
    write({ "overlays/production/kustomization.yaml": overlay("1.5.0") });
    git("commit", "-qam", "prod");
    const { code, stdout } = await ferry("--base", "HEAD~1", "--head", "HEAD");
    expect(code).toBe(0);
    expect(stdout).toContain("# production");
    expect(stdout).toContain("+        - image: ghcr.io/acme/api:1.5.0");
  });

  it("refuses a symbolic link out of the repository and exits 1", async () => {
    init();
    symlinkSync("/etc/passwd", join(dir, "overlays/staging/passwd.yaml"));
    write({
      "overlays/staging/kustomization.yaml": `${overlay("1.4.1")}configMapGenerator:\n  - name: x\n    files: [passwd.yaml]\n`,
    });
    const { code, stdout } = await ferry();
    expect(code).toBe(1);
    expect(stdout).toContain("overlays/staging/passwd.yaml:1:1: error symbolic link");
    expect(stdout).not.toContain("root:x:0:0");
  });

  it("says which flag is wrong", async () => {
    init();
    const { code, stderr } = await ferry("--env", "qa");
    expect(code).toBe(2);
    expect(stderr).toContain('unknown environment "qa"');
  });
});
