import type { Octokit, RepoRef } from "./repo-client.js";

/**
 * Where the GitHub behind an API base URL serves its web pages: `https://api.github.com` →
 * `https://github.com`, `https://api.<x>.ghe.com` → `https://<x>.ghe.com`, and GitHub Enterprise
 * Server's `<scheme>://<host>/api/v3` → `<scheme>://<host>`.
 */
export function webOriginOf(apiBaseUrl: string): string {
  const url = new URL(apiBaseUrl);
  if (url.pathname.replace(/\/+$/, "") === "" && url.hostname.startsWith("api."))
    return `${url.protocol}//${url.host.slice("api.".length)}`;
  return url.origin;
}

/** The web origin of the GitHub this client talks to. */
export function webOrigin(octokit: Octokit): string {
  return webOriginOf(octokit.request.endpoint.DEFAULTS.baseUrl);
}

/** A repository's web URL, e.g. `https://github.com/acme/deploy`. */
export function repoWebUrl(octokit: Octokit, repo: RepoRef): string {
  return `${webOrigin(octokit)}/${repo.owner}/${repo.repo}`;
}
