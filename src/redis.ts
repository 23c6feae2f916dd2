import { Redis } from "ioredis";
import type { ReplayCache } from "./reports/replay-cache.js";

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
    const answer = await this.redis.set(
      `${this.prefix}${key}`,
      "1",
      "PX",
      Math.max(1, expiresAt - now),
      "NX",
    );
    return answer === "OK";
  }
}

/** A connected client for REDIS_URL; start-up fails with a clear message when Redis is unreachable. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(`Ferry cannot start: Redis at REDIS_URL is unreachable (${(error as Error).message})`);
  }
}
