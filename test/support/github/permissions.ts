import { HttpError } from "./errors.js";
import type { AppPermissions, AppRecord } from "./model.js";
import type { Route } from "./router.js";

/**
 * What an installation token needs for each route and GraphQL mutation, after GitHub's
 * "Permissions required for GitHub Apps" reference: one of the listed permissions at the level
 * given (write includes read). A personal access token is not limited by these (users' repository
 * roles are not modelled).
 */
export type Need = {
  level: "read" | "write";
  anyOf: string[];
  /** Issue routes act on an issue or a PR: `issues` for the one, `pull_requests` for the other. */
  byTarget?: true;
};

const read = (...anyOf: string[]): Need => ({ level: "read", anyOf });
const write = (...anyOf: string[]): Need => ({ level: "write", anyOf });
/** An issue route on one issue or PR (by number or by comment). */
const onIssue = (level: "read" | "write"): Need => ({
  level,
  anyOf: ["issues", "pull_requests"],
  byTarget: true,
});

/** Every token-authenticated route the server serves; a route missing here is refused loudly. */
export const ROUTE_PERMISSIONS: Partial<Record<Route, Need | "any">> = {
  "GET /installation/repositories": "any",
  "GET /repos/{owner}/{repo}": read("metadata"),
  "GET /repos/{owner}/{repo}/tags": read("metadata"),
  "GET /repos/{owner}/{repo}/collaborators/{username}/permission": read("metadata"),

  "GET /repos/{owner}/{repo}/branches": read("contents"),
  "GET /repos/{owner}/{repo}/branches/{branch}": read("contents"),
  "GET /repos/{owner}/{repo}/commits": read("contents"),
  "GET /repos/{owner}/{repo}/commits/{ref}": read("contents"),
  "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls": read("contents", "pull_requests"),
  "GET /repos/{owner}/{repo}/compare/{basehead}": read("contents"),
  "GET /repos/{owner}/{repo}/contents/{path}": read("contents"),
  "GET /repos/{owner}/{repo}/releases/tags/{tag}": read("contents"),
  "PUT /repos/{owner}/{repo}/contents/{path}": write("contents"),
  "GET /repos/{owner}/{repo}/git/blobs/{file_sha}": read("contents"),
  "POST /repos/{owner}/{repo}/git/blobs": write("contents"),
  "GET /repos/{owner}/{repo}/git/trees/{tree_sha}": read("contents"),
  "POST /repos/{owner}/{repo}/git/trees": write("contents"),
  "GET /repos/{owner}/{repo}/git/commits/{commit_sha}": read("contents"),
  "POST /repos/{owner}/{repo}/git/commits": write("contents"),
  "GET /repos/{owner}/{repo}/git/ref/{ref}": read("contents"),
  "GET /repos/{owner}/{repo}/git/matching-refs/{ref}": read("contents"),
  "POST /repos/{owner}/{repo}/git/refs": write("contents"),
  "PATCH /repos/{owner}/{repo}/git/refs/{ref}": write("contents"),
  "DELETE /repos/{owner}/{repo}/git/refs/{ref}": write("contents"),

  "POST /repos/{owner}/{repo}/check-runs": write("checks"),
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": write("checks"),
  "POST /repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest": write("checks"),
  "POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest": write("checks", "contents"),
  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}": read("checks", "contents"),
  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations": read("checks", "contents"),
  "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}": read("checks", "contents"),
  "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs": read("checks", "contents"),
  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": read("checks", "contents"),
  "GET /repos/{owner}/{repo}/commits/{ref}/check-suites": read("checks", "contents"),

  "GET /repos/{owner}/{repo}/pulls": read("pull_requests"),
  "GET /repos/{owner}/{repo}/attestations/{subject_digest}": read("attestations"),
  "POST /orgs/{org}/attestations/bulk-list": read("attestations"),
  "POST /repos/{owner}/{repo}/pulls": write("pull_requests"),
  "GET /repos/{owner}/{repo}/pulls/{pull_number}": read("pull_requests"),
  "PATCH /repos/{owner}/{repo}/pulls/{pull_number}": write("pull_requests"),
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits": read("pull_requests"),
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/files": read("pull_requests"),
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/merge": read("pull_requests"),
  "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge": write("contents"),
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews": read("pull_requests"),
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews": write("pull_requests"),

  // Issue routes serve PRs too: an issue needs `issues`, a PR `pull_requests` ("If your GitHub App
  // has permissions on issues but not on pull requests, these endpoints will be limited to issues").
  "GET /repos/{owner}/{repo}/issues": read("issues"),
  "POST /repos/{owner}/{repo}/issues": write("issues"),
  "GET /repos/{owner}/{repo}/issues/{issue_number}": onIssue("read"),
  "PATCH /repos/{owner}/{repo}/issues/{issue_number}": onIssue("write"),
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": onIssue("read"),
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": onIssue("write"),
  "GET /repos/{owner}/{repo}/issues/comments": read("issues", "pull_requests"),
  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}": onIssue("read"),
  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": onIssue("write"),
  "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}": onIssue("write"),
  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": onIssue("read"),
  "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": onIssue("write"),
  "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions": onIssue("write"),
  "GET /repos/{owner}/{repo}/issues/{issue_number}/events": onIssue("read"),
  "POST /repos/{owner}/{repo}/issues/{issue_number}/assignees": onIssue("write"),
  "GET /repos/{owner}/{repo}/issues/{issue_number}/labels": onIssue("read"),
  "POST /repos/{owner}/{repo}/issues/{issue_number}/labels": onIssue("write"),
  "PUT /repos/{owner}/{repo}/issues/{issue_number}/labels": onIssue("write"),
  "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": onIssue("write"),
  "GET /repos/{owner}/{repo}/labels": read("issues", "pull_requests"),
  "GET /repos/{owner}/{repo}/labels/{name}": read("issues", "pull_requests"),
  "POST /repos/{owner}/{repo}/labels": write("issues", "pull_requests"),
};

/** GraphQL mutations by name; queries are checked per field where their resolvers read state. */
export const MUTATION_PERMISSIONS: Record<string, Need> = {
  createRef: write("contents"),
  updateRef: write("contents"),
  deleteRef: write("contents"),
  createCommitOnBranch: write("contents"),
  createPullRequest: write("pull_requests"),
  updatePullRequest: write("pull_requests"),
  mergePullRequest: write("contents"),
  enablePullRequestAutoMerge: write("pull_requests"),
  disablePullRequestAutoMerge: write("pull_requests"),
  addLabelsToLabelable: write("issues", "pull_requests"),
  addComment: write("issues", "pull_requests"),
};

export const NOT_ACCESSIBLE = "Resource not accessible by integration";

export function grants(permissions: AppPermissions, need: Need): boolean {
  return need.anyOf.some(
    (p) => permissions[p] === "write" || (need.level === "read" && permissions[p] === "read"),
  );
}

/**
 * Throws GitHub's 403 unless the app may make this request; a user's token (no app) passes.
 * `target` says whether an issue route's number (or comment) is an issue or a PR, when known.
 */
export function authorize(
  app: AppRecord | undefined,
  need: Need | "any" | undefined,
  what: string,
  target?: "issue" | "pull",
): void {
  if (!app || need === "any") return;
  if (need === undefined)
    throw new Error(`test server: no permission is recorded for ${what} (permissions.ts)`);
  const narrowed =
    need.byTarget && target ? { ...need, anyOf: [target === "pull" ? "pull_requests" : "issues"] } : need;
  if (!grants(app.permissions, narrowed)) throw new HttpError(403, NOT_ACCESSIBLE);
}
