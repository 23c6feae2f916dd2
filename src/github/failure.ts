/**
 * Why a GitHub request failed for good, in words for the people who see it on a check or PR.
 * Separates "GitHub is limiting or failing" (rate limits, 5xx: try again later) from anything else.
 */

interface RequestErrorShape {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** True when GitHub refused for load (rate limit or 5xx), so a later retry can succeed. */
export function isGitHubTrouble(error: unknown): boolean {
  const status = (error as RequestErrorShape)?.status;
  return typeof status === "number" && (status >= 500 || rateLimit(error as RequestErrorShape) !== undefined);
}

/** One sentence: what GitHub answered, and for rate limits how long it asked Ferry to wait. */
export function describeGitHubFailure(error: unknown): string {
  const e = error as RequestErrorShape;
  const limit = rateLimit(e);
  if (limit) return limit;
  if (typeof e?.status === "number" && e.status >= 500)
    return `GitHub kept failing (HTTP ${e.status}) after Ferry's retries`;
  return typeof e?.message === "string" ? e.message : String(error);
}

function rateLimit(e: RequestErrorShape): string | undefined {
  if (e?.status !== 403 && e?.status !== 429) return undefined;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  const message = typeof e.message === "string" ? e.message : "";
  if (Number.isFinite(retryAfter) && retryAfter > 0)
    return `GitHub rate-limited Ferry and asked it to wait ${retryAfter} s (HTTP ${e.status}), longer than Ferry waits (GITHUB_MAX_RETRY_WAIT_MS) or after its retries ran out`;
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : "later";
    return `GitHub's hourly request budget for this installation is used up until ${when} (HTTP ${e.status})`;
  }
  if (/secondary rate/i.test(message))
    return `GitHub's secondary rate limit stopped Ferry (HTTP ${e.status}); GitHub asks for a wait of at least a minute, longer than Ferry waits (GITHUB_MAX_RETRY_WAIT_MS) or after its retries ran out`;
  if (e.status === 429) return "GitHub answered 429 Too Many Requests without saying how long to wait";
  return undefined;
}
