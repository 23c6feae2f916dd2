import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run as validateCommand } from "../../src/commands/validate.js";
import { type Stack, startStack } from "../support/ferry.js";
import type { CheckRunRecord, PullRecord } from "../support/github/index.js";
import {
  build,
  concluded,
  eventually,
  freshRepos,
  merge as mergePr,
  openPr as openDeployPr,
} from "./world.js";

const deployment = (image: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  labels: { app.kubernetes.io/name: worker }
spec:
  selector: { matchLabels: { app: worker } }
  template:
    metadata: { labels: { app: worker } }
    spec:
      securityContext: { runAsNonRoot: true }
      containers:
        - name: worker
          image: ${image}
${extra}`;
const resources = `          resources:
            requests: { cpu: 100m, memory: 64Mi }
            limits: { cpu: 500m, memory: 128Mi }
`;

describe("the guard: Ferry / validate, Ferry / promotion and Ferry / audit", () => {
  let stack: Stack;
  /** The latest run of `name` on `sha`, once concluded (and `ready`). */
  const check = (sha: string, name: string, ready?: (run: CheckRunRecord) => boolean) =>
    concluded(stack, sha, name, ready);
  const runs = (sha: string, name: string) =>
    stack.github.checkRuns("acme/deploy", sha).filter((r) => r.name === name);
  const openPr = (branch: string, files: Record<string, string | null>, title?: string) =>
    openDeployPr(stack, branch, files, title);
  const ferryPr = (env: string): PullRecord | undefined =>
    stack.github.pulls("acme/deploy").find((p) => p.state === "open" && p.head.ref === `ferry/${env}/api`);
  /** Ferry answers a comment in the same delivery; its PR's checks come after. */
  const dispatch = (tag: string) => build(stack, tag);
  const merge = (number: number) => mergePr(stack, number);
  const comment = async (body: string) => {
    await stack
      .user("alice")
      .rest.issues.createComment({ owner: "acme", repo: "deploy", issue_number: 1, body });
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  beforeEach(async () => {
    await freshRepos(stack);
    stack.github.setPermission("acme/deploy", "alice", "write");
    await stack.user("alice").rest.issues.create({ owner: "acme", repo: "deploy", title: "Releases" });
  });
  afterAll(() => stack?.close());

  describe("Ferry / validate", () => {
    it("fails each broken rule with an annotation on its line, and passes once fixed", async () => {
      const { head } = await openPr("add-worker", {
        "overlays/staging/worker.yaml": deployment("nginx:latest"),
      });
      const run = await check(head, "Ferry / validate");
      expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
      const byRule = Object.fromEntries(run?.output.annotations.map((a) => [a.title, a]) ?? []);
      expect(byRule["no-latest-tag"]).toMatchObject({
        path: "overlays/staging/worker.yaml",
        start_line: 14,
        annotation_level: "failure",
      });
      expect(byRule["resources-required"]).toMatchObject({
        path: "overlays/staging/worker.yaml",
        annotation_level: "warning",
      });
      expect(run?.output.summary).toContain("no-latest-tag");

      const fixed = stack.github.push("acme/deploy", {
        branch: "add-worker",
        files: { "overlays/staging/worker.yaml": deployment("nginx:1.27.1", resources) },
      });
      expect(await check(fixed, "Ferry / validate")).toMatchObject({ conclusion: "success" });
    });

    it("puts the errors first in its summary, each line linked into the PR's file view", async () => {
      const { head, number } = await openPr("add-worker", {
        // A warning (resources) in a file that sorts first, an error (latest) in a later one.
        "overlays/staging/a-worker.yaml": deployment("nginx:1.27.1"),
        "overlays/staging/b-worker.yaml": deployment("nginx:latest", resources),
      });
      const summary = (await check(head, "Ferry / validate"))?.output.summary ?? "";
      const rows = summary.split("\n").filter((l) => /^\| (❌|⚠️)/.test(l));
      expect(rows.map((r) => r.slice(2, 3))).toEqual(["❌", "⚠"]);
      const path = "overlays/staging/b-worker.yaml";
      const hash = createHash("sha256").update(path).digest("hex");
      expect(rows[0]).toContain(
        `[\`${path}\` line 14](http://${stack.github.host}/acme/deploy/pull/${number}/files#diff-${hash}R14)`,
      );
      expect(rows[0]).toContain("| pin a version |");
      expect(summary.split("\n")[0]).toBe("Fix the error to merge; the warning does not block it.");
    });

    it("reports a malformed YAML file as a failing check with its line, not a crash", async () => {
      const { head } = await openPr("broken", {
        "overlays/staging/bad.yaml": "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n",
      });
      const run = await check(head, "Ferry / validate");
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.annotations[0]).toMatchObject({ path: "overlays/staging/bad.yaml", title: "yaml" });
      expect(run?.output.annotations[0]?.start_line).toBeGreaterThanOrEqual(4);
    });

    it("sends more than 50 annotations in several updates and keeps them all", async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 30; i++) files[`overlays/staging/w${i}.yaml`] = deployment("nginx:latest");
      const { head } = await openPr("many", files);
      // annotations go out 50 per request after the run concludes
      const run = await check(head, "Ferry / validate", (r) => r.output.annotations.length >= 60);
      expect(run?.output.annotations.length).toBeGreaterThan(50);
      expect(run?.output.annotations.filter((a) => a.title === "no-latest-tag")).toHaveLength(30);
    });

    it("still concludes its checks, with the reason, when Ferry fails midway", async () => {
      stack.github.failNext({
        graphql: "FerryPrFiles",
        status: 400,
        times: 1,
        body: { message: "Problems parsing JSON" },
      });
      const { head } = await openPr("flaky", {
        "overlays/staging/w.yaml": deployment("nginx:1.27.1", resources),
      });
      for (const name of ["Ferry / validate", "Ferry / promotion"]) {
        const run = await check(head, name);
        expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
        expect(run.output.summary).toContain("Ferry failed while checking this PR");
      }
    });
    it("runs again when a reviewer re-runs one of its checks", async () => {
      stack.github.failNext({
        graphql: "FerryPrFiles",
        status: 400,
        times: 1,
        body: { message: "Problems parsing JSON" },
      });
      const { head } = await openPr("rerun", {
        "overlays/staging/w.yaml": deployment("nginx:1.27.1", resources),
      });
      const failed = await check(head, "Ferry / validate");
      expect(failed.conclusion).toBe("failure");
      await check(head, "Ferry / promotion");
      stack.github.rerequestCheckRun("acme/deploy", failed.id, "alice");
      const passed = (r: CheckRunRecord) => r.conclusion === "success";
      expect(await check(head, "Ferry / validate", passed)).toMatchObject({ conclusion: "success" });
      expect(await check(head, "Ferry / promotion", passed)).toMatchObject({ conclusion: "success" });
      // the re-run is a new verdict, so a new run; the failed one stays as history
      expect(runs(head, "Ferry / validate").map((r) => r.conclusion)).toEqual(["failure", "success"]);
    });
  });

  describe("GitHub's size limits", () => {
    const utf8 = (text: string | null | undefined) => Buffer.byteLength(text ?? "", "utf8");
    const checkRunPatches = () =>
      stack.github.requests.filter(
        (r) => r.route === "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}" && r.status === 200,
      ).length;
    const gitHubRefusal = {
      message: "Validation Failed",
      errors: [
        {
          resource: "CheckRun",
          code: "custom",
          field: "summary",
          message: "summary exceeds a maximum bytesize of 65535",
        },
      ],
      documentation_url: "https://docs.github.com/rest/checks/runs#update-a-check-run",
      status: "422",
    };

    it("fits multi-byte findings into GitHub's byte limits and concludes both checks", async () => {
      // 150 files whose names are 100 CJK characters: each summary row is ~3 bytes per UTF-16 unit.
      const files: Record<string, string> = {};
      for (let i = 0; i < 150; i++)
        files[`overlays/staging/${"設定".repeat(50)}-${i}.yaml`] = deployment("nginx:latest");
      const { head } = await openPr("multibyte", files);
      const validate = await check(head, "Ferry / validate");
      expect(validate).toMatchObject({ status: "completed", conclusion: "failure" });
      expect(validate?.output.title).toContain("150 errors");
      expect(utf8(validate?.output.summary)).toBeLessThanOrEqual(65_535);
      expect(validate?.output.summary).toMatch(/…and [\d,]+ more findings; see the annotations\./);
      expect(validate?.output.annotations).toHaveLength(300);
      expect(await check(head, "Ferry / promotion")).toMatchObject({
        status: "completed",
        conclusion: "success",
        output: { title: "No promotion in this PR" },
      });
    });

    it("keeps a passed promotion check when writing the validate check fails", async () => {
      // The first completing PATCH is validate's; GitHub refuses it.
      stack.github.failNext({
        method: "PATCH",
        path: /\/check-runs\/\d+$/,
        status: 422,
        body: gitHubRefusal,
      });
      const { head } = await openPr("validate-refused", {
        "overlays/staging/w.yaml": deployment("nginx:1.27.1", resources),
      });
      expect(await check(head, "Ferry / validate")).toMatchObject({
        conclusion: "failure",
        output: { title: "Ferry could not finish this check" },
      });
      expect((await check(head, "Ferry / validate"))?.output.summary).toContain(
        "summary exceeds a maximum bytesize",
      );
      expect(await check(head, "Ferry / promotion")).toMatchObject({
        conclusion: "success",
        output: { title: "No promotion in this PR" },
      });
    });

    it("keeps a finished validate check when writing the promotion check fails", async () => {
      stack.github.failNext({
        method: "PATCH",
        path: /\/check-runs\/\d+$/,
        status: 422,
        skip: 1,
        body: gitHubRefusal,
      });
      const { head } = await openPr("promotion-refused", {
        "overlays/staging/w.yaml": deployment("nginx:1.27.1", resources),
      });
      expect(await check(head, "Ferry / validate")).toMatchObject({
        conclusion: "success",
        output: { title: "No problems in 1 file" },
      });
      expect(await check(head, "Ferry / promotion")).toMatchObject({
        conclusion: "failure",
        output: { title: "Ferry could not finish this check" },
      });
    });

    it("annotates at most 500 of 20,000 findings, says how many more, and keeps the PATCH count bounded", async () => {
      const containers = Array.from(
        { length: 100 },
        (_, i) => `        - name: c${i}\n          image: nginx:latest\n`,
      ).join("");
      const workload = (n: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: w${n}
  labels: { app.kubernetes.io/name: w }
spec:
  selector: { matchLabels: { app: w } }
  template:
    metadata: { labels: { app: w } }
    spec:
      securityContext: { runAsNonRoot: true }
      containers:
${containers}`;
      const files: Record<string, string> = {};
      for (let f = 0; f < 10; f++)
        files[`overlays/staging/many-${f}.yaml`] = Array.from({ length: 10 }, (_, n) => workload(n)).join(
          "---\n",
        );
      stack.github.resetRequests();
      const { head } = await openPr("twenty-thousand", files);
      const validate = await check(head, "Ferry / validate");
      expect(validate?.output.title).toBe("10,000 errors, 10,000 warnings in 10 files");
      expect(validate?.conclusion).toBe("failure");
      expect(validate?.output.annotations).toHaveLength(500);
      // Errors come first: what blocks the PR is what a reviewer sees.
      expect(new Set(validate?.output.annotations.map((a) => a.annotation_level))).toEqual(
        new Set(["failure"]),
      );
      expect(validate?.output.summary).toContain("19,500 more findings are not annotated");
      // 500 annotations are 10 requests of 50 for validate, plus one for promotion.
      expect(checkRunPatches()).toBeLessThanOrEqual(11);
      expect((await check(head, "Ferry / promotion"))?.conclusion).toBe("success");

      // `ferry validate --format sarif` on the same files still lists every finding.
      const dir = await mkdtemp(join(tmpdir(), "ferry-many-"));
      try {
        await mkdir(join(dir, "overlays/staging"), { recursive: true });
        await mkdir(join(dir, ".github"));
        await writeFile(
          join(dir, ".github/ferry.yml"),
          stack.github.readFile("acme/deploy", "main", ".github/ferry.yml") ?? "",
        );
        for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
        let out = "";
        const code = await validateCommand([dir, "--format", "sarif"], {
          stdout: (t) => (out += t),
          stderr() {},
        });
        expect(code).toBe(1);
        expect((JSON.parse(out) as { runs: { results: unknown[] }[] }).runs[0]?.results).toHaveLength(20_000);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("Ferry / promotion", () => {
    it("passes a Ferry PR for the first environment", async () => {
      await dispatch("1.5.0");
      const pr = ferryPr("staging");
      expect(await check(pr?.head.sha ?? "", "Ferry / promotion")).toMatchObject({ conclusion: "success" });
      expect(await check(pr?.head.sha ?? "", "Ferry / validate")).toMatchObject({ conclusion: "success" });
    });

    it("fails production until the tag ran in staging, then names the evidence", async () => {
      await comment("/ferry promote api 1.5.0 to production");
      const prod = await eventually(() => ferryPr("production"), "the production PR");
      const failing = await check(prod.head.sha, "Ferry / promotion");
      expect(failing?.conclusion).toBe("failure");
      expect(failing?.output.summary).toContain("1.5.0 was not verified healthy in staging first");
      expect(failing?.output.annotations[0]).toMatchObject({
        path: "overlays/production/kustomization.yaml",
        start_line: 8,
      });

      await dispatch("1.5.0");
      const staging = ferryPr("staging");
      await merge(staging?.number ?? 0);
      stack.github.rerequestCheckSuite("acme/deploy", prod.head.sha, "alice");
      const passing = await check(prod.head.sha, "Ferry / promotion", (r) => r.id !== failing.id);
      expect(passing?.output.summary).toContain("✅");
      expect(passing?.conclusion).toBe("success");
      // The evidence links the PR that brought the tag.
      expect(passing?.output.summary).toContain(
        `merged in staging by [#${staging?.number}](http://${stack.github.host}/acme/deploy/pull/${staging?.number})`,
      );
    });

    it("fails a downgrade unless it carries the rollback label, and records who applied it", async () => {
      await dispatch("1.5.0");
      await merge(ferryPr("staging")?.number ?? 0);
      await dispatch("1.6.0");
      await merge(ferryPr("staging")?.number ?? 0);
      const kustomization =
        stack.github.readFile("acme/deploy", "main", "overlays/staging/kustomization.yaml") ?? "";
      const { head, number } = await openPr("back", {
        "overlays/staging/kustomization.yaml": kustomization.replace("1.6.0", "1.5.0"),
      });
      const refused = await check(head, "Ferry / promotion");
      expect(refused.output.summary).toContain("downgrade from 1.6.0");
      await stack.user("alice").rest.issues.addLabels({
        owner: "acme",
        repo: "deploy",
        issue_number: number,
        labels: ["ferry:rollback"],
      });
      const run = await check(head, "Ferry / promotion", (r) => r.id !== refused.id);
      expect(run?.conclusion).toBe("success");
      expect(run?.output.summary).toContain("**Override:** the `ferry:rollback` label, applied by @alice.");
      expect(run?.output.summary).toContain("rollback to a tag that merged in staging");
    });

    it("fails a Ferry PR that changes anything besides image references", async () => {
      await dispatch("1.5.0");
      const head = stack.github.push("acme/deploy", {
        branch: "ferry/staging/api",
        files: { "overlays/staging/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n" },
        author: { name: "Mallory", email: "m@acme.test" },
      });
      const run = await check(head, "Ferry / promotion");
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.summary).toContain("also changes: `overlays/staging/extra.yaml`");
    });

    const kustomizationPath = "overlays/staging/kustomization.yaml";
    it.each([
      ["a changed manifest line", (t: string) => t.replace("  - ../../base", "  - ../../base-with-sidecar")],
      ["a changed comment", (t: string) => t.replace("# the API server", "# the API server, reviewed")],
    ])("fails a Ferry PR whose changed file has %s beside the new tag", async (_, edit) => {
      await dispatch("1.5.0");
      const bumped = stack.github.readFile("acme/deploy", "ferry/staging/api", kustomizationPath) ?? "";
      expect(edit(bumped)).not.toBe(bumped);
      const head = stack.github.push("acme/deploy", {
        branch: "ferry/staging/api",
        files: { [kustomizationPath]: edit(bumped) },
        author: { name: "Mallory", email: "m@acme.test" },
      });
      const run = await check(head, "Ferry / promotion");
      expect(run.conclusion).toBe("failure");
      expect(run.output.summary).toContain(`also changes: \`${kustomizationPath}\``);
    });

    it("fails a Ferry PR that changes the second document of a file whose image it bumped", async () => {
      const twoDocs = (configData: string) =>
        `${deployment("ghcr.io/acme/api:1.4.1", resources)}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  mode: ${configData}\n`;
      stack.github.push("acme/deploy", {
        branch: "main",
        files: { "overlays/staging/api.yaml": twoDocs("safe") },
      });
      await dispatch("1.5.0");
      const path = "overlays/staging/api.yaml";
      const bumped = stack.github.readFile("acme/deploy", "ferry/staging/api", path) ?? "";
      expect(bumped).toContain("ghcr.io/acme/api:1.5.0");
      const head = stack.github.push("acme/deploy", {
        branch: "ferry/staging/api",
        files: { [path]: bumped.replace("mode: safe", "mode: debug") },
        author: { name: "Mallory", email: "m@acme.test" },
      });
      const run = await check(head, "Ferry / promotion");
      expect(run.conclusion).toBe("failure");
      expect(run.output.summary).toContain(`also changes: \`${path}\``);
      // the tag itself was Ferry's: the kustomization bump is not flagged
      expect(run.output.summary).not.toContain(kustomizationPath);
    });
  });

  describe("Ferry / audit", () => {
    it("fails a push that reached main without a PR, naming the commit and author", async () => {
      const sha = stack.github.push("acme/deploy", {
        branch: "main",
        files: { "overlays/staging/hotfix.yaml": "a: 1\n" },
        message: "Hotfix straight to main",
        author: { name: "Eve", email: "eve@acme.test", login: "eve" },
      });
      const run = await check(sha, "Ferry / audit");
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.summary).toContain(`| ${sha.slice(0, 7)} |`);
      expect(run?.output.summary).toContain("Hotfix straight to main");
    });

    it("leaves a merged PR's commits alone", async () => {
      await dispatch("1.5.0");
      await merge(ferryPr("staging")?.number ?? 0);
      const sha = stack.github.resolve("acme/deploy", "main") ?? "";
      await stack.idle(); // nothing to wait for: every delivery answered, and no audit
      expect(runs(sha, "Ferry / audit")).toEqual([]);
    });
  });
});
