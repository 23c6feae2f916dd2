import type { ApplicationFunction, Probot } from "probot";

/**
 * A dependency Ferry cannot work without is down (Redis today). Callers answer 503 with the
 * message, so GitHub's redelivery and the agent's retry try again later, instead of a 500.
 */
export class Unavailable extends Error {
  readonly status = 503;
}

/**
 * Registers `appFn` so that a webhook handler that fails while `unavailable()` names an outage
 * fails with `Unavailable` and that reason: its job counts it as passing trouble and runs again
 * later (src/queue/retryable.ts). Webhooks that arrive during an outage are answered 503 and never
 * queued (see server.ts); this covers jobs already running when it starts.
 */
export function answer503DuringOutage(
  appFn: ApplicationFunction,
  unavailable: () => string | undefined,
): ApplicationFunction {
  return (app, options) => {
    const on: Probot["on"] = (event, handler) =>
      app.on(event, async (context) => {
        try {
          await handler(context);
        } catch (error) {
          const reason = unavailable();
          if (reason === undefined || error instanceof Unavailable) throw error;
          throw new Unavailable(`${reason}; retry later`, { cause: error });
        }
      });
    // Only `on` changes; everything else is Probot's own, bound to it (it keeps private state).
    const wrapped = new Proxy(app, {
      get: (target, prop) => {
        if (prop === "on") return on;
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return appFn(wrapped, options);
  };
}
