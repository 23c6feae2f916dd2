/** The agent as its own process, compiled by bench/agent.ts so peak RSS excludes any TS loader. */
import { run } from "../src/agent/command.js";

process.exitCode = await run(process.argv.slice(2));
