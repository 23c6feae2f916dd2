import { isGitHubTrouble } from "../github/failure.js";
import { Unavailable } from "../outage.js";

const networkCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

/**
 * Whether running the job again later can succeed: GitHub limiting or failing (after Octokit's
 * own retries), the network, or Redis being down. A bug or a refusal (4xx) fails at once.
 * Probot gathers the errors of every handler of an event in an AggregateError.
 */
export function retryable(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(retryable);
  if (error instanceof Unavailable || isGitHubTrouble(error)) return true;
  const e = error as { code?: unknown; cause?: unknown; status?: unknown; name?: unknown };
  if (typeof e?.code === "string" && networkCodes.has(e.code)) return true;
  // Octokit wraps a failed fetch as a RequestError with status 500 (covered above); undici's
  // own "fetch failed" carries the network error as its cause.
  if (e?.cause !== undefined && e.cause !== error) return retryable(e.cause);
  return false;
}
