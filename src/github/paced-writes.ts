import { AsyncLocalStorage } from "node:async_hooks";
import Bottleneck from "bottleneck";

/**
 * @octokit/plugin-throttling (11.x, `wrap-request.js`) sends every non-GET request *and every
 * GraphQL request* through its `write` group, so a GraphQL read waits the write interval like a
 * mutation. GitHub asks for the pause only between content-creating requests. These two pieces,
 * given to the plugin as its `write` and `retryLimiter` options, route a GraphQL query to the
 * plugin's global group alone (concurrency 10, no pause) and leave everything else as the plugin
 * decides: the plugin still does all queuing, pacing, retries and the Redis sharing.
 *
 * How: the plugin runs each request as a job of its `retryLimiter`, `doRequest(state, request,
 * options)`, whose first synchronous step asks `write.key(id).schedule(...)` for a slot. The
 * limiter below runs that job inside an AsyncLocalStorage scope holding the request's options;
 * the write group looks at them and lets a GraphQL query through at once.
 */
const current = new AsyncLocalStorage<RequestOptions>();

interface RequestOptions {
  method?: string;
  url?: string;
  query?: unknown;
}

/** True for a GraphQL document that only reads: no `mutation` (or `subscription`) operation. */
export function isGraphqlQuery(options: RequestOptions): boolean {
  if (options.method !== "POST" || typeof options.url !== "string") return false;
  if (!/^(?:[a-z]+:\/\/[^/]+)?(?:\/api)?\/graphql(?:\?|$)/.test(options.url)) return false;
  if (typeof options.query !== "string") return false;
  // Comments and strings may say anything; what is left names the operations. Anything that
  // might be a mutation is paced: the safe side of a wrong guess.
  const bare = options.query.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\])*"|#[^\n]*/g, " ");
  return !/\b(?:mutation|subscription)\b/.test(bare);
}

/** The plugin's per-instance `retryLimiter`, running each request job where the write group can see it. */
export class RequestScopedLimiter extends Bottleneck {
  // The plugin calls schedule(doRequest, state, request, options) and nothing else.
  override schedule(...args: unknown[]): Promise<never> {
    const [job, ...rest] = args as [(...a: unknown[]) => unknown, ...unknown[]];
    const options = rest[2] as RequestOptions | undefined;
    const scoped = (...a: unknown[]) => current.run(options ?? {}, () => job(...a));
    return (super.schedule as (...a: unknown[]) => Promise<never>)(scoped, ...rest);
  }
}

interface Limiter {
  schedule(...args: unknown[]): Promise<unknown>;
}

/** The plugin's `write` group: Bottleneck's group for writes, which GraphQL queries skip. */
export class PacedWrites {
  constructor(readonly group: { key(id: string): Limiter }) {}

  key(id: string): Limiter {
    const limiter = this.group.key(id);
    return {
      schedule: (...args: unknown[]) => {
        const options = current.getStore();
        if (options !== undefined && isGraphqlQuery(options)) {
          const job = args.find((a) => typeof a === "function") as () => unknown;
          return Promise.resolve().then(job);
        }
        return limiter.schedule(...args);
      },
    };
  }
}
