import { configPath, parseFerryConfig } from "../config/load.js";
import type { FerryConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { type Octokit, type RepoRef, readFile } from "./repo-client.js";

export interface LoadedConfig {
  config: FerryConfig;
  /** Blob sha of the ferry.yml version in use. */
  blobSha: string;
  /** Errors of the default branch's current ferry.yml when Ferry fell back to an older valid one. */
  currentErrors: Finding[];
}

/**
 * Reads ferry.yml from the default branch only (a PR cannot inject config) and keeps the last
 * valid version per repo. Nothing here is authoritative: after a restart the last valid version
 * is found again by walking the file's history on GitHub.
 */
export class ConfigSource {
  readonly #valid = new Map<string, LoadedConfig>();
  readonly #historyDepth: number;

  constructor(options: { historyDepth?: number } = {}) {
    this.#historyDepth = options.historyDepth ?? 10;
  }

  /** The config to act on, or undefined when the repo has no ferry.yml (or never had a valid one). */
  async load(octokit: Octokit, repo: RepoRef, ref?: string): Promise<LoadedConfig | undefined> {
    const key = `${repo.owner}/${repo.repo}`;
    const file = await readFile(octokit, repo, ref, configPath);
    if (file === undefined) {
      this.#valid.delete(key);
      return undefined;
    }
    const known = this.#valid.get(key);
    if (known?.blobSha === file.sha) return known;
    const parsed = parseFerryConfig(file.text);
    if (parsed.ok) return this.remember(repo, parsed.value, file.sha);
    const fallback = known ?? (await this.#fromHistory(octokit, repo));
    return fallback && { ...fallback, currentErrors: parsed.errors };
  }

  /** Records a version known to be valid (e.g. just checked on a push). */
  remember(repo: RepoRef, config: FerryConfig, blobSha: string): LoadedConfig {
    const loaded = { config, blobSha, currentErrors: [] };
    this.#valid.set(`${repo.owner}/${repo.repo}`, loaded);
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
      const parsed = parseFerryConfig(file.text);
      if (parsed.ok) return this.remember(repo, parsed.value, file.sha);
    }
    return undefined;
  }
}
