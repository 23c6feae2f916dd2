import Bottleneck from "bottleneck";
import type { RedisLink } from "./redis.js";

type ScriptCallback = (error: Error | null, replies: unknown) => void;
type ScriptFn = (...args: unknown[]) => unknown;

/**
 * Bottleneck recognises its Lua scripts' errors by exact message, but Redis 7 prefixes them with
 * "ERR ". Unpatched, a Redis that comes back empty after an outage is never re-initialised, and
 * every GitHub request fails with "ERR SETTINGS_KEY_NOT_FOUND" until Bottleneck's group clean-up
 * drops the limiter, about two minutes later (bottleneck 2.19.5, the last release).
 */
class Redis7Connection extends Bottleneck.IORedisConnection {
  __scriptFn__(name: string): ScriptFn {
    const base = Bottleneck.IORedisConnection.prototype as unknown as {
      __scriptFn__(this: unknown, name: string): ScriptFn;
    };
    const run = base.__scriptFn__.call(this, name);
    return (...args: unknown[]) => {
      const done = args.pop() as ScriptCallback;
      return run(...args, (error: Error | null, replies: unknown) => {
        if (error && /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT|OVERWEIGHT)/.test(error.message)) {
          error.message = error.message.slice(4);
        }
        done(error, replies);
      });
    };
  }
}

/**
 * A Bottleneck group that replaces a limiter whose set-up failed. A limiter first used while
 * Redis (or Bottleneck's subscriber connection) is down never becomes ready and refuses every
 * job; Bottleneck itself never drops it, since its clean-up also waits for that set-up.
 */
class SelfHealingGroup extends Bottleneck.Group {
  readonly #broken = new WeakSet<Bottleneck>();

  constructor(options: Bottleneck.ConstructorOptions) {
    super(options);
    this.on("created", (limiter) => {
      limiter.ready().catch(() => this.#broken.add(limiter));
    });
  }

  override key(name = ""): Bottleneck {
    const limiter = super.key(name);
    if (!this.#broken.has(limiter)) return limiter;
    // Dropped here only; its keys in Redis expire with the group's timeout.
    delete (this as unknown as { instances: Record<string, Bottleneck> }).instances[name];
    return super.key(name);
  }
}

/**
 * The throttling that Probot sets up for REDIS_URL — the same groups and limits as
 * @octokit/plugin-throttling's, shared by every replica through Redis — but on Ferry's
 * fail-fast Redis connection instead of a default ioredis client, which queued each request for
 * seconds during an outage and logged every reconnect attempt.
 */
export function sharedThrottle(link: RedisLink) {
  const connection = new Redis7Connection({ client: link.client });
  // RedisLink logs an outage once; Bottleneck would repeat it for every attempt of two clients.
  connection.on("error", () => {});
  const common = { connection, timeout: 2 * 60_000 };
  const groups = {
    global: new SelfHealingGroup({ id: "octokit-global", maxConcurrent: 10, ...common }),
    auth: new SelfHealingGroup({ id: "octokit-auth", maxConcurrent: 1, ...common }),
    search: new SelfHealingGroup({ id: "octokit-search", maxConcurrent: 1, minTime: 2000, ...common }),
    write: new SelfHealingGroup({ id: "octokit-write", maxConcurrent: 1, minTime: 1000, ...common }),
    notifications: new SelfHealingGroup({
      id: "octokit-notifications",
      maxConcurrent: 1,
      minTime: 3000,
      ...common,
    }),
  };
  return {
    /** For Octokit's `throttle` option. */
    options: { Bottleneck, connection, ...groups },
    close: () => connection.disconnect(false),
  };
}
