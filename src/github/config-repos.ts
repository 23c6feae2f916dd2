import { configPath, configYamlLimits } from "../config/load.js";
import { appRepoConfigSchema } from "../config/schema.js";
import { normalisedName } from "../images/reference.js";
import { documentData, parseYamlFile } from "../manifests/yaml-file.js";
import type { Octokit } from "./repo-client.js";

/** Which config repos speak for which app repos and images, for one installation. */
interface Index {
  /** App repo (lower-case `owner/repo`) → config repos, from the app repos' own ferry.yml. */
  named: Map<string, string[]>;
  /** Config repos with the sources and images they list. */
  configs: { repo: string; sources: Set<string>; images: Set<string> }[];
}

const reposPerQuery = 50;

/**
 * Finds the config repos a build concerns, reading every installation repo's ferry.yml once
 * (one REST list plus one GraphQL query per 50 repos) and caching the answer until a ferry.yml
 * changes or the installation's repositories do.
 */
export class ConfigRepoIndex {
  readonly #indexes = new Map<number, Promise<Index>>();

  async configReposFor(
    octokit: Octokit,
    installationId: number,
    source: string,
    image?: string,
  ): Promise<string[]> {
    let index = this.#indexes.get(installationId);
    if (index === undefined) {
      index = build(octokit);
      this.#indexes.set(installationId, index);
      index.catch(() => this.#indexes.delete(installationId));
    }
    const { named, configs } = await index;
    const key = source.toLowerCase();
    const named_ = named.get(key);
    if (named_ !== undefined) return named_;
    const name = image ? normalisedName(image) : undefined;
    return configs
      .filter((c) => c.sources.has(key) || (name !== undefined && c.images.has(name)))
      .map((c) => c.repo);
  }

  /** Whether `repo` (`owner/repo`) has a Ferry config-repo ferry.yml on its default branch. */
  async isConfigRepo(octokit: Octokit, installationId: number, repo: string): Promise<boolean> {
    const { configs } = await this.#index(octokit, installationId);
    return configs.some((c) => c.repo.toLowerCase() === repo.toLowerCase());
  }

  /**
   * Every config repo (`owner/repo`) of the installation, from the index when it is built;
   * otherwise read without keeping it, so a background sweep never pins an index early.
   */
  async configRepos(octokit: Octokit, installationId: number): Promise<string[]> {
    const index = await (this.#indexes.get(installationId) ?? build(octokit));
    return index.configs.map((c) => c.repo);
  }

  invalidate(installationId: number): void {
    this.#indexes.delete(installationId);
  }

  #index(octokit: Octokit, installationId: number): Promise<Index> {
    let index = this.#indexes.get(installationId);
    if (index === undefined) {
      index = build(octokit);
      this.#indexes.set(installationId, index);
      index.catch(() => this.#indexes.delete(installationId));
    }
    return index;
  }
}

async function build(octokit: Octokit): Promise<Index> {
  const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, {
    per_page: 100,
  });
  const index: Index = { named: new Map(), configs: [] };
  for (let i = 0; i < repos.length; i += reposPerQuery) {
    const batch = repos.slice(i, i + reposPerQuery);
    const fields = batch
      .map(
        (r, j) =>
          `r${j}: repository(owner: ${JSON.stringify(r.owner.login)}, name: ${JSON.stringify(r.name)}) { object(expression: ${JSON.stringify(`HEAD:${configPath}`)}) { ... on Blob { text } } }`,
      )
      .join("\n");
    const data = await octokit.graphql<Record<string, { object: { text?: string | null } | null } | null>>(
      `query FerryConfigIndex {\n${fields}\n}`,
    );
    batch.forEach((repo, j) => {
      const text = data[`r${j}`]?.object?.text;
      if (typeof text === "string") addToIndex(index, repo.full_name, text);
    });
  }
  return index;
}

/**
 * Reads one repo's ferry.yml into the index through the same safe parse as every repository
 * YAML: any repo in the installation can write this file. One that cannot be read is left out
 * (its push gets a failing `Ferry / config` check saying why).
 */
function addToIndex(index: Index, repo: string, text: string): void {
  const file = parseYamlFile(configPath, text, configYamlLimits);
  const [doc] = file.documents;
  if (file.findings.length > 0 || doc === undefined || file.documents.length > 1) return;
  let data: unknown;
  try {
    data = documentData(file, doc);
  } catch {
    return;
  }
  const app = appRepoConfigSchema.safeParse(data);
  if (app.success) {
    const list = Array.isArray(app.data.config) ? app.data.config : [app.data.config];
    index.named.set(repo.toLowerCase(), list);
    return;
  }
  // A config repo; read leniently, so a currently invalid ferry.yml (Ferry keeps using the last
  // valid one) still routes builds to it.
  const apps = (data as { apps?: unknown })?.apps;
  if (!Array.isArray(apps)) return;
  const field = (a: unknown, key: string) => {
    const v = (a as Record<string, unknown> | null)?.[key];
    return typeof v === "string" ? v : undefined;
  };
  index.configs.push({
    repo,
    sources: new Set(apps.flatMap((a) => field(a, "source")?.toLowerCase() ?? [])),
    images: new Set(apps.flatMap((a) => normalisedName(field(a, "image") ?? "") ?? [])),
  });
}
