import { objectKey } from "../reports/object-key.js";
import type { Report } from "../reports/report.js";
import { signedHeaders } from "../reports/signature.js";
import { type BackoffPolicy, backoffDelay } from "./backoff.js";
import { type Clock, sleep } from "./clock.js";
import type { Logger } from "./log.js";
import { type Post, post } from "./post.js";

export const reportsPath = "/ferry/v1/reports";

export interface SenderOptions {
  /** Base URL of the Ferry app, e.g. https://ferry.example.com. */
  url: string;
  secret: string;
  /** The HTTP POST (node:http(s) by default; tests may pass their own). */
  post?: Post;
  clock: Clock;
  logger: Logger;
  retry: BackoffPolicy;
  random?: () => number;
  /** Requests in flight across all objects (one per object at most). */
  concurrency?: number;
  requestTimeoutMs?: number;
}

export interface SenderStats {
  /** Reports handed to the sender. */
  queued: number;
  /** Reports replaced by a newer one for the same object before they were delivered. */
  coalesced: number;
  /** HTTP requests made, including retries. */
  requests: number;
  delivered: number;
  /** Refused by the app for good (400/401/403): logged, not retried. */
  rejected: number;
}

interface Slot {
  pending?: Report;
  running: boolean;
}

/**
 * Delivers reports: per object the latest state wins and at most one request is in flight;
 * while the app is unreachable the current state is retried with backoff, never dropped.
 * Every attempt is signed anew, so a retry is never a replay.
 */
export class ReportSender {
  readonly stats: SenderStats = { queued: 0, coalesced: 0, requests: 0, delivered: 0, rejected: 0 };
  readonly #options: SenderOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #sleeps = new Set<{ cancel(): void }>();
  readonly #aborts = new Set<AbortController>();
  readonly #waiting: (() => void)[] = [];
  readonly #idle: (() => void)[] = [];
  #active = 0;
  #stopped = false;

  constructor(options: SenderOptions) {
    this.#options = options;
  }

  send(report: Report): void {
    if (this.#stopped) return;
    this.stats.queued += 1;
    const key = objectKey(report);
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { running: false };
      this.#slots.set(key, slot);
    }
    if (slot.pending !== undefined) this.stats.coalesced += 1;
    slot.pending = report;
    if (!slot.running) void this.#drain(key, slot);
  }

  /** Drops everything not yet delivered (leadership lost: the new leader resends current state). */
  clear(): void {
    for (const slot of this.#slots.values()) slot.pending = undefined;
    for (const s of this.#sleeps) s.cancel();
  }

  /** Number of objects with a report not yet delivered. */
  get backlog(): number {
    let n = 0;
    for (const slot of this.#slots.values()) if (slot.pending !== undefined || slot.running) n += 1;
    return n;
  }

  /** Resolves when nothing is pending or in flight. */
  idle(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.clear();
    for (const a of this.#aborts) a.abort();
    for (const w of this.#waiting.splice(0)) w();
  }

  async #drain(key: string, slot: Slot): Promise<void> {
    slot.running = true;
    let attempt = 0;
    while (slot.pending !== undefined && !this.#stopped) {
      const report = slot.pending;
      slot.pending = undefined;
      const outcome = await this.#post(report);
      if (outcome === "retry" && !this.#stopped) {
        // Keep it unless a newer state arrived meanwhile: latest wins.
        if (slot.pending === undefined) slot.pending = report;
        else this.stats.coalesced += 1;
        const wait = sleep(
          this.#options.clock,
          backoffDelay(attempt, this.#options.retry, this.#options.random),
        );
        attempt += 1;
        this.#sleeps.add(wait);
        await wait.done;
        this.#sleeps.delete(wait);
      } else attempt = 0;
    }
    slot.running = false;
    if (slot.pending === undefined) this.#slots.delete(key);
    if (this.backlog === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #post(report: Report): Promise<"ok" | "retry" | "rejected"> {
    await this.#acquire();
    if (this.#stopped) {
      this.#release();
      return "rejected";
    }
    const abort = new AbortController();
    this.#aborts.add(abort);
    const timeout = setTimeout(() => abort.abort(), this.#options.requestTimeoutMs ?? 10_000);
    try {
      this.stats.requests += 1;
      const body = JSON.stringify(report);
      const status = await (this.#options.post ?? post)(new URL(reportsPath, this.#options.url), {
        headers: signedHeaders(this.#options.secret, body, this.#options.clock.now()),
        body,
        signal: abort.signal,
      });
      // 409: the app already has this exact delivery (our earlier attempt's answer was lost).
      if ((status >= 200 && status < 300) || status === 409) {
        this.stats.delivered += 1;
        return "ok";
      }
      if (status === 408 || status === 429 || status >= 500) {
        this.#options.logger.warn("app unavailable; will retry", {
          status,
          object: objectKey(report),
        });
        return "retry";
      }
      this.stats.rejected += 1;
      this.#options.logger.error("app refused report", {
        status,
        object: objectKey(report),
      });
      return "rejected";
    } catch (err) {
      if (!this.#stopped) {
        this.#options.logger.warn("app unreachable; will retry", {
          error: String(err),
          object: objectKey(report),
        });
      }
      return "retry";
    } finally {
      clearTimeout(timeout);
      this.#aborts.delete(abort);
      this.#release();
    }
  }

  async #acquire(): Promise<void> {
    if (this.#active < (this.#options.concurrency ?? 8) || this.#stopped) {
      this.#active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active += 1;
  }

  #release(): void {
    this.#active -= 1;
    this.#waiting.shift()?.();
  }
}
