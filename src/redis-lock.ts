import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { KeyedLock } from "./keyed-lock.js";
import { Unavailable } from "./outage.js";

/** Deletes or extends the lock only while this holder's token is still the value. */
const release = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const extend = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export interface RedisLockOptions {
  /** How long a held lock lives without renewal: a holder killed mid-work blocks its key at most this long. */
  ttlMs?: number;
  /** How long a caller waits for a busy key before giving up (its job is retried later). */
  waitMs?: number;
  prefix?: string;
  /** Told when a renewal found the lock gone (the holder stalled longer than the TTL). */
  onLost?: (key: string) => void;
}

/**
 * The per-key lock shared by every replica: `SET key token NX PX ttl`, renewed every third of
 * the TTL while the work runs, released only by its holder (compare-and-delete). A waiting
 * caller polls with a growing pause (25 ms up to 250 ms). No library: the ones that do this
 * (redlock) add multi-server quorum Ferry does not need and have not seen a stable release in
 * years; these three commands are the whole algorithm for one Redis.
 */
export class RedisKeyedLock implements KeyedLock {
  readonly #ttlMs: number;
  readonly #waitMs: number;
  readonly #prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisLockOptions = {},
  ) {
    this.#ttlMs = options.ttlMs ?? 15_000;
    this.#waitMs = options.waitMs ?? 10 * 60_000;
    this.#prefix = options.prefix ?? "ferry:lock:";
  }

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const name = `${this.#prefix}${key}`;
    const token = randomUUID();
    await this.#acquire(name, token, key);
    const renew = setInterval(() => {
      this.redis.eval(extend, 1, name, token, this.#ttlMs).then(
        (kept) => {
          if (kept === 0) this.options.onLost?.(key);
        },
        () => {}, // Redis down: the next renewal tries again; expiry is the fallback.
      );
    }, this.#ttlMs / 3);
    renew.unref();
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await this.redis.eval(release, 1, name, token).catch(() => {});
    }
  }

  async #acquire(name: string, token: string, key: string): Promise<void> {
    const deadline = Date.now() + this.#waitMs;
    for (let pause = 25; ; pause = Math.min(pause * 2, 250)) {
      let answer: string | null;
      try {
        answer = await this.redis.set(name, token, "PX", this.#ttlMs, "NX");
      } catch (error) {
        throw new Unavailable("Redis at REDIS_URL is unreachable; retry later", { cause: error });
      }
      if (answer === "OK") return;
      if (Date.now() > deadline) {
        throw new Unavailable(`waited ${this.#waitMs} ms for the lock on ${key}; retry later`);
      }
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}
