/**
 * Compile-only: `npx tsc --noEmit` proves the route table accepts only operations that exist in
 * GitHub's OpenAPI description (`@octokit/openapi-types`). Not executed.
 */
import { type Route, routes } from "./router.js";

export const real: Route = "POST /repos/{owner}/{repo}/check-runs";

// @ts-expect-error GitHub has no such path.
export const fakePath: Route = "GET /repos/{owner}/{repo}/promotions";

// @ts-expect-error The path exists, but GitHub serves no DELETE on it.
export const wrongMethod: Route = "DELETE /repos/{owner}/{repo}/check-runs";

export const table = routes({
  "GET /repos/{owner}/{repo}": () => ({ body: {} }),
  // @ts-expect-error A route table cannot hold a route GitHub does not have.
  "GET /repos/{owner}/{repo}/ferry": () => ({ body: {} }),
});

export const typedParams = routes({
  "GET /repos/{owner}/{repo}/pulls/{pull_number}": (ctx) => {
    const n: string = ctx.params.pull_number;
    // @ts-expect-error Params come from the path template.
    const missing: string = ctx.params.issue_number;
    return { body: { n, missing } };
  },
});
