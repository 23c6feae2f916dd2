import type { EventEmitter } from "node:events";

/** Every kind of job, for ordering, retries and metrics (queue depth, wait and duration per type). */
export const jobTypes = [
  "build",
  "guard",
  "audit",
  "config-check",
  "chatops",
  "dashboard",
  "auto-merge",
  "merged",
  "installation",
  "report",
  "chain",
  "timeout",
  "sweep",
] as const;
export type JobType = (typeof jobTypes)[number];

export interface JobOptions {
  /**
   * A second job with the same id while the first is remembered (a day) is dropped: webhook
   * delivery ids, so one delivery sent twice, to one replica or two, has one effect.
   */
  uniqueId?: string;
  /**
   * At most one waiting (or delayed) and one running job per key, on every replica: a job added
   * while one waits is dropped (the waiting one reads fresh state when it runs); one added while
   * one runs runs after it, the latest of several. Newer guard runs for a PR; timers by identity.
   */
  supersede?: string;
  /** In-process only: jobs with the same key run one at a time, in the order added. */
  key?: string;
  /** Run no earlier than this many milliseconds from now (delayed jobs survive restarts on Redis). */
  delayMs?: number;
}

export interface QueuedJob<D> {
  id: string;
  type: JobType;
  data: D;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
}

/** What a run of one job looked like, for metrics. */
export interface JobTiming {
  type: JobType;
  /** From the moment it was due (added, or its delay over) to its start. */
  waitMs: number;
}
export interface JobFinish {
  type: JobType;
  /** As in `JobTiming`, so one event carries a run's whole timing. */
  waitMs: number;
  durationMs: number;
}
export interface JobFailure extends JobFinish {
  error: unknown;
  /** No attempt left (or not worth retrying): the job stays in the failed set. */
  final: boolean;
}

/** Events the queue emits on the replica that runs the job; /metrics registers on these. */
export interface QueueEventMap {
  added: [{ type: JobType; outcome: AddOutcome }];
  active: [JobTiming];
  completed: [JobFinish];
  failed: [JobFailure];
}

export type AddOutcome = "added" | "duplicate" | "superseded";

/** Jobs per state for one type (waiting includes delayed jobs that are due). */
export interface Depth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** Runs one job; throwing retries it (see `retryable`) or, with no attempt left, fails it. */
export type Processor<D> = (job: QueuedJob<D>) => Promise<void>;
/** Told once about a job that failed for good, so the failure is said where its user looks. */
export type GiveUp<D> = (job: QueuedJob<D>, error: unknown) => Promise<void>;

/**
 * The durable work queue: BullMQ on Redis (src/queue/bull-queue.ts) when REDIS_URL is set, else
 * in-process (src/queue/memory-queue.ts). Intake adds; workers run the processor.
 */
export interface WorkQueue<D> {
  readonly events: EventEmitter<QueueEventMap>;
  add(type: JobType, data: D, options?: JobOptions): Promise<AddOutcome>;
  /** Removes the waiting or delayed job holding `supersede` (a cancelled timer); a running one finishes. */
  cancel(supersede: string): Promise<void>;
  /** Starts running jobs on this replica. */
  start(processor: Processor<D>, giveUp: GiveUp<D>): Promise<void>;
  /** Adds `type` every `everyMs`, once across replicas (the sweep). */
  every(type: JobType, data: D, everyMs: number): Promise<void>;
  depth(): Promise<Record<JobType, Depth>>;
  /**
   * Stops taking jobs, waits up to `drainMs` for running ones, and hands back the rest (Redis:
   * to the queue, at once; in-process: they are lost, and the sweep finds what they left).
   */
  close(drainMs: number): Promise<void>;
}

export interface RetryPolicy {
  /** Runs of one job in all, the first included. */
  attempts: number;
  /** First pause before a retry; doubled each time. */
  backoffMs: number;
}

export function emptyDepth(): Record<JobType, Depth> {
  return Object.fromEntries(
    jobTypes.map((t) => [t, { waiting: 0, active: 0, delayed: 0, failed: 0 }]),
  ) as Record<JobType, Depth>;
}
