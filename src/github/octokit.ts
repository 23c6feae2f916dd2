import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";
import { PacedWrites, RequestScopedLimiter } from "./paced-writes.js";
import { requestBodiesNeverLogged } from "./request-log.js";
import { type GitHubRequestObserver, observeRequests } from "./request-observer.js";
import { refreshRevokedToken } from "./token-refresh.js";

export interface OctokitTuning {
  /** Pause between content-creating requests (GitHub asks for about one second). */
  writeIntervalMs: number;
  /** Base of the back-off: a `retry-after: 3` waits 3 × this; 5xx retries wait 1, 4, 9 × this. */
  retryBaseMs: number;
  /**
   * The longest single wait before a retry. A rate limit asking for longer is not retried: the
   * request fails at once and its caller says so where the work was for.
   */
  maxRetryWaitMs: number;
  /** How many times a rate-limited or failing request is retried before the failure surfaces. */
  retries?: number;
  /** Told of every HTTP request to GitHub (retries included): route, status, rate limit left. */
  observe?: GitHubRequestObserver;
}

/**
 * The retry plugin's default `doNotRetry`, plus 429 (rate limits belong to the throttling plugin),
 * 405 (a merge GitHub will not make) and 409 (a conflict): those are answers, not glitches, and
 * retrying the same request cannot change them.
 */
const doNotRetry = [400, 401, 403, 404, 405, 409, 410, 422, 429, 451];

/**
 * Probot's Octokit with retries and throttling configured rather than hand-rolled:
 * 5xx answers are retried by the retry plugin, and both primary and secondary rate limits are
 * retried after GitHub's `retry-after`/reset by the throttling plugin, a bounded number of times,
 * and only when the wait is within `maxRetryWaitMs`.
 *
 * Every wait is bounded. The throttling plugin waits `retry-after` × base, or until the primary
 * limit resets; a secondary limit without `retry-after` counts as 60 s (GitHub: "wait for at least
 * one minute"), never 0. A 429 that is neither (no secondary-limit message, no exhausted budget)
 * is not retried at all, rather than retried by the retry plugin within seconds. 5xx back-off is
 * (n + 1)² × base, its base lowered so that even the last wait stays within the cap.
 */
export function ferryOctokit(tuning: OctokitTuning): typeof ProbotOctokit {
  const retries = tuning.retries ?? 3;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method: string; url: string },
      octokit: { log: { warn(m: string): void } },
      retryCount: number,
    ) => {
      const waitMs = retryAfter * tuning.retryBaseMs;
      const where = `${kind} rate limit on ${options.method} ${options.url}`;
      if (waitMs > tuning.maxRetryWaitMs) {
        octokit.log.warn(
          `${where}: GitHub asks for ${retryAfter}s, longer than GITHUB_MAX_RETRY_WAIT_MS (${tuning.maxRetryWaitMs} ms); giving up`,
        );
        return false;
      }
      const retry = retryCount < retries;
      octokit.log.warn(
        `${where}: ${retry ? `retrying in ${retryAfter}s` : "giving up"} (attempt ${retryCount + 1})`,
      );
      return retry;
    };
  // The write group paces content-creating requests; GraphQL queries skip it (paced-writes.ts).
  // Probot's shared group (through Redis when REDIS_URL is set) is kept at the default interval.
  const ownWrites = new Bottleneck.Group({
    id: "octokit-write",
    maxConcurrent: 1,
    minTime: tuning.writeIntervalMs,
  });
  const writesFor = (throttle: { write?: unknown }) => {
    if (throttle.write instanceof PacedWrites) return throttle.write;
    const shared =
      tuning.writeIntervalMs === 1000 ? (throttle.write as Bottleneck.Group | undefined) : undefined;
    return new PacedWrites(shared ?? ownWrites);
  };
  // Probot's group for requests that notify people (issues, comments, PRs: 3 s apart) scales with
  // a different interval, e.g. against a local test server.
  const notifications =
    tuning.writeIntervalMs === 1000
      ? {}
      : {
          notifications: new Bottleneck.Group({
            id: "ferry-notifications",
            maxConcurrent: 1,
            minTime: tuning.writeIntervalMs * 3,
          }),
        };
  const serverErrorBase = Math.min(tuning.retryBaseMs, Math.floor(tuning.maxRetryWaitMs / retries ** 2));
  // A token GitHub refuses is dropped and minted anew (src/github/token-refresh.ts); request
  // bodies (check output, PR bodies, file contents) are never logged (src/github/request-log.ts).
  // In this order: the refresh reads the refused request's authorization header, which the log
  // plugin strips from every error that passes it.
  const Plugged = ProbotOctokit.plugin(
    refreshRevokedToken as never,
    requestBodiesNeverLogged as never,
  ) as typeof ProbotOctokit;
  const Octokit = tuning.observe ? Plugged.plugin(observeRequests(tuning.observe)) : Plugged;
  return Octokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { retries, retryAfterBaseValue: serverErrorBase, doNotRetry },
    throttle: {
      ...(options.throttle as object),
      ...notifications,
      write: writesFor((options.throttle ?? {}) as { write?: unknown }),
      // One per client, as the plugin makes it; never inherited from the client it derives from.
      retryLimiter: new RequestScopedLimiter(),
      retryAfterBaseValue: tuning.retryBaseMs,
      onRateLimit: onLimit("Primary"),
      onSecondaryRateLimit: onLimit("Secondary"),
    },
  })) as typeof ProbotOctokit;
}
