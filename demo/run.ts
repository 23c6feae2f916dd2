/**
 * `npm run demo`: Ferry's main job end to end on this machine. It starts the GitHub API test
 * server, the real Ferry app (pointed at it exactly as at GitHub Enterprise Server) and tells
 * the promotion story step by step, from what the servers really answered.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { createTwoFilesPatch } from "diff";
import { helmPath, kubectlPath } from "../scripts/tools.js";
import { startStack, webhookSecret } from "../test/support/ferry.js";
import { sendWebhook } from "../test/support/github/index.js";
import { clusterStory, clusterStoryEnv } from "./cluster-story.js";

const exampleRepo = new URL("../examples/config-repo/", import.meta.url).pathname;
const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const dim = (s: string) => `\x1b[2m${s}\x1b[0m`;
const mark = (ok: boolean) => (ok ? "\x1b[32m✔\x1b[0m" : "\x1b[31m✘\x1b[0m");
let step = 0;
const say = (title: string) => console.log(`\n${bold(`${++step}. ${title}`)}`);
const show = (line = "") => console.log(`   ${line}`);

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

const stack = await startStack({
  env: {
    ...clusterStoryEnv,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "fatal",
    // The rendered diff, with the pinned kubectl and helm the tests use.
    FERRY_RENDER: "on",
    FERRY_KUBECTL: await kubectlPath(),
    FERRY_HELM: await helmPath(),
  },
});
const { github } = stack;
try {
  console.log(bold("Ferry demo") + dim(`  (GitHub test server ${github.host}, Ferry ${stack.ferry.url})`));
  const files = readTree(exampleRepo);
  const goodConfig = files[".github/ferry.yml"] as string;

  say("A platform team creates the config repo acme/deploy from examples/config-repo");
  github.createRepo("acme/deploy", {
    files: { ...files, ".github/ferry.yml": "# ferry.yml comes next\n" },
    settings: { allowAutoMerge: true },
  });
  // Branch protection: PRs need green Ferry checks; auto-merge is allowed.
  github.protectBranch("acme/deploy", "main", { requiredChecks: ["Ferry / validate", "Ferry / promotion"] });
  github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
  show(`${Object.keys(files).length} files: ${Object.keys(files).slice(0, 4).join(", ")}, …`);

  say("Someone pushes a ferry.yml with a typo straight to main");
  const broken = goodConfig.replace(/after: staging/, "after: stagin");
  const badSha = github.push("acme/deploy", {
    branch: "main",
    files: { ".github/ferry.yml": broken },
    message: "Add ferry.yml",
  });
  await stack.idle();
  for (const run of github.checkRuns("acme/deploy", badSha)) {
    show(`${mark(run.conclusion === "success")} ${bold(run.name)}: ${run.output.title}`);
    for (const a of run.output.annotations) show(dim(`  ${a.path}:${a.start_line}  ${a.message}`));
  }

  say("They fix it");
  const goodSha = github.push("acme/deploy", {
    branch: "main",
    files: { ".github/ferry.yml": goodConfig },
    message: "Fix ferry.yml",
  });
  await stack.idle();
  for (const run of github.checkRuns("acme/deploy", goodSha)) {
    show(`${mark(run.conclusion === "success")} ${bold(run.name)}: ${run.output.title}`);
  }

  say("acme/api's CI publishes ghcr.io/acme/api:1.5.0 to GitHub Packages");
  const digest = `sha256:${"5".repeat(64)}`;
  const sourceSha = github.push("acme/api", {
    branch: "main",
    files: { "src/main.go": "package main // 1.5.0\n" },
  });
  const status = await sendWebhook(stack.webhookUrl, webhookSecret, "registry_package", {
    action: "published",
    registry_package: {
      name: "api",
      namespace: "acme",
      package_type: "CONTAINER",
      registry: { url: "https://ghcr.io" },
      package_version: {
        version: digest,
        target_oid: sourceSha,
        container_metadata: { tag: { name: "1.5.0", digest } },
        html_url: "https://github.example/acme/api/pkgs/container/api/1",
      },
    },
    repository: { full_name: "acme/api", html_url: "https://github.example/acme/api" },
    installation: { id: github.installationId },
  });
  await stack.idle();
  show(dim(`webhook registry_package.published → Ferry answered ${status}`));

  say("Ferry opens the staging PR: one verified commit changing only the tag bytes");
  const staging = github.pulls("acme/deploy").find((p) => p.head.ref === "ferry/staging/api");
  if (!staging) throw new Error("demo: Ferry opened no staging PR");
  show(
    `#${staging.number} ${bold(staging.title)}  ${dim(`(${staging.head.ref}, labels: ${staging.labels.join(", ")})`)}`,
  );
  for (const line of (staging.body ?? "").split("\n").filter((l) => l.startsWith("|"))) show(`  ${line}`);
  const commit = github.state.repos.get("acme/deploy")?.objects.commit(staging.head.sha);
  const changedFiles = [
    ...new Set([...(staging.body ?? "").matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] as string)),
  ];
  for (const path of changedFiles) {
    const before = github.readFile("acme/deploy", staging.base.sha, path) ?? "";
    const after = github.readFile("acme/deploy", staging.head.sha, path) ?? "";
    const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, "", "", { context: 1 });
    show(bold(path));
    for (const line of patch
      .split("\n")
      .slice(4)
      .filter((l) => l !== "")) {
      show(
        line.startsWith("+")
          ? `\x1b[32m${line}\x1b[0m`
          : line.startsWith("-")
            ? `\x1b[31m${line}\x1b[0m`
            : dim(line),
      );
    }
  }
  show(dim(`commit ${staging.head.sha.slice(0, 7)} verified: ${commit?.verified === true}`));

  say("Ferry guards the PR; staging has autoMerge, so GitHub merges it once the checks pass");
  for (const run of github.checkRuns("acme/deploy", staging.head.sha)) {
    show(`${mark(run.conclusion === "success")} ${bold(run.name)}: ${run.output.title}`);
    // The rendered diff: exactly the image line of the Deployment kustomize builds.
    for (const line of (run.output.text ?? "").split("\n").filter((l) => /^[-+] /.test(l)))
      show(dim(`  ${line}`));
  }
  const merged = github.pulls("acme/deploy").find((p) => p.number === staging.number);
  show(merged?.merged ? `merged by auto-merge (${merged.merge_commit_sha?.slice(0, 7)})` : "still open");

  await clusterStory({ stack, say, show });

  const production = github
    .pulls("acme/deploy")
    .find((p) => p.state === "open" && p.head.ref === "ferry/production/api");
  if (production) {
    say("Ferry guards the production PR for the reviewer");
    for (const run of github.checkRuns("acme/deploy", production.head.sha)) {
      show(`${mark(run.conclusion === "success")} ${bold(run.name)}: ${run.output.title}`);
      if (run.name === "Ferry / promotion") {
        for (const line of (run.output.summary ?? "").split("\n").filter((l) => l.startsWith("| production")))
          show(dim(`  ${line}`));
      }
    }
  }

  const calls = github.requests.filter((r) => !r.path.endsWith("/access_tokens")).length;
  console.log(`\n${dim(`Ferry made ${calls} GitHub API requests in this story.`)}`);
} finally {
  await stack.close();
}
