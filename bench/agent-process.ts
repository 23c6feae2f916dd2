/** The agent as its own process, compiled by bench/agent.ts so peak RSS excludes any TS loader. */
import { run } from "../src/agent/command.js";

// bench/agent.ts --memory: the V8 heap and RSS every second, on stderr, to see where memory goes.
if (process.env.BENCH_MEMORY_LOG === "1") {
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1048576);
    process.stderr.write(
      `memory rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}\n`,
    );
  }, 1000).unref();
}
// --env BENCH_HEAP_SNAPSHOT=<path>: a heap snapshot 15 s after start (after the initial list).
const snapshot = process.env.BENCH_HEAP_SNAPSHOT;
if (snapshot) {
  setTimeout(async () => (await import("node:v8")).writeHeapSnapshot(snapshot), 15_000).unref();
}
process.exitCode = await run(process.argv.slice(2));
