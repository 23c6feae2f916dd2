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
