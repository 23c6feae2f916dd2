import { type FieldError, HttpError } from "./errors.js";
import type { Route } from "./router.js";

/**
 * GitHub's size limits on what an app writes, each measured in GitHub's own unit, with the 422
 * GitHub answers. Deliberately independent of Ferry's src/github/limits.ts: this is the model of
 * GitHub that Ferry's own arithmetic is tested against.
 *
 * - Check runs: `output.summary` and `output.text` are refused beyond 65,535 *bytes* of UTF-8 with
 *   `{"resource":"CheckRun","code":"custom","field":"summary","message":"summary exceeds a maximum
 *   bytesize of 65535"}` (GitHub's REST docs say "65535 characters"; the answer GitHub gives to
 *   multi-byte text is quoted in github/docs issue 35252). The name and `output.title` are held to
 *   the same bytes (GitHub documents no limit for them).
 * - Annotations: `message` and `raw_details` "64 KB" (@octokit/openapi-types), taken as the same
 *   65,535 bytes; `title` 255 characters. (At most 50 per request is enforced in routes/checks.ts.)
 * - Issue, pull request and comment bodies: 65,536 characters (Unicode code points, as Ruby counts),
 *   `"body is too long (maximum is 65536 characters)"` with resource Issue, PullRequest or IssueComment.
 */
export const limits = {
  checkRunBytes: 65_535,
  annotationBytes: 65_535,
  annotationTitleChars: 255,
  bodyChars: 65_536,
} as const;

const bytes = (text: string): number => Buffer.byteLength(text, "utf8");
const chars = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

function refuse(errors: FieldError[]): never {
  throw new HttpError(422, "Validation Failed", errors);
}

interface CheckRunBody {
  name?: unknown;
  output?: {
    title?: unknown;
    summary?: unknown;
    text?: unknown;
    annotations?: { message?: unknown; title?: unknown; raw_details?: unknown }[];
  };
}

/** Check run create/update: the 422 GitHub gives for a field over its byte or character limit. */
export function enforceCheckRunLimits(body: CheckRunBody): void {
  const errors: FieldError[] = [];
  const overBytes = (field: string, value: unknown, max: number) => {
    if (typeof value === "string" && bytes(value) > max)
      errors.push({
        resource: "CheckRun",
        code: "custom",
        field,
        message: `${field} exceeds a maximum bytesize of ${max}`,
      });
  };
  overBytes("name", body.name, limits.checkRunBytes);
  overBytes("title", body.output?.title, limits.checkRunBytes);
  overBytes("summary", body.output?.summary, limits.checkRunBytes);
  overBytes("text", body.output?.text, limits.checkRunBytes);
  for (const annotation of body.output?.annotations ?? []) {
    overBytes("message", annotation.message, limits.annotationBytes);
    overBytes("raw_details", annotation.raw_details, limits.annotationBytes);
    if (typeof annotation.title === "string" && chars(annotation.title) > limits.annotationTitleChars)
      errors.push({
        resource: "CheckRun",
        code: "custom",
        field: "title",
        message: `title is too long (maximum is ${limits.annotationTitleChars} characters)`,
      });
  }
  if (errors.length > 0) refuse(errors);
}

/** Issue, pull request or comment body: GitHub counts characters, not bytes or UTF-16 units. */
export function enforceBodyLimit(resource: "Issue" | "PullRequest" | "IssueComment", body: unknown): void {
  if (typeof body === "string" && chars(body) > limits.bodyChars)
    refuse([
      {
        resource,
        code: "custom",
        field: "body",
        message: `body is too long (maximum is ${limits.bodyChars} characters)`,
      },
    ]);
}

const bodyResources: { [R in Route]?: "Issue" | "PullRequest" | "IssueComment" } = {
  "POST /repos/{owner}/{repo}/issues": "Issue",
  "PATCH /repos/{owner}/{repo}/issues/{issue_number}": "Issue",
  "POST /repos/{owner}/{repo}/pulls": "PullRequest",
  "PATCH /repos/{owner}/{repo}/pulls/{pull_number}": "PullRequest",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": "IssueComment",
  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": "IssueComment",
};

const checkRunWrites = new Set<Route>([
  "POST /repos/{owner}/{repo}/check-runs",
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
]);

/** Every REST write GitHub size-checks, checked before its handler runs so a refusal changes nothing. */
export function enforceRequestLimits(route: Route, body: Record<string, unknown>): void {
  if (checkRunWrites.has(route)) {
    enforceCheckRunLimits(body as CheckRunBody);
    return;
  }
  const resource = bodyResources[route];
  if (resource) enforceBodyLimit(resource, body.body);
}
