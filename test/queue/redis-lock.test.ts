import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisKeyedLock } from "../../src/redis-lock.js";
import { RedisServer, redisServer } from "../support/redis-server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!redisServer)("the per-key lock on Redis", () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  /** A lock as one replica holds it: its own connection. */
  const replica = (ttlMs = 1000) => {
    const client = new Redis(redis.url);
    clients.push(client);
    return new RedisKeyedLock(client, { ttlMs, prefix: "test:lock:" });
  };
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  it("two replicas never run work for one key at the same time; other keys run alongside", async () => {
    const [a, b] = [replica(), replica()];
    const events: string[] = [];
    const work = (name: string) => async () => {
      events.push(`start ${name}`);
      await sleep(60);
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      a.run("acme/deploy#staging#api", work("a1")),
      b.run("acme/deploy#staging#api", work("b1")),
      a.run("acme/deploy#staging#api", work("a2")),
      b.run("acme/deploy#staging#web", work("web")),
    ]);
    expect(results).toEqual(["a1", "b1", "a2", "web"]);
    const api = events.filter((e) => !e.endsWith("web"));
    for (let i = 0; i < api.length; i += 2) {
      expect(api[i]?.replace("start", "end")).toBe(api[i + 1]);
    }
    // web did not wait behind the three api runs
    const lastApiStart = Math.max(
      ...events.map((e, i) => (e.startsWith("start") && e !== "start web" ? i : -1)),
    );
    expect(events.indexOf("start web")).toBeLessThan(lastApiStart);
  });

  it("renews a lock while its work outlasts the TTL, and releases it on failure", async () => {
    const [a, b] = [replica(300), replica(300)];
    let overlap = false;
    let running = false;
    const slow = a.run("k", async () => {
      running = true;
      await sleep(900); // three TTLs
      running = false;
    });
    await sleep(50);
    await b.run("k", async () => {
      overlap = running;
    });
    await slow;
    expect(overlap).toBe(false);
    await expect(a.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await b.run("k", async () => "free")).toBe("free");
  });

  it("a holder that died blocks its key only until the TTL lapses", async () => {
    const client = new Redis(redis.url);
    clients.push(client);
    // What a replica killed mid-work leaves: the key, never released nor renewed.
    await client.set("test:lock:dead", "gone-replica", "PX", 400);
    const started = Date.now();
    expect(await replica().run("dead", async () => "mine")).toBe("mine");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});
