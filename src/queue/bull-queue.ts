import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { Unavailable } from "../outage.js";
import { failFast } from "../redis.js";
import { retryable } from "./retryable.js";
import {
  type AddOutcome,
  type Depth,
  emptyDepth,
  type GiveUp,
  type JobOptions,
  type JobType,
  jobTypes,
  type Processor,
  type QueueEventMap,
  type RetryPolicy,
  type WorkQueue,
} from "./work-queue.js";

export interface BullQueueOptions {
  url: string;
  concurrency: number;
  retry: RetryPolicy;
  /**
   * A running job's lock lives this long without renewal (BullMQ renews it every half); a replica
   * killed mid-job gives its jobs back once the lock has expired and a stalled check has run.
   */
  lockDurationMs: number;
  /** How often every replica looks for jobs whose lock expired (stalled) and puts them back. */
  stalledIntervalMs: number;
  /** Queue name; tests and benchmarks use their own. */
  name?: string;
}

const uniqueTtlMs = 24 * 3600_000;
/** A job that stalls this often (its replica died each time) fails instead of killing more replicas. */
const maxStalledCount = 3;
/** How many ids per state `depth()` looks at to split the counts by type. */
const depthSample = 2000;

/**
 * The work queue on Redis, with BullMQ: any replica runs any job; a replica killed mid-job
 * loses nothing (stalled-job recovery puts the job back); delayed jobs (timers) live in Redis.
 * Dedupe by id is a marker key kept a day plus BullMQ's own job id; supersede is BullMQ's
 * `deduplication: { id, keepLastIfActive: true }`.
 */
export class BullQueue<D> implements WorkQueue<D> {
  readonly events = new EventEmitter<QueueEventMap>();
  readonly #queue: Queue;
  readonly #client: Redis;
  #worker: Worker | undefined;
  readonly #running = new Map<string, { job: Job; token: string | undefined }>();
  readonly #prefix: string;
  readonly #connections: Redis[] = [];

  constructor(private readonly options: BullQueueOptions) {
    // The producer fails fast (a webhook answers 503 instead of waiting); the worker's blocking
    // connection must wait for Redis (BullMQ requires maxRetriesPerRequest: null there).
    this.#client = new Redis(options.url, { ...failFast, commandTimeout: undefined });
    this.#client.on("error", () => {}); // RedisLink reports outages once; BullMQ reconnects.
    const name = options.name ?? "ferry";
    this.#queue = new Queue(name, {
      connection: this.#client,
      defaultJobOptions: {
        attempts: options.retry.attempts,
        backoff: { type: "exponential", delay: options.retry.backoffMs },
        // Completed jobs are not needed (a delivery's marker outlives them); failed ones stay
        // for a week, for operators and the failed-jobs metric.
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
      },
    });
    this.#queue.on("error", () => {});
    this.#prefix = `ferry:${name}:`;
  }

  async add(type: JobType, data: D, options: JobOptions = {}): Promise<AddOutcome> {
    const outcome = await this.#add(type, data, options).catch((error: unknown) => {
      throw new Unavailable("Redis at REDIS_URL is unreachable; retry later", { cause: error });
    });
    this.events.emit("added", { type, outcome });
    return outcome;
  }

  async #add(type: JobType, data: D, options: JobOptions): Promise<AddOutcome> {
    const marker = options.uniqueId === undefined ? undefined : `${this.#prefix}unique:${options.uniqueId}`;
    if (marker !== undefined && (await this.#client.exists(marker)) === 1) return "duplicate";
    // The job id dedupes two replicas adding at once (atomic in BullMQ); the marker, set after,
    // dedupes for a day without keeping the payload that long.
    const jobId =
      options.uniqueId !== undefined
        ? `u-${options.uniqueId.replaceAll(":", "_")}`
        : options.supersede !== undefined
          ? `${type}-${randomUUID()}`
          : undefined;
    const job = await this.#queue.add(type, data, {
      ...(jobId !== undefined ? { jobId } : {}),
      ...(options.delayMs ? { delay: Math.max(0, Math.round(options.delayMs)) } : {}),
      ...(options.supersede !== undefined
        ? { deduplication: { id: options.supersede, keepLastIfActive: true } }
        : {}),
    });
    if (marker !== undefined) await this.#client.set(marker, "1", "PX", uniqueTtlMs);
    return jobId !== undefined && job.id !== jobId ? "superseded" : "added";
  }

  async cancel(supersede: string): Promise<void> {
    const id = await this.#queue.getDeduplicationJobId(supersede);
    await this.#client.del(`${this.#prefix}dn:${supersede}`);
    if (!id) return;
    const job = await this.#queue.getJob(id);
    if (job === undefined || (await job.isActive())) return;
    // remove() refuses a job a worker holds; a delayed or waiting one goes, with its dedup key.
    await job.remove().catch(() => {});
    await this.#queue.removeDeduplicationKey(supersede).catch(() => {});
  }

  async start(processor: Processor<D>, giveUp: GiveUp<D>): Promise<void> {
    const connection: RedisOptions = {
      maxRetriesPerRequest: null,
      retryStrategy: failFast.retryStrategy as RedisOptions["retryStrategy"],
    };
    const blocking = new Redis(this.options.url, connection);
    blocking.on("error", () => {});
    this.#connections.push(blocking);
    const worker = new Worker(
      this.#queue.name,
      async (job: Job, token?: string) => {
        const id = job.id ?? "";
        this.#running.set(id, { job, token });
        const started = Date.now();
        const type = job.name as JobType;
        const due = job.timestamp + (job.delay ?? 0);
        const waitMs = Math.max(0, (job.processedOn ?? started) - due);
        this.events.emit("active", { type, waitMs });
        const queued = { id, type, data: job.data as D, attempt: job.attemptsMade + 1 };
        try {
          await processor(queued);
          this.events.emit("completed", { type, waitMs, durationMs: Date.now() - started });
        } catch (error) {
          const final = !retryable(error) || job.attemptsMade + 1 >= this.options.retry.attempts;
          this.events.emit("failed", { type, waitMs, durationMs: Date.now() - started, error, final });
          if (final) await giveUp(queued, error).catch(() => {});
          if (final && retryable(error)) throw error; // BullMQ fails it: attempts are used up
          if (final) throw new UnrecoverableError((error as Error)?.message ?? String(error));
          throw error;
        } finally {
          this.#running.delete(id);
        }
      },
      {
        connection: blocking,
        concurrency: this.options.concurrency,
        lockDuration: this.options.lockDurationMs,
        stalledInterval: this.options.stalledIntervalMs,
        maxStalledCount,
        autorun: true,
      },
    );
    worker.on("error", () => {}); // connection errors: RedisLink reports the outage
    this.#worker = worker;
    await worker.waitUntilReady();
  }

  /** Adds `type` every `everyMs` on whichever replica is due first (a BullMQ job scheduler). */
  async every(type: JobType, data: D, everyMs: number): Promise<void> {
    await this.#queue.upsertJobScheduler(`every-${type}`, { every: everyMs }, { name: type, data });
  }

  async depth(): Promise<Record<JobType, Depth>> {
    const depth = emptyDepth();
    const states = {
      waiting: ["wait", "prioritized", "paused"],
      active: ["active"],
      delayed: ["delayed"],
      failed: ["failed"],
    } as const;
    for (const [state, kinds] of Object.entries(states) as [keyof Depth, readonly string[]][]) {
      const ids = await this.#queue.getRanges(kinds as never, 0, depthSample - 1);
      if (ids.length === 0) continue;
      const pipeline = this.#client.pipeline();
      for (const id of ids) pipeline.hget(this.#queue.toKey(id), "name");
      for (const [, name] of (await pipeline.exec()) ?? []) {
        if (jobTypes.includes(name as JobType)) depth[name as JobType][state]++;
      }
    }
    return depth;
  }

  async close(drainMs: number): Promise<void> {
    const worker = this.#worker;
    if (worker !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const drained = worker.close().then(
        () => true,
        () => true,
      );
      const inTime = await Promise.race([
        drained,
        new Promise<false>((r) => {
          timer = setTimeout(() => r(false), drainMs);
        }),
      ]);
      clearTimeout(timer);
      if (!inTime) {
        // Hand unfinished jobs back at once rather than after their lock lapses. (BullMQ's own
        // close keeps waiting for their handlers; the process exits without them.)
        for (const { job, token } of this.#running.values()) {
          if (token !== undefined) await job.moveToWait(token).catch(() => {});
        }
      }
    }
    await this.#queue.close().catch(() => {});
    this.#client.disconnect();
    for (const c of this.#connections) c.disconnect();
  }
}
