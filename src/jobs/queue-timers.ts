import type { WorkQueue } from "../queue/work-queue.js";
import { envKey, type FerryJob, type TimerSpec, timerKey } from "./ferry-job.js";

/** Soak and reconcile timeouts, as the reconcile handlers see them. */
export interface ReconcileTimers {
  /** Fires `timer` at `at` (ms), once across replicas; a pending one with the same identity is kept. */
  schedule(timer: TimerSpec, at: number): Promise<void>;
  /** Drops the pending timer with this identity, if any. */
  cancel(timer: TimerSpec): Promise<void>;
}

/** Timers as delayed jobs: the identity is the job's supersede key, so each is pending at most once. */
export class QueueTimers implements ReconcileTimers {
  constructor(
    private readonly queue: WorkQueue<FerryJob>,
    private readonly now: () => number,
  ) {}

  async schedule(timer: TimerSpec, at: number): Promise<void> {
    await this.queue.add(
      timer.kind === "soak" ? "chain" : "timeout",
      { kind: "timer", timer },
      { supersede: timerKey(timer), key: envKey(timer.repo, timer.env), delayMs: at - this.now() },
    );
  }

  cancel(timer: TimerSpec): Promise<void> {
    return this.queue.cancel(timerKey(timer));
  }
}
