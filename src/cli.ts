#!/usr/bin/env node
/** `ferry <command>`: each command lives in src/commands/ and is loaded only when asked for. */

type Command = { run(argv: string[]): Promise<number> };

const commands: Record<string, () => Promise<Command>> = {
  // one line per command: name → lazy import of src/commands/<name>.ts
  agent: () => import("./agent/command.js"),
  diff: () => import("./commands/diff.js"),
  plan: () => import("./commands/plan.js"),
  validate: () => import("./commands/validate.js"),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name === undefined ? undefined : commands[name];
  if (load === undefined) {
    process.stderr.write(`usage: ferry <${Object.keys(commands).join("|")}> [options]\n`);
    return name === undefined || name === "--help" ? 0 : 2;
  }
  return (await load()).run(rest);
}

process.exitCode = await main(process.argv.slice(2));
