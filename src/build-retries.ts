import type { Build } from "./promotion/build.js";
import { KeyedTimers } from "./reports/memory.js";

/** A build to handle again later: plain data, so a durable queue can store it as a delayed job. */
export interface BuildRetry {
  installationId: number;
  build: Build;
  /** When Ferry first saw the build (ms): bounds the wait for its attestation. */
  since: number;
}

/**
 * Delayed build retries: `schedule` stores a job, `process` names what runs due jobs (a queue's
 * worker). One pending job per key; an earlier one is kept. The seam a durable queue with
 * delayed jobs replaces.
 */
export interface BuildRetries {
  schedule(key: string, at: number, job: BuildRetry): void;
  process(run: (job: BuildRetry) => Promise<void>): void;
  clear(): void;
}

/** On in-process timers: lost on restart, where the build's re-run or redelivery is the fallback. */
export class InProcessBuildRetries implements BuildRetries {
  readonly #timers: KeyedTimers;
  #run: ((job: BuildRetry) => Promise<void>) | undefined;

  constructor(now: () => number) {
    this.#timers = new KeyedTimers(now);
  }

  schedule(key: string, at: number, job: BuildRetry): void {
    this.#timers.schedule(key, at, () => void this.#run?.(job).catch(() => {}));
  }

  process(run: (job: BuildRetry) => Promise<void>): void {
    this.#run = run;
  }

  clear(): void {
    this.#timers.clear();
  }
}
