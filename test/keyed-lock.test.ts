import { describe, expect, it } from "vitest";
import { MemoryKeyedLock } from "../src/keyed-lock.js";

/** A promise with its resolve, to hold work open until the test lets it finish. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

describe("MemoryKeyedLock", () => {
  it("runs work for one key one at a time, in arrival order", async () => {
    const lock = new MemoryKeyedLock();
    const log: string[] = [];
    const first = gate();
    const a = lock.run("k", async () => {
      log.push("a starts");
      await first.opened;
      log.push("a ends");
      return "a";
    });
    const b = lock.run("k", async () => {
      log.push("b starts");
      return "b";
    });
    const c = lock.run("k", async () => {
      log.push("c starts");
      return "c";
    });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(["a starts"]); // b and c wait for a
    first.open();
    expect(await Promise.all([a, b, c])).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["a starts", "a ends", "b starts", "c starts"]);
  });

  it("lets different keys run at the same time", async () => {
    const lock = new MemoryKeyedLock();
    const held = gate();
    const log: string[] = [];
    const a = lock.run("one", async () => {
      await held.opened;
      log.push("one");
    });
    await lock.run("two", async () => {
      log.push("two");
    });
    expect(log).toEqual(["two"]); // not blocked by "one"
    held.open();
    await a;
    expect(log).toEqual(["two", "one"]);
  });

  it("a failed piece of work rejects its caller and does not block the next", async () => {
    const lock = new MemoryKeyedLock();
    const failing = lock.run("k", async () => {
      throw new Error("boom");
    });
    const next = lock.run("k", async () => "next");
    await expect(failing).rejects.toThrow("boom");
    expect(await next).toBe("next");
  });

  it("forgets a key once its queue drains, so keys do not accumulate", async () => {
    const lock = new MemoryKeyedLock();
    const held = gate();
    const busy = lock.run("held", () => held.opened);
    for (let i = 0; i < 100; i++) await lock.run(`key-${i}`, async () => i);
    await new Promise((r) => setImmediate(r));
    expect(lock.busyKeys).toBe(1); // only the one still running
    held.open();
    await busy;
    await new Promise((r) => setImmediate(r));
    expect(lock.busyKeys).toBe(0);
  });
});
