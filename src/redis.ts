import { Redis, type RedisOptions } from "ioredis";
import { Unavailable } from "./outage.js";
import type { ProvenanceVerdict } from "./provenance/verdict.js";
import type { VerdictCache } from "./provenance/verdict-cache.js";
import type { ReplayCache } from "./reports/replay-cache.js";
import { SettingsError } from "./settings.js";

/** What the link reports to operators: one line when an outage starts, one when it ends. */
export interface OutageLog {
  error(fields: Record<string, unknown>, message: string): void;
  info(message: string): void;
}

/**
 * ioredis options for a dependency that must fail fast and come back by itself. The defaults
 * queue commands while disconnected and retry each 20 times, which made webhooks wait 8.6 s for
 * a 500 during an outage.
 */
export const failFast: RedisOptions = {
  // A command while disconnected fails at once; one in flight when the connection drops too.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  // A Redis that accepts connections but does not answer counts as down.
  commandTimeout: 1000,
  connectTimeout: 2000,
  // Reconnect at least once a second, so Ferry is back within a second or two of Redis.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
};

const problem = "Redis at REDIS_URL is unreachable";

/**
 * The connection to REDIS_URL and whether commands work right now. A PING every
 * `pingIntervalMs` decides, so `/readyz` reflects commands that succeed, not a socket that is
 * merely open; ioredis errors (one per reconnect attempt) are logged once per outage.
 */
export class RedisLink {
  readonly client: Redis;
  #state: "starting" | "up" | "down" | "closed" = "starting";
  #reason = "not connected yet";
  #pinging = false;
  #pingFailures = 0;
  readonly #timer: NodeJS.Timeout;

  private constructor(
    url: string,
    private readonly log: OutageLog,
    pingIntervalMs: number,
  ) {
    this.client = new Redis(url, failFast);
    this.client.on("error", (error: Error) => this.#down(error.message));
    this.client.on("close", () => this.#down(this.#state === "up" ? "connection closed" : this.#reason));
    this.client.on("ready", () => this.#ping());
    this.#timer = setInterval(() => this.#ping(), pingIntervalMs).unref();
  }

  /** Connects and waits for a first PING; start-up fails with the reason when Redis does not answer. */
  static async connect(
    url: string,
    log: OutageLog,
    options: { timeoutMs?: number; pingIntervalMs?: number } = {},
  ): Promise<RedisLink> {
    const link = new RedisLink(url, log, options.pingIntervalMs ?? 1000);
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    while (link.#state !== "up" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (link.#state !== "up") {
      link.close();
      throw new SettingsError(`Ferry cannot start: ${problem} (${link.#reason})`);
    }
    return link;
  }

  /** Why Redis-backed work cannot run now, for a 503 and /readyz; undefined while it can. */
  get unavailable(): string | undefined {
    return this.#state === "up" ? undefined : problem;
  }

  close(): void {
    this.#state = "closed";
    clearInterval(this.#timer);
    this.client.disconnect();
  }

  #ping(): void {
    if (this.#pinging || this.#state === "closed") return;
    this.#pinging = true;
    this.client.ping().then(
      () => {
        this.#pinging = false;
        this.#pingFailures = 0;
        this.#up();
      },
      (error: Error) => {
        this.#pinging = false;
        // While disconnected, the connection error says more than "stream isn't writeable".
        if (this.client.status !== "ready") return this.#down(this.#reason);
        // On an open connection, one late answer may be this process's own pause (a long GC);
        // two in a row mean Redis does not answer.
        if (++this.#pingFailures >= 2) this.#down(error.message);
      },
    );
  }

  #up(): void {
    const was = this.#state;
    if (was === "up" || was === "closed") return;
    this.#state = "up";
    if (was === "down") this.log.info("Redis at REDIS_URL is reachable again");
  }

  #down(reason: string): void {
    this.#reason = reason;
    if (this.#state !== "up") return;
    this.#state = "down";
    this.log.error(
      { reason },
      `${problem} (${reason}); webhooks and agent reports answer 503 until it is back`,
    );
  }
}

/**
 * Replay protection shared by every replica: a report's signature is recorded with
 * `SET key 1 NX PX ttl`, so the same signed delivery is accepted once whichever replica gets it.
 */
export class RedisReplayCache implements ReplayCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "ferry:replay:",
  ) {}

  async remember(key: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      const answer = await this.redis.set(
        `${this.prefix}${key}`,
        "1",
        "PX",
        Math.max(1, expiresAt - now),
        "NX",
      );
      return answer === "OK";
    } catch (error) {
      throw new Unavailable(`${problem}; retry later`, { cause: error });
    }
  }
}

/**
 * Provenance verdicts shared by every replica (`SET key json PX ttl`). A cache only: Redis
 * failing makes a lookup a miss and a write a no-op, and the digest is checked again.
 */
export class RedisVerdictCache implements VerdictCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "ferry:provenance:",
  ) {}

  async get(key: string): Promise<ProvenanceVerdict | undefined> {
    const text = await this.redis.get(`${this.prefix}${key}`).catch(() => null);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as ProvenanceVerdict;
    } catch {
      return undefined;
    }
  }

  async set(key: string, verdict: ProvenanceVerdict, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.redis.set(`${this.prefix}${key}`, JSON.stringify(verdict), "PX", ttlMs).catch(() => undefined);
  }
}
