import { describe, expect, it } from "vitest";
import { MemoryQueue } from "../../src/queue/memory-queue.js";
import type { JobFailure, QueuedJob } from "../../src/queue/work-queue.js";
import { pollUntil } from "../support/poll.js";

const retry = { attempts: 3, backoffMs: 5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const noGiveUp = async () => {};

/** A GitHub answer the retry policy counts as passing trouble. */
const trouble = () => Object.assign(new Error("Server Error"), { status: 502 });

describe("the in-process queue", () => {
  it("runs jobs with the same key one at a time, in the order added, and other keys alongside", async () => {
    const queue = new MemoryQueue<{ key: string; n: number }>({ concurrency: 4, retry });
    const log: string[] = [];
    let running = 0;
    let most = 0;
    await queue.start(async ({ data }) => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${data.key}${data.n}`);
      await sleep(data.key === "a" ? 15 - data.n * 5 : 1);
      log.push(`end ${data.key}${data.n}`);
      running--;
    }, noGiveUp);
    for (const n of [1, 2, 3]) await queue.add("build", { key: "a", n }, { key: "a" });
    await queue.add("build", { key: "b", n: 1 }, { key: "b" });
    await queue.idle();
    const a = log.filter((l) => l.includes(" a"));
    expect(a).toEqual(["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]);
    // b did not wait for a's three jobs
    expect(log.indexOf("end b1")).toBeLessThan(log.indexOf("start a2"));
    expect(most).toBe(2);
  });

  it("a newer job supersedes the waiting one; one added while it runs runs after it, only the latest", async () => {
    const queue = new MemoryQueue<string>({ concurrency: 1, retry });
    const ran: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await queue.start(async ({ data }) => {
      ran.push(data);
      if (data === "blocker") await gate;
    }, noGiveUp);
    await queue.add("build", "blocker");
    // waiting behind the blocker: the second replaces the first's data
    expect(await queue.add("guard", "pr1@a", { supersede: "pr1" })).toBe("added");
    expect(await queue.add("guard", "pr1@b", { supersede: "pr1" })).toBe("superseded");
    release();
    await pollUntil(() => ran.includes("pr1@b"), "the guard for pr1 to start", 1000);
    await queue.idle();
    expect(ran).toEqual(["blocker", "pr1@b"]);

    // while one runs: the later ones collapse into one follow-up with the latest data
    let finish: () => void = () => {};
    const running = new Promise<void>((r) => (finish = r));
    ran.length = 0;
    const slow = new MemoryQueue<string>({ concurrency: 2, retry });
    await slow.start(async ({ data }) => {
      ran.push(data);
      if (data === "pr2@a") await running;
    }, noGiveUp);
    await slow.add("guard", "pr2@a", { supersede: "pr2" });
    await pollUntil(() => ran.includes("pr2@a"), "pr2@a to run", 1000);
    await slow.add("guard", "pr2@b", { supersede: "pr2" });
    expect(await slow.add("guard", "pr2@c", { supersede: "pr2" })).toBe("superseded");
    await sleep(20);
    expect(ran).toEqual(["pr2@a"]); // never two at once for one key
    finish();
    await slow.idle();
    expect(ran).toEqual(["pr2@a", "pr2@c"]);
  });

  it("a delayed job runs once it is due, not before, once per supersede key; cancel drops it", async () => {
    const queue = new MemoryQueue<string>({ concurrency: 2, retry });
    const ran: { data: string; at: number }[] = [];
    await queue.start(async ({ data }) => {
      ran.push({ data, at: Date.now() });
    }, noGiveUp);
    const added = Date.now();
    await queue.add("timeout", "t1", { supersede: "timeout:t1", delayMs: 120 });
    await queue.add("timeout", "t1 again", { supersede: "timeout:t1", delayMs: 120 });
    await queue.add("chain", "soak", { supersede: "soak:x", delayMs: 60 });
    await queue.cancel("soak:x");
    expect((await queue.depth()).timeout.delayed).toBe(1);
    await pollUntil(() => ran.length > 0, "the timer", 2000);
    await sleep(150);
    expect(ran.map((r) => r.data)).toEqual(["t1 again"]);
    expect((ran[0]?.at ?? 0) - added).toBeGreaterThanOrEqual(115);
    // fired and done: the same identity may be scheduled again
    expect(await queue.add("timeout", "t1 later", { supersede: "timeout:t1", delayMs: 1 })).toBe("added");
  });

  it("drops a second job with the same unique id (one delivery, one effect)", async () => {
    const queue = new MemoryQueue<string>({ concurrency: 1, retry });
    const ran: string[] = [];
    await queue.start(async ({ data }) => {
      ran.push(data);
    }, noGiveUp);
    expect(await queue.add("audit", "first", { uniqueId: "delivery:1" })).toBe("added");
    await queue.idle();
    expect(await queue.add("audit", "again", { uniqueId: "delivery:1" })).toBe("duplicate");
    await queue.idle();
    expect(ran).toEqual(["first"]);
  });

  it("retries passing trouble with back-off, then gives up once; a bug is not retried", async () => {
    const queue = new MemoryQueue<string>({ concurrency: 1, retry });
    const attempts: number[] = [];
    const gaveUp: { job: QueuedJob<string>; error: unknown }[] = [];
    const failures: JobFailure[] = [];
    queue.events.on("failed", (f) => failures.push(f));
    await queue.start(
      async (job) => {
        attempts.push(job.attempt);
        if (job.data === "flaky" && job.attempt < 2) throw trouble();
        if (job.data === "down") throw trouble();
        if (job.data === "bug") throw new TypeError("x is undefined");
      },
      async (job, error) => {
        gaveUp.push({ job, error });
      },
    );
    await queue.add("report", "flaky");
    await queue.idle();
    expect(attempts).toEqual([1, 2]);
    expect(gaveUp).toEqual([]);

    attempts.length = 0;
    await queue.add("report", "down");
    await queue.idle();
    expect(attempts).toEqual([1, 2, 3]);
    expect(gaveUp.map((g) => [g.job.data, g.job.attempt])).toEqual([["down", 3]]);

    attempts.length = 0;
    await queue.add("guard", "bug");
    await queue.idle();
    expect(attempts).toEqual([1]);
    expect(gaveUp.map((g) => g.job.data)).toEqual(["down", "bug"]);
    expect(failures.map((f) => [f.type, f.final])).toEqual([
      ["report", false],
      ["report", false],
      ["report", false],
      ["report", true],
      ["guard", true],
    ]);
    expect((await queue.depth()).report.failed).toBe(1);
  });

  it("reports wait and duration per job type", async () => {
    const queue = new MemoryQueue<string>({ concurrency: 1, retry });
    const seen: string[] = [];
    queue.events.on("active", (t) => seen.push(`active ${t.type} ${t.waitMs >= 0}`));
    queue.events.on("completed", (t) => seen.push(`completed ${t.type} ${t.durationMs >= 10}`));
    await queue.start(async () => {
      await sleep(12);
    }, noGiveUp);
    await queue.add("sweep", "s");
    await queue.idle();
    expect(seen).toEqual(["active sweep true", "completed sweep true"]);
  });

  it("on close, lets a running job finish within the drain bound and starts nothing new", async () => {
    const queue = new MemoryQueue<number>({ concurrency: 1, retry });
    const done: number[] = [];
    await queue.start(async ({ data }) => {
      await sleep(40);
      done.push(data);
    }, noGiveUp);
    await queue.add("build", 1);
    await queue.add("build", 2);
    await sleep(5);
    await queue.close(1000);
    expect(done).toEqual([1]);
    expect(queue.unfinished).toBe(1);
  });
});
