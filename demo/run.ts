/**
 * `npm run demo`: Ferry's main job end to end on this machine. It starts the GitHub API test
 * server, the real Ferry app (pointed at it exactly as at GitHub Enterprise Server) and tells
 * the promotion story step by step, from what the servers really answered.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { startStack } from "../test/support/ferry.js";

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

const stack = await startStack({ env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "fatal" } });
const { github } = stack;
try {
  console.log(bold("Ferry demo") + dim(`  (GitHub test server ${github.host}, Ferry ${stack.ferry.url})`));
  const files = readTree(exampleRepo);
  const goodConfig = files[".github/ferry.yml"] as string;

  say("A platform team creates the config repo acme/deploy from examples/config-repo");
  github.createRepo("acme/deploy", { files: { ...files, ".github/ferry.yml": "# ferry.yml comes next\n" } });
  github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
  show(`${Object.keys(files).length} files: ${Object.keys(files).slice(0, 4).join(", ")}, …`);

  say("Someone pushes a ferry.yml with a typo to main");
  const broken = goodConfig.replace(/after: staging/, "after: stagin");
  const badSha = github.push("acme/deploy", {
    branch: "main",
    files: { ".github/ferry.yml": broken },
    message: "Add ferry.yml",
  });
  await github.idle();
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
  await github.idle();
  for (const run of github.checkRuns("acme/deploy", goodSha)) {
    show(`${mark(run.conclusion === "success")} ${bold(run.name)}: ${run.output.title}`);
  }

  const calls = github.requests.filter((r) => !r.path.endsWith("/access_tokens")).length;
  console.log(`\n${dim(`Ferry made ${calls} GitHub API requests in this story.`)}`);
} finally {
  await stack.close();
}
