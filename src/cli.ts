#!/usr/bin/env node
/**
 * `ferry <command>`: each command lives in its own module and is loaded only when asked for.
 * Help for a command is printed here, before the module runs, so `--help` never starts anything.
 * Exit codes are listed in docs/cli.md.
 */
import { readFileSync } from "node:fs";

interface Command {
  /** The command's help text, printed for `ferry <command> --help`. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

interface Entry {
  summary: string;
  load(): Promise<Command>;
}

/** One line per command: name → what it does → lazy import of its module. */
const commands: Record<string, Entry> = {
  serve: {
    summary: "Run the GitHub App (webhooks, agent reports, /healthz); registers the app when none is set up",
    load: () => import("./commands/serve.js"),
  },
  agent: {
    summary: "Run the in-cluster agent: report Argo CD and Flux reconciliation to Ferry",
    load: () => import("./agent/command.js"),
  },
  validate: {
    summary: "Validate a config repo checkout: YAML, Kubernetes schemas and policy (text, JSON, SARIF)",
    load: () => import("./commands/validate.js"),
  },
  plan: {
    summary: "Show the pull request Ferry would open to bring an image to an environment",
    load: () => import("./commands/plan.js"),
  },
  diff: {
    summary: "Show the rendered (kustomize, Helm) difference between two refs or a ref and the working tree",
    load: () => import("./commands/diff.js"),
  },
  status: {
    summary: "Print where every app of a config repo runs (apps × environments) from the GitHub API",
    load: () => import("./commands/status.js"),
  },
};

/** Exit codes shared by every command (docs/cli.md); `plan` adds 3 for "nothing to change". */
const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** package.json sits one folder above this file both in src/ and in the published dist/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return `usage: ferry <command> [options]

Ferry makes pull requests the only road to production in GitOps.

Commands:
${lines.join("\n")}

Options:
  -h, --help     show this help, or a command's help (ferry <command> --help)
  -v, --version  print Ferry's version

Exit status: 0 success, 1 failure (errors found, or the process could not start),
2 usage error; \`ferry plan\` exits 3 when there is nothing to change. See docs/cli.md.
`;
}

/** True when `--help`/`-h` appears before a `--` terminator (after it, it is an argument). */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(overview());
    return exitCodes.usage;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(overview());
    return exitCodes.ok;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    process.stdout.write(`${version()}\n`);
    return exitCodes.ok;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (entry === undefined) {
    process.stderr.write(`ferry: unknown command "${name}"\n\n${overview()}`);
    return exitCodes.usage;
  }
  const command = await entry.load();
  if (asksForHelp(rest)) {
    process.stdout.write(command.usage);
    return exitCodes.ok;
  }
  return command.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
