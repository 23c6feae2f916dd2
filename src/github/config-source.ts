import { configPath, parseFerryConfig } from "../config/load.js";
import type { FerryConfig } from "../config/schema.js";
import { type Octokit, type RepoRef, readFile } from "./repo-client.js";

export interface LoadedConfig {
  config: FerryConfig;
  /** Blob sha of the ferry.yml version in use. */
  blobSha: string;
}

/**
 * Reads ferry.yml from the default branch only (a PR cannot inject config) and keeps the last
 * valid version per repo. Nothing here is authoritative: after a restart the last valid version
 * is found again by walking the file's history on GitHub.
 *
 * A version read less than `maxAge` ago is used without asking GitHub again; a push to the
 * default branch that touches ferry.yml replaces it at once (`remember`, `invalidate`), and
 * `maxAge` bounds how long a missed webhook (or another replica's push) can go unseen.
 */
export class ConfigSource {
  readonly #valid = new Map<string, LoadedConfig>();
  readonly #checkedAt = new Map<string, number>();
  readonly #historyDepth: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: { historyDepth?: number; maxAgeMs?: number; now?: () => number } = {}) {
    this.#historyDepth = options.historyDepth ?? 10;
    this.#maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Forgets what is known of `repo`'s ferry.yml, so the next load reads it. */
  invalidate(repo: RepoRef): void {
    this.#checkedAt.delete(`${repo.owner}/${repo.repo}`);
  }

  /** The config to act on, or undefined when the repo has no ferry.yml (or never had a valid one). */
  async load(octokit: Octokit, repo: RepoRef): Promise<LoadedConfig | undefined> {
    const key = `${repo.owner}/${repo.repo}`;
    const checkedAt = this.#checkedAt.get(key);
    if (checkedAt !== undefined && this.#now() - checkedAt < this.#maxAgeMs) return this.#valid.get(key);
    const loaded = await this.#read(octokit, repo, key);
    this.#checkedAt.set(key, this.#now());
    return loaded;
  }

  async #read(octokit: Octokit, repo: RepoRef, key: string): Promise<LoadedConfig | undefined> {
    const file = await readFile(octokit, repo, undefined, configPath);
    if (file === undefined) {
      this.#valid.delete(key);
      return undefined;
    }
    const known = this.#valid.get(key);
    if (known?.blobSha === file.sha) return known;
    const parsed = parseFerryConfig(file);
    if (parsed.ok) return this.remember(repo, parsed.value, file.sha);
    // The current version is invalid (its errors are on its `Ferry / config` check): keep the last valid one.
    return known ?? (await this.#fromHistory(octokit, repo));
  }

  /** Records a version known to be valid (e.g. just checked on a push). */
  remember(repo: RepoRef, config: FerryConfig, blobSha: string): LoadedConfig {
    const loaded = { config, blobSha };
    this.#valid.set(`${repo.owner}/${repo.repo}`, loaded);
    this.#checkedAt.set(`${repo.owner}/${repo.repo}`, this.#now());
    return loaded;
  }

  async #fromHistory(octokit: Octokit, repo: RepoRef): Promise<LoadedConfig | undefined> {
    const { data: commits } = await octokit.rest.repos.listCommits({
      ...repo,
      path: configPath,
      per_page: this.#historyDepth,
    });
    for (const commit of commits.slice(1)) {
      const file = await readFile(octokit, repo, commit.sha, configPath);
      if (file === undefined) continue;
      const parsed = parseFerryConfig(file);
      if (parsed.ok) return this.remember(repo, parsed.value, file.sha);
    }
    return undefined;
  }
}
