import { EventEmitter } from "node:events";
import { retryable } from "./retryable.js";
import {
  type AddOutcome,
  type Depth,
  emptyDepth,
  type GiveUp,
  type JobOptions,
  type JobType,
  type Processor,
  type QueueEventMap,
  type RetryPolicy,
  type WorkQueue,
} from "./work-queue.js";

interface Entry<D> {
  id: string;
  type: JobType;
  data: D;
  options: JobOptions;
  attempt: number;
  state: "waiting" | "delayed" | "active";
  /** When it became (or becomes) due, ms. */
  dueAt: number;
  timer?: NodeJS.Timeout;
  /** Waiting out the back-off before a retry. */
  retry?: boolean;
}

/** How long, and how many, delivery ids are remembered for deduplication. */
const uniqueTtlMs = 24 * 3600_000;
const uniqueMax = 50_000;
/** Failed jobs kept for inspection; older ones are forgotten. */
const failedMax = 1000;

/**
 * The embedded queue: one replica, the demo and the tests need no Redis. Same contract as the
 * BullMQ queue (dedupe by id, supersede, delayed jobs, retries with back-off), plus strict order
 * per `key`. Nothing survives the process: jobs waiting or delayed at exit are lost, and the
 * sweep at the next start-up finds the checks they would have finished.
 */
export class MemoryQueue<D> implements WorkQueue<D> {
  readonly events = new EventEmitter<QueueEventMap>();
  readonly #waiting: Entry<D>[] = [];
  readonly #delayed = new Set<Entry<D>>();
  readonly #active = new Set<Entry<D>>();
  readonly #failed: { type: JobType }[] = [];
  /** supersede key → the job holding it (waiting, delayed or active). */
  readonly #holders = new Map<string, Entry<D>>();
  /** supersede key → the latest job added while its holder ran. */
  readonly #next = new Map<string, Entry<D>>();
  readonly #busyKeys = new Set<string>();
  readonly #unique = new Map<string, number>();
  readonly #idle: (() => void)[] = [];
  #processor: Processor<D> | undefined;
  #giveUp: GiveUp<D> = async () => {};
  readonly #intervals: NodeJS.Timeout[] = [];
  #closing = false;
  #seq = 0;
  /** Jobs waiting out a retry's back-off: not idle yet. */
  #retrying = 0;

  constructor(private readonly options: { concurrency: number; retry: RetryPolicy; now?: () => number }) {}

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async add(type: JobType, data: D, options: JobOptions = {}): Promise<AddOutcome> {
    const outcome = this.#add(type, data, options);
    this.events.emit("added", { type, outcome });
    return outcome;
  }

  #add(type: JobType, data: D, options: JobOptions): AddOutcome {
    const now = this.#now();
    if (options.uniqueId !== undefined) {
      const until = this.#unique.get(options.uniqueId);
      if (until !== undefined && until > now) return "duplicate";
      this.#unique.delete(options.uniqueId);
      this.#unique.set(options.uniqueId, now + uniqueTtlMs);
      for (const oldest of this.#unique.keys()) {
        if (this.#unique.size <= uniqueMax) break;
        this.#unique.delete(oldest);
      }
    }
    const entry: Entry<D> = {
      id: `${type}-${++this.#seq}`,
      type,
      data,
      options,
      attempt: 1,
      state: "waiting",
      dueAt: now + (options.delayMs ?? 0),
    };
    const key = options.supersede;
    if (key !== undefined) {
      const holder = this.#holders.get(key);
      if (holder !== undefined && holder.state !== "active") {
        holder.data = data; // the newest data wins; the waiting job keeps its place
        return "superseded";
      }
      if (holder !== undefined) {
        const replaced = this.#next.has(key);
        this.#next.set(key, entry);
        return replaced ? "superseded" : "added";
      }
      this.#holders.set(key, entry);
    }
    this.#enqueue(entry);
    return "added";
  }

  #enqueue(entry: Entry<D>): void {
    const delay = entry.dueAt - this.#now();
    if (delay > 0) {
      entry.state = "delayed";
      this.#delayed.add(entry);
      entry.timer = setTimeout(() => {
        this.#delayed.delete(entry);
        entry.timer = undefined;
        entry.state = "waiting";
        this.#waiting.push(entry);
        this.#pump();
      }, delay);
      entry.timer.unref();
      return;
    }
    entry.state = "waiting";
    this.#waiting.push(entry);
    this.#pump();
  }

  async cancel(supersede: string): Promise<void> {
    this.#next.delete(supersede);
    const holder = this.#holders.get(supersede);
    if (holder === undefined || holder.state === "active") return;
    this.#holders.delete(supersede);
    if (holder.timer) clearTimeout(holder.timer);
    if (holder.retry) this.#retrying--;
    holder.retry = false;
    this.#delayed.delete(holder);
    const at = this.#waiting.indexOf(holder);
    if (at >= 0) this.#waiting.splice(at, 1);
    this.#settle();
  }

  async start(processor: Processor<D>, giveUp: GiveUp<D>): Promise<void> {
    this.#processor = processor;
    this.#giveUp = giveUp;
    this.#pump();
  }

  async every(type: JobType, data: D, everyMs: number): Promise<void> {
    const timer = setInterval(() => void this.add(type, data, { supersede: `every:${type}` }), everyMs);
    timer.unref();
    this.#intervals.push(timer);
  }

  #pump(): void {
    if (this.#processor === undefined || this.#closing) return;
    while (this.#active.size < this.options.concurrency) {
      const at = this.#waiting.findIndex(
        (e) => e.options.key === undefined || !this.#busyKeys.has(e.options.key),
      );
      if (at < 0) break;
      const [entry] = this.#waiting.splice(at, 1) as [Entry<D>];
      void this.#run(entry, this.#processor);
    }
    this.#settle();
  }

  async #run(entry: Entry<D>, processor: Processor<D>): Promise<void> {
    if (entry.retry) this.#retrying--;
    entry.retry = false;
    entry.state = "active";
    this.#active.add(entry);
    if (entry.options.key !== undefined) this.#busyKeys.add(entry.options.key);
    const started = this.#now();
    const waitMs = Math.max(0, started - entry.dueAt);
    this.events.emit("active", { type: entry.type, waitMs });
    let retry = false;
    const job = { id: entry.id, type: entry.type, data: entry.data, attempt: entry.attempt };
    try {
      await processor(job);
      this.events.emit("completed", { type: entry.type, waitMs, durationMs: this.#now() - started });
    } catch (error) {
      const { attempts, backoffMs } = this.options.retry;
      retry = !this.#closing && entry.attempt < attempts && retryable(error);
      this.events.emit("failed", {
        type: entry.type,
        waitMs,
        durationMs: this.#now() - started,
        error,
        final: !retry,
      });
      if (!retry) {
        this.#failed.push({ type: entry.type });
        if (this.#failed.length > failedMax) this.#failed.shift();
        await this.#giveUp(job, error).catch(() => {});
      } else {
        entry.dueAt = this.#now() + backoffMs * 2 ** (entry.attempt - 1);
        entry.attempt += 1;
      }
    } finally {
      this.#active.delete(entry);
      if (entry.options.key !== undefined) this.#busyKeys.delete(entry.options.key);
    }
    const key = entry.options.supersede;
    const next = key === undefined ? undefined : this.#next.get(key);
    if (key !== undefined) this.#next.delete(key);
    if (retry) {
      // Still the holder; a job added meanwhile only brings newer data.
      if (next) entry.data = next.data;
      this.#retrying++;
      entry.retry = true;
      this.#enqueue(entry);
    } else if (key !== undefined) {
      this.#holders.delete(key);
      if (next) {
        this.#holders.set(key, next);
        this.#enqueue(next);
      }
    }
    this.#pump();
  }

  #isIdle(): boolean {
    return this.#waiting.length === 0 && this.#active.size === 0 && this.#retrying === 0;
  }

  #settle(): void {
    if (this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves once nothing waits, runs or waits to retry (timers not yet due do not count). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async depth(): Promise<Record<JobType, Depth>> {
    const depth = emptyDepth();
    for (const e of this.#waiting) depth[e.type].waiting++;
    for (const e of this.#active) depth[e.type].active++;
    for (const e of this.#delayed) depth[e.type].delayed++;
    for (const e of this.#next.values()) depth[e.type].waiting++;
    for (const e of this.#failed) depth[e.type].failed++;
    return depth;
  }

  async close(drainMs: number): Promise<void> {
    this.#closing = true;
    for (const t of this.#intervals) clearInterval(t);
    for (const e of this.#delayed) if (e.timer) clearTimeout(e.timer);
    const deadline = Date.now() + drainMs;
    while (this.#active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /** Jobs that would be lost if the process stopped now (waiting, delayed or running). */
  get unfinished(): number {
    return this.#waiting.length + this.#delayed.size + this.#active.size + this.#next.size;
  }
}
