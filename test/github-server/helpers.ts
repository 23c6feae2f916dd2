import { Octokit } from "@octokit/rest";
import { generateAppKeyPair, signAppJwt } from "../support/github/auth.js";
import type { GitHubServer, GitHubServerOptions } from "../support/github/server.js";
import { startGitHubServer } from "../support/github/server.js";

export const APP_ID = 123;
/** One key pair per test process: RSA generation is the slow part of setup. */
export const keys = generateAppKeyPair();

/** Octokit logs every 4xx; the tests provoke many on purpose. */
export const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export async function startServer(extra: Partial<GitHubServerOptions> = {}): Promise<GitHubServer> {
  return startGitHubServer({ appId: APP_ID, privateKey: keys.privateKey, ...extra });
}

/** An Octokit authenticated as the installation, the way Probot gets one. */
export async function installationOctokit(server: GitHubServer): Promise<Octokit> {
  const app = new Octokit({ baseUrl: server.apiUrl, auth: signAppJwt(APP_ID, keys.privateKey), log: quiet });
  const { data } = await app.rest.apps.createInstallationAccessToken({
    installation_id: server.installationId,
  });
  return new Octokit({ baseUrl: server.apiUrl, auth: data.token, log: quiet });
}
