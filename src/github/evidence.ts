import type { FerryConfig } from "../config/schema.js";
import { ferryBranch } from "../promotion/promote.js";
import type { Evidence } from "../promotion/promotion-check.js";
import type { MergedPromotion } from "../promotion/rollback.js";
import { checkPassed, mergedPromotions } from "./promotion-history.js";
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

  /** Looks the evidence up now; `known` answers it synchronously afterwards. */
  async find(env: string, app: string, tag: string): Promise<Evidence | undefined> {
    const key = `${env}#${app}#${tag}`;
    if (this.#found.has(key)) return this.#found.get(key);
    const merged = (await this.history(env, app)).find((m) => m.marker.tag === tag);
    let evidence: Evidence | undefined;
    if (merged) {
      const reporting = this.config.clusters.some((c) => c.environment === env);
      if (!reporting) evidence = { kind: "merged", pr: merged.number, sha: merged.mergeSha };
      else if (await checkPassed(this.octokit, this.repo, merged.mergeSha, `Ferry / reconcile (${env})`)) {
        evidence = { kind: "reconcile", pr: merged.number, sha: merged.mergeSha };
      }
    }
    this.#found.set(key, evidence);
    return evidence;
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
