/** Time as the agent sees it; passed in so tests can drive holds, backoff and leases by hand. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Timers stay referenced: while the API server is down, a backoff timer may be all that keeps
  // the agent process alive. stop() clears every timer the agent set.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A sleep that `cancel()` resolves early (used on stop so no loop outlives the agent). */
export function sleep(clock: Clock, ms: number): { done: Promise<void>; cancel(): void } {
  let resolve: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const handle = clock.setTimeout(resolve, ms);
  return {
    done,
    cancel: () => {
      clock.clearTimeout(handle);
      resolve();
    },
  };
}
