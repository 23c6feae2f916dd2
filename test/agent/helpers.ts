import type { Clock } from "../../src/agent/clock.js";
import { pollUntil } from "../support/poll.js";

/** A clock that moves only when told; timers scheduled by fired timers fire in the same advance. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers)
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }

  get pending(): number {
    return this.#timers.size;
  }
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs` with `what`. */
export function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 4000): Promise<T> {
  return pollUntil(check, what, timeoutMs, 5);
}

/** Lets pending I/O callbacks run. */
export function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Advances a fake clock in steps, yielding to real I/O between steps, until `check` holds.
 * For loops that do real HTTP between fake-clock sleeps (lease renewals, retries).
 */
export async function advanceUntil<T>(
  clock: FakeClock,
  check: () => T | undefined | false,
  what: string,
  { stepMs = 100, maxMs = 120_000, timeoutMs = 5000 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let advanced = 0;
  for (;;) {
    const value = check();
    if (value) return value;
    if (advanced > maxMs || Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    clock.advance(stepMs);
    advanced += stepMs;
    await new Promise((r) => setTimeout(r, 2));
  }
}
