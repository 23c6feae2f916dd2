import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";
import { refreshRevokedToken } from "./token-refresh.js";

export interface OctokitTuning {
  /** Pause between content-creating requests (GitHub asks for about one second). */
  writeIntervalMs: number;
  /** Base of the back-off: a `retry-after: 3` waits 3 × this; 5xx retries wait 1, 4, 9 × this. */
  retryBaseMs: number;
  /** How many times a rate-limited or failing request is retried before the failure surfaces. */
  retries?: number;
}

/**
 * Probot's Octokit with retries and throttling configured rather than hand-rolled:
 * 5xx answers are retried by the retry plugin, and both primary and secondary rate limits are
 * retried after GitHub's `retry-after`/reset by the throttling plugin, a bounded number of times.
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
      const retry = retryCount < retries;
      octokit.log.warn(
        `${kind} rate limit on ${options.method} ${options.url}: ${retry ? `retrying in ${retryAfter}s` : "giving up"} (attempt ${retryCount + 1})`,
      );
      return retry;
    };
  // Probot's own write group (1 s apart, shared through Redis when REDIS_URL is set) is kept
  // unless a different interval is asked for, e.g. against a local test server.
  const write =
    tuning.writeIntervalMs === 1000
      ? {}
      : {
          write: new Bottleneck.Group({
            id: "ferry-write",
            maxConcurrent: 1,
            minTime: tuning.writeIntervalMs,
          }),
        };
  return ProbotOctokit.plugin(refreshRevokedToken as never).defaults((options: Record<string, unknown>) => ({
    ...options,
    // 405 (a merge GitHub will not make) and 409 (a conflict) are answers, not glitches: retrying
    // the same request cannot change them (the plugin's default list lacks both).
    retry: {
      retries,
      retryAfterBaseValue: tuning.retryBaseMs,
      doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 451],
    },
    throttle: {
      ...(options.throttle as object),
      ...write,
      retryAfterBaseValue: tuning.retryBaseMs,
      onRateLimit: onLimit("Primary"),
      onSecondaryRateLimit: onLimit("Secondary"),
    },
  })) as typeof ProbotOctokit;
}
