import type { ProbotOctokit } from "probot";

/** What Ferry learns from one HTTP request to GitHub; labels are bounded (routes are templates). */
export interface GitHubRequest {
  /** `GET /repos/{owner}/{repo}/pulls`, `POST /graphql FerryPair`; never a repo name or number. */
  route: string;
  /** HTTP status, or 0 when no answer came (network error, timeout). */
  status: number;
  /** The installation's budget as the answer's `x-ratelimit-*` headers state it. */
  rateLimit?: { resource: string; remaining: number; resetAt: number };
  /** The installation id the request spent, or "app" for the app's own (JWT) requests. */
  budget: string;
}

export type GitHubRequestObserver = (request: GitHubRequest) => void;

interface HookOptions {
  method?: string;
  url?: string;
  query?: unknown;
  request?: { fetch?: typeof fetch } & Record<string, unknown>;
}

/** The core client a plugin receives (Probot's plugins are added on top of it). */
type Client = Parameters<Parameters<typeof ProbotOctokit.plugin>[0]>[0];

/**
 * An Octokit plugin that reports every HTTP request to GitHub. It wraps the client's outermost
 * request hook, where the route is still a template, and hands the request a `fetch` that
 * observes each attempt underneath, so retries made by the retry and throttling plugins count
 * as the separate requests GitHub counts.
 */
export function observeRequests(observe: GitHubRequestObserver) {
  return (octokit: Client, octokitOptions: { auth?: { installationId?: number | string } }) => {
    const installation = octokitOptions.auth?.installationId;
    const budget = installation === undefined ? "app" : String(installation);
    octokit.hook.wrap("request", (request, options) => {
      const route = routeOf(options as HookOptions);
      const inner: typeof fetch = options.request?.fetch ?? globalThis.fetch;
      const observed: typeof fetch = async (input, init) => {
        let response: Response;
        try {
          response = await inner(input, init);
        } catch (error) {
          observe({ route, status: 0, budget });
          throw error;
        }
        const rateLimit = rateLimitOf(response.headers);
        observe({ route, status: response.status, budget, ...(rateLimit ? { rateLimit } : {}) });
        return response;
      };
      // Hooks share one options object per call (before-after-hook binds it), so the fetch is set
      // on it; `request` itself may be the client's shared defaults, so it is replaced, not changed.
      options.request = { ...options.request, fetch: observed };
      return request(options);
    });
    return {};
  };
}

/** The request's route template, or its path with every value in it blanked out. */
export function routeOf(options: HookOptions): string {
  const method = (options.method ?? "GET").toUpperCase();
  // Pagination passes the expanded URL, even for the first page: keep only the path.
  const url = (options.url ?? "")
    .split("?")[0]
    ?.replace(/^[a-z]+:\/\/[^/]+/, "")
    .replace(/^\/api\/v3(?=\/)/, "") as string;
  if (/(?:^|\/)graphql$/.test(url)) {
    const name =
      typeof options.query === "string"
        ? /^\s*(?:query|mutation)\s+([A-Za-z_]\w*)/.exec(options.query.replace(/#[^\n]*/g, ""))?.[1]
        : undefined;
    return name ? `POST /graphql ${name}` : "POST /graphql";
  }
  // Octokit's endpoint methods pass templates (`/repos/{owner}/{repo}`). A path written out rather than templated must not name a repository, a number or a commit.
  const path = url
    .replace(/^\/repos\/(?!\{)[^/]+\/[^/]+/, "/repos/{owner}/{repo}")
    .replace(/\/contents\/(?!\{).*$/, "/contents/{path}")
    .split("/")
    .map((segment) =>
      /^\{.*\}$|^[a-z][a-z_-]*$|^$/.test(segment) ? segment : /^\d+$/.test(segment) ? "{n}" : "{value}",
    )
    .join("/");
  return `${method} ${path}`;
}

function rateLimitOf(headers: Headers): GitHubRequest["rateLimit"] {
  const remaining = Number(headers.get("x-ratelimit-remaining") ?? Number.NaN);
  if (!Number.isFinite(remaining)) return undefined;
  const reset = Number(headers.get("x-ratelimit-reset") ?? 0);
  return {
    resource: headers.get("x-ratelimit-resource") ?? "core",
    remaining,
    resetAt: reset * 1000,
  };
}
