import type { AppConfig, EnvironmentConfig, FerryConfig } from "../config/schema.js";
import type { SourceFile } from "../manifests/sites.js";
import { upstreamEnvironments } from "../promotion/environments.js";
import { ferryBranch } from "../promotion/promote.js";
import type { Evidence } from "../promotion/promotion-check.js";
import type { MergedPromotion } from "../promotion/rollback.js";
import { runningPin } from "../reports/chain.js";
import { mergedPromotions, passedCheck } from "./promotion-history.js";
import { readEnvironmentAt } from "./reconcile-snapshot.js";
import type { Octokit, RepoRef } from "./repo-client.js";

/**
 * Looks up whether a tag ran in an environment, remembering each branch's history so one PR's
 * checks read it once: one request per (env, app) history, one per reconcile check consulted.
 */
export class EvidenceFinder {
  readonly #histories = new Map<string, Promise<MergedPromotion[]>>();
  readonly #found = new Map<string, Evidence | undefined>();

  constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
    private readonly config: FerryConfig,
  ) {}

  history(env: string, app: string): Promise<MergedPromotion[]> {
    const branch = ferryBranch(env, app);
    let h = this.#histories.get(branch);
    if (!h) {
      h = mergedPromotions(this.octokit, this.repo, branch);
      this.#histories.set(branch, h);
    }
    return h;
  }

  /**
   * Looks the evidence up now; `known` answers it synchronously afterwards. Evidence is the
   * merged Ferry PR that brought the tag (its reconcile check passed, or the environment has no
   * cluster reports); failing that, with `at`, a reconcile check that passed on that commit while
   * the environment ran the tag there (a cluster may skip a merge commit and sync a later one).
   */
  async find(
    env: string,
    app: string,
    tag: string,
    at?: { sha: string; files: () => readonly SourceFile[] | Promise<readonly SourceFile[]> },
  ): Promise<Evidence | undefined> {
    const key = `${env}#${app}#${tag}`;
    if (this.#found.has(key)) return this.#found.get(key);
    const reporting = this.config.clusters.some((c) => c.environment === env);
    const merged = (await this.history(env, app)).find((m) => m.marker.tag === tag);
    let evidence: Evidence | undefined;
    if (merged) {
      if (!reporting) evidence = { kind: "merged", pr: merged.number, sha: merged.mergeSha };
      else {
        const passed = await passedCheck(
          this.octokit,
          this.repo,
          merged.mergeSha,
          `Ferry / reconcile (${env})`,
        );
        if (passed)
          evidence = { kind: "reconcile", pr: merged.number, sha: merged.mergeSha, ...urlOf(passed) };
      }
    }
    if (!evidence && at && reporting) {
      const passed = await passedCheck(this.octokit, this.repo, at.sha, `Ferry / reconcile (${env})`);
      if (passed && this.#runs(env, app, tag, await at.files()))
        evidence = { kind: "reconcile", sha: at.sha, ...urlOf(passed) };
    }
    this.#found.set(key, evidence);
    return evidence;
  }

  #runs(envName: string, appName: string, tag: string, files: readonly SourceFile[]): boolean {
    const env = this.config.environments.find((e) => e.name === envName);
    const app = this.config.apps.find((a) => a.name === appName);
    return env !== undefined && app !== undefined && runningPin(files, env, app)?.tag === tag;
  }

  known(env: string, app: string, tag: string): Evidence | undefined {
    return this.#found.get(`${env}#${app}#${tag}`);
  }

  /** Build times of every tag seen in the histories read so far. */
  async builtAt(): Promise<Map<string, number>> {
    const times = new Map<string, number>();
    for (const h of this.#histories.values())
      for (const m of await h) times.set(m.marker.tag, Date.parse(m.marker.builtAt));
    return times;
  }
}

/**
 * For the chain: the environments besides `from` that `env` comes after (for this app) and that
 * have not verified `tag` — by a merged Ferry PR, or by a reconcile check passed on `sha` while
 * running the tag there. Empty when `env` may open for `tag` now.
 */
export async function unverifiedUpstreams(
  octokit: Octokit,
  repo: RepoRef,
  config: FerryConfig,
  step: { app: AppConfig; env: EnvironmentConfig; from: string; tag: string; sha: string },
): Promise<string[]> {
  const others = upstreamEnvironments(step.env, step.app).filter((name) => name !== step.from);
  const evidence = new EvidenceFinder(octokit, repo, config);
  const waiting: string[] = [];
  for (const name of others) {
    const upstream = config.environments.find((e) => e.name === name);
    if (upstream === undefined) continue;
    const files = async () => (await readEnvironmentAt(octokit, repo, upstream, step.sha, [])).files;
    if (!(await evidence.find(name, step.app.name, step.tag, { sha: step.sha, files }))) waiting.push(name);
  }
  return waiting;
}

function urlOf(passed: { url: string }): { url?: string } {
  return passed.url ? { url: passed.url } : {};
}

/** Who last applied `label` to an issue or PR, from its events; undefined when unknown. */
export async function labelledBy(
  octokit: Octokit,
  repo: RepoRef,
  issue: number,
  label: string,
): Promise<string | undefined> {
  const events = await octokit.paginate(octokit.rest.issues.listEvents, {
    ...repo,
    issue_number: issue,
    per_page: 100,
  });
  return events
    .filter((e) => e.event === "labeled" && (e as { label?: { name?: string } }).label?.name === label)
    .at(-1)?.actor?.login;
}
