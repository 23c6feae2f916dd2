import type { Probot } from "probot";
import { hasStatus, type Octokit, type RepoRef } from "./repo-client.js";

/**
 * Installation Octokits for work that arrives without a webhook (agent reports, timers): finds
 * the installation of a repo with the app's JWT once, then reuses one Octokit per installation,
 * whose token auth-app caches and renews.
 */
export class Installations {
  readonly #ids = new Map<string, { id: Promise<number | undefined>; at: number }>();
  readonly #octokits = new Map<number, Promise<Octokit>>();

  constructor(
    private readonly probot: Pick<Probot, "auth">,
    /** How long "not installed" is believed before asking again. */
    private readonly negativeTtlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The installation Octokit for `repo`, or undefined when the app is not installed there. */
  async forRepo(repo: RepoRef): Promise<Octokit | undefined> {
    const key = `${repo.owner}/${repo.repo}`.toLowerCase();
    let known = this.#ids.get(key);
    if (
      known === undefined ||
      ((await known.id) === undefined && this.now() - known.at > this.negativeTtlMs)
    ) {
      // Stored as a promise: concurrent first reports share one lookup.
      const id = this.#lookup(repo);
      known = { id, at: this.now() };
      this.#ids.set(key, known);
      id.catch(() => this.#ids.delete(key));
    }
    const id = await known.id;
    if (id === undefined) return undefined;
    let octokit = this.#octokits.get(id);
    if (octokit === undefined) {
      octokit = this.probot.auth(id) as Promise<Octokit>;
      this.#octokits.set(id, octokit);
      octokit.catch(() => this.#octokits.delete(id));
    }
    return octokit;
  }

  async #lookup(repo: RepoRef): Promise<number | undefined> {
    const app = await this.probot.auth();
    try {
      const { data } = await app.rest.apps.getRepoInstallation(repo);
      return data.id;
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  }
}
