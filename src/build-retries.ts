import type { FerryJob } from "./jobs/ferry-job.js";
import type { Build } from "./promotion/build.js";
import type { WorkQueue } from "./queue/work-queue.js";

/** A build to handle again later: plain data, so it waits on the queue as a delayed job. */
export interface BuildRetry {
  installationId: number;
  build: Build;
  /** When Ferry first saw the build (ms): bounds the wait for its attestation. */
  since: number;
}

/**
 * Delayed build retries (a digest not attested yet): `schedule` stores a job, `process` names what
 * runs it, `run` is called by the queue's worker when it is due. One pending job per key.
 */
export interface BuildRetries {
  schedule(key: string, at: number, job: BuildRetry): Promise<void>;
  process(run: (job: BuildRetry) => Promise<void>): void;
  run(job: BuildRetry): Promise<void>;
}

/** Delayed jobs on the work queue: on Redis they survive restarts and run on any replica. */
export class QueueBuildRetries implements BuildRetries {
  #run: ((job: BuildRetry) => Promise<void>) | undefined;

  constructor(
    private readonly queue: WorkQueue<FerryJob>,
    private readonly now: () => number,
  ) {}

  async schedule(key: string, at: number, retry: BuildRetry): Promise<void> {
    await this.queue.add(
      "build",
      { kind: "build-retry", retry },
      { supersede: key, delayMs: Math.max(0, at - this.now()) },
    );
  }

  process(run: (job: BuildRetry) => Promise<void>): void {
    this.#run = run;
  }

  async run(job: BuildRetry): Promise<void> {
    await this.#run?.(job);
  }
}
