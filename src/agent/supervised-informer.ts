import { type BackoffPolicy, backoffDelay } from "./backoff.js";
import type { Clock } from "./clock.js";
import type { KubeObject, ObjectInformer } from "./kube.js";
import type { Logger } from "./log.js";

export interface InformerHandlers {
  upsert(obj: KubeObject): void;
  remove(obj: KubeObject): void;
}

export interface SupervisedInformer {
  start(): void;
  stop(): Promise<void>;
  /** Restarts after ERROR, for tests and figures. */
  readonly restarts: number;
  /** For the probes: synced once, and when the current run of failures began. */
  readonly synced: boolean;
  readonly failingSince: number | undefined;
}

/**
 * client-node's ListWatch re-watches on a closed stream and relists on 410, but on any other error
 * (a 500, a refused connection while the API server restarts) it fires ERROR and stops for good.
 * This restarts it with exponential backoff, resuming from its last resourceVersion.
 */
export function superviseInformer(
  informer: ObjectInformer,
  handlers: InformerHandlers,
  deps: { clock: Clock; logger: Logger; backoff: BackoffPolicy; random?: () => number; name: string },
): SupervisedInformer {
  let stopped = false;
  let attempt = 0;
  let restarts = 0;
  let timer: unknown;
  let erroredSinceStart = false;
  let synced = false;
  let failingSince: number | undefined;

  informer.on("add", (o) => {
    attempt = 0;
    handlers.upsert(o);
  });
  informer.on("update", (o) => {
    attempt = 0;
    handlers.upsert(o);
  });
  informer.on("delete", (o) => {
    attempt = 0;
    handlers.remove(o);
  });
  informer.on("error", (err) => {
    erroredSinceStart = true;
    failingSince ??= deps.clock.now();
    if (stopped) return;
    const delay = backoffDelay(attempt, deps.backoff, deps.random);
    attempt += 1;
    const status =
      (err as { statusCode?: number; code?: number })?.statusCode ?? (err as { code?: unknown })?.code;
    deps.logger.warn("watch failed; restarting", {
      resource: deps.name,
      status,
      error: err instanceof Error ? err.message.split("\n")[0] : String(err),
      retryInMs: delay,
    });
    deps.clock.clearTimeout(timer);
    timer = deps.clock.setTimeout(() => {
      restarts += 1;
      run();
    }, delay);
  });

  const run = () => {
    if (stopped) return;
    erroredSinceStart = false;
    informer.start().then(
      () => {
        // The watch is established: a later failure starts counting from scratch.
        if (!erroredSinceStart) {
          attempt = 0;
          synced = true;
          failingSince = undefined;
        }
      },
      (err: unknown) =>
        deps.logger.error("informer start threw", { resource: deps.name, error: String(err) }),
    );
  };

  return {
    start: run,
    async stop() {
      stopped = true;
      deps.clock.clearTimeout(timer);
      await informer.stop();
    },
    get restarts() {
      return restarts;
    },
    get synced() {
      return synced;
    },
    get failingSince() {
      return failingSince;
    },
  };
}
