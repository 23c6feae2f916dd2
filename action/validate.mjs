// The entry of action.yml: runs `ferry validate --format sarif`, writes the SARIF file with
// workspace-relative paths, turns each finding into an annotation on the pull request (so private
// repos without code scanning see them too), and sets the step's outputs and summary.
// Plain JavaScript on purpose: the action runs from the repository checkout, with no build.
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

const input = (name) => (process.env[`INPUT_${name}`] ?? "").trim();
const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
const root = resolve(workspace, input("PATH") || ".");
const sarifFile = resolve(workspace, input("SARIF_FILE") || "ferry.sarif");

const args = ["validate", root, "--format", "sarif"];
if (input("ENVIRONMENT")) args.push("--env", input("ENVIRONMENT"));
if (input("CONFIG")) args.push("--config", resolve(workspace, input("CONFIG")));

const run = spawnSync("ferry", args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
if (run.error) {
  console.log(`::error::could not run ferry: ${run.error.message}`);
  process.exit(2);
}
if (run.status !== 0 && run.status !== 1) {
  // A usage error (2): the message is on stderr; there is no report.
  process.stderr.write(run.stderr);
  console.log(`::error::ferry validate stopped with exit status ${run.status}`);
  process.exit(run.status ?? 2);
}

const log = JSON.parse(run.stdout);
// ferry reports paths relative to the validated folder; code scanning wants them relative to
// the repository root, which is the workspace.
const prefix = relative(workspace, root).split("\\").join("/");
const counts = { error: 0, warning: 0, note: 0 };
for (const result of log.runs.flatMap((r) => r.results)) {
  const location = result.locations?.[0]?.physicalLocation;
  if (location && prefix !== "")
    location.artifactLocation.uri = `${encodeURI(prefix)}/${location.artifactLocation.uri}`;
  const level = result.level ?? "warning";
  counts[level] = (counts[level] ?? 0) + 1;
  const command = level === "error" ? "error" : level === "warning" ? "warning" : "notice";
  const file = location ? decodeURI(location.artifactLocation.uri) : "";
  const line = location?.region?.startLine ?? 1;
  const col = location?.region?.startColumn ?? 1;
  console.log(
    `::${command} file=${escapeProperty(file)},line=${line},col=${col},title=${escapeProperty(`Ferry: ${result.ruleId}`)}::${escapeData(result.message.text)}`,
  );
}
mkdirSync(dirname(sarifFile), { recursive: true });
writeFileSync(sarifFile, `${JSON.stringify(log, null, 2)}\n`);

const summary = `Ferry validate: ${counts.error} errors, ${counts.warning} warnings, ${counts.note} notices`;
console.log(summary);
if (process.env.GITHUB_OUTPUT) {
  appendFileSync(process.env.GITHUB_OUTPUT, `errors=${counts.error}\nsarif-file=${sarifFile}\n`);
}
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### ${summary}\n`);
process.exit(counts.error > 0 && input("FAIL_ON_ERROR") !== "false" ? 1 : 0);

// Workflow commands: data escapes %, CR and LF; properties also : and ,.
function escapeData(text) {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}
function escapeProperty(text) {
  return escapeData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}
