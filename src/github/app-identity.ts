import type { Octokit } from "./repo-client.js";

const ids = new WeakMap<Octokit, Promise<number>>();

/**
 * The id of the GitHub App this client acts for, read from its own credentials (Probot's clients
 * authenticate as the app; asking for the app's authentication signs a JWT locally, no request).
 * Every lookup of a check run by name filters on it: another app in the installation may create
 * runs with Ferry's names, and those are neither evidence nor Ferry's to update.
 */
export function ownAppId(octokit: Octokit): Promise<number> {
  let id = ids.get(octokit);
  if (id === undefined) {
    id = (octokit.auth({ type: "app" }) as Promise<{ appId?: unknown }>).then((auth) => {
      if (typeof auth.appId !== "number")
        throw new Error("this GitHub client is not authenticated as a GitHub App");
      return auth.appId;
    });
    ids.set(octokit, id);
  }
  return id;
}

const logins = new Map<number, Promise<string>>();

/**
 * The login of the app's bot user (`<slug>[bot]`), the author of every issue Ferry opens: one
 * `GET /app` (signed with the app's JWT) per app and process, asked again after a failure.
 */
export async function ownBotLogin(octokit: Octokit): Promise<string> {
  const appId = await ownAppId(octokit);
  let login = logins.get(appId);
  if (login === undefined) {
    login = octokit.rest.apps.getAuthenticated().then(({ data }) => {
      if (!data?.slug) throw new Error("GitHub did not say this app's slug (GET /app)");
      return `${data.slug}[bot]`;
    });
    logins.set(appId, login);
    login.catch(() => logins.delete(appId));
  }
  return login;
}
