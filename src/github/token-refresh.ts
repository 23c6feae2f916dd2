/** What the plugin needs of an Octokit: its error hook and `request`. */
interface Hookable {
  hook: { error(name: "request", fn: (error: unknown, options: RequestOptions) => unknown): void };
  request(options: RequestOptions): Promise<unknown>;
}

type RequestOptions = { request?: Record<string, unknown> } & Record<string, unknown>;

/** The installation and token cache Probot hands each installation's Octokit. */
interface AuthOptions {
  installationId?: number | string;
  cache?: { delete(key: string): unknown };
}

/**
 * Octokit plugin: when GitHub answers 401 to an installation token Ferry still holds (revoked,
 * or expired by GitHub's clock before the 59 minutes Probot caches it by Ferry's), drop it from
 * the token cache and send the request once more, which mints a new token. @octokit/auth-app
 * only retries a 401 within five seconds of minting the token (GitHub's replication delay) and
 * otherwise keeps using the refused one. (Its `auth({ refresh: true })` would mint one too, but
 * on GitHub Enterprise Server it asks api.github.com: Probot gives the auth strategy no base URL.)
 */
export function refreshRevokedToken(octokit: Hookable, options: { auth?: AuthOptions }): void {
  const { installationId, cache } = options.auth ?? {};
  if (installationId === undefined || cache === undefined) return;
  octokit.hook.error("request", async (error, request) => {
    const e = error as { status?: number; request?: { headers?: Record<string, string> } };
    const withToken = /^token /i.test(e.request?.headers?.authorization ?? "");
    if (e.status !== 401 || !withToken || request.request?.ferryTokenRefreshed) throw error;
    // @octokit/auth-app's cache key for a token of the whole installation is its id.
    cache.delete(String(installationId));
    return octokit.request({ ...request, request: { ...request.request, ferryTokenRefreshed: true } });
  });
}
