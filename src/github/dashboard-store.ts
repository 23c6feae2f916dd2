import type { FerryConfig } from "../config/schema.js";
import type { DashboardFacts, DashboardIssue } from "../dashboard/facts.js";
import { type DashboardModel, dashboardModel } from "../dashboard/model.js";
import { dashboardLabel, dashboardTitle, isDashboardBody, renderDashboard } from "../dashboard/render.js";
import { ownAppId, ownBotLogin } from "./app-identity.js";
import type { ConfigSource } from "./config-source.js";
import { readDashboardFacts } from "./dashboard-facts.js";
import { fitBody } from "./limits.js";
import type { Octokit, RepoRef } from "./repo-client.js";

export type DashboardOutcome =
  | { status: "created" | "edited" | "unchanged"; issue: number }
  /** Every dashboard issue is closed: someone turned it off. */
  | { status: "closed"; issue: number };

/** The facts and the model they give, for a handler that acts on a tick. */
export async function readDashboard(
  octokit: Octokit,
  repo: RepoRef,
  config: FerryConfig,
  now: Date,
  signal?: AbortSignal,
): Promise<{ facts: DashboardFacts; model: DashboardModel }> {
  const facts = await readDashboardFacts(octokit, repo, config, await ownAppId(octokit), signal);
  return { facts, model: dashboardModel(config, facts, now) };
}

/**
 * Brings the one dashboard issue of `repo` up to date: reads the facts (the existing issue
 * among them, found by label and hidden marker, written by a GitHub App), renders, and then
 * creates the issue when there is none, edits it only when its body differs, and leaves it alone
 * when it was closed. Open duplicates (two replicas racing to create it) are closed, the oldest
 * kept. Requests: the facts (two GraphQL queries at most) and one write when something changed;
 * with no labelled dashboard, the search by marker first (one or two).
 */
export async function syncDashboard(
  octokit: Octokit,
  repo: RepoRef,
  config: FerryConfig,
  now: Date,
  signal?: AbortSignal,
): Promise<DashboardOutcome> {
  const { facts, model } = await readDashboard(octokit, repo, config, now, signal);
  // Stopped meanwhile: write nothing (a request under way is cancelled the same way).
  signal?.throwIfAborted();
  const request = signal ? { request: { signal } } : {};
  const body = renderDashboard(model);
  let ours = facts.dashboards.filter((d) => d.byBot && isDashboardBody(d.body));
  // None by its label: before creating one, look for Ferry's own issue by its hidden marker, in
  // case someone removed the label (the first refresh of a repo pays these requests too).
  if (ours.length === 0) {
    ours = await findUnlabelledDashboards(octokit, repo, signal);
    for (const found of ours)
      await octokit.rest.issues.addLabels({
        ...repo,
        issue_number: found.number,
        labels: [dashboardLabel],
        ...request,
      });
  }
  const [open, ...duplicates] = ours.filter((d) => d.state === "open");
  if (open === undefined && ours[0] !== undefined) return { status: "closed", issue: ours[0].number };
  if (open === undefined) {
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title: dashboardTitle,
      body: fitBody(body),
      labels: [dashboardLabel],
      ...request,
    });
    return { status: "created", issue: data.number };
  }
  for (const duplicate of duplicates)
    await octokit.rest.issues.update({
      ...repo,
      issue_number: duplicate.number,
      state: "closed",
      state_reason: "not_planned",
      body: `Duplicate of #${open.number}: Ferry keeps one dashboard per repository.`,
      ...request,
    });
  if (open.body === body) return { status: "unchanged", issue: open.number };
  await octokit.rest.issues.update({ ...repo, issue_number: open.number, body: fitBody(body), ...request });
  return { status: "edited", issue: open.number };
}

/**
 * Dashboards Ferry opened that lost their label: its issues whose body starts with the hidden
 * marker, oldest first. Two requests the first time in a process (the app's login, then the
 * list), one after; the first 100 issues Ferry opened in the repo are searched.
 */
async function findUnlabelledDashboards(
  octokit: Octokit,
  repo: RepoRef,
  signal: AbortSignal | undefined,
): Promise<DashboardIssue[]> {
  const creator = await ownBotLogin(octokit);
  const { data } = await octokit.rest.issues.listForRepo({
    ...repo,
    creator,
    state: "all",
    sort: "created",
    direction: "asc",
    per_page: 100,
    ...(signal ? { request: { signal } } : {}),
  });
  return data
    .filter((i) => !i.pull_request && i.user?.type === "Bot" && isDashboardBody(i.body))
    .map((i) => ({
      number: i.number,
      state: i.state === "open" ? "open" : "closed",
      body: i.body ?? "",
      byBot: true,
    }));
}

interface Slot {
  octokit: Octokit;
  repo: RepoRef;
  /** A refresh was asked for since the last one started. */
  dirty: boolean;
  timer?: ReturnType<typeof setTimeout>;
  running?: Promise<void>;
  /** When the last refresh finished (ms). */
  last: number;
}

/**
 * The one trigger for dashboard updates: `refreshDashboard(octokit, repo)` returns at once and
 * never throws. Refreshes of a repo run one at a time and at least `intervalMs` apart; every
 * request made meanwhile folds into the next one, which reads GitHub afresh. In-process: with
 * several replicas each may refresh (the result converges, and duplicates are closed).
 */
export class Dashboards {
  readonly #slots = new Map<string, Slot>();
  readonly #configs: ConfigSource;
  readonly #intervalMs: number;
  readonly #now: () => Date;
  readonly #abort = new AbortController();
  #closed = false;

  constructor(options: { configs: ConfigSource; intervalMs: number; now?: () => Date }) {
    this.#configs = options.configs;
    this.#intervalMs = options.intervalMs;
    this.#now = options.now ?? (() => new Date());
  }

  refreshDashboard(octokit: Octokit, repo: RepoRef): void {
    if (this.#closed) return;
    const key = `${repo.owner}/${repo.repo}`.toLowerCase();
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { octokit, repo, dirty: false, last: Number.NEGATIVE_INFINITY };
      this.#slots.set(key, slot);
    }
    // The newest client: an installation token from an older event may have expired.
    slot.octokit = octokit;
    slot.dirty = true;
    if (slot.timer === undefined && slot.running === undefined) this.#schedule(slot);
  }

  /**
   * Drops waiting refreshes and cancels a running one, so a stopped app writes nothing later and
   * holds nothing in Octokit's queues (issue creation is paced 3 s apart): a shutdown does not
   * wait for a view.
   */
  close(): void {
    this.#closed = true;
    this.#abort.abort();
    for (const slot of this.#slots.values()) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
    }
  }

  #schedule(slot: Slot): void {
    const wait = Math.max(0, slot.last + this.#intervalMs - Date.now());
    slot.timer = setTimeout(() => this.#run(slot), wait);
    slot.timer.unref?.();
  }

  #run(slot: Slot): void {
    slot.timer = undefined;
    slot.dirty = false;
    slot.running = this.#refresh(slot).finally(() => {
      slot.running = undefined;
      slot.last = Date.now();
      if (slot.dirty && !this.#closed) this.#schedule(slot);
    });
  }

  async #refresh(slot: Slot): Promise<void> {
    const { octokit, repo } = slot;
    try {
      const loaded = await this.#configs.load(octokit, repo);
      if (loaded === undefined) return;
      const outcome = await syncDashboard(octokit, repo, loaded.config, this.#now(), this.#abort.signal);
      if (outcome.status === "created" || outcome.status === "edited")
        octokit.log.info(`dashboard of ${repo.owner}/${repo.repo} ${outcome.status} (#${outcome.issue})`);
    } catch (error) {
      if (this.#closed) return;
      octokit.log.warn(
        `dashboard of ${repo.owner}/${repo.repo} not refreshed: ${(error as Error)?.message ?? error}; the next promotion, merge or report tries again`,
      );
    }
  }
}

const writers = new Set(["admin", "maintain", "write"]);

/** Whether `login` may change the repository (write, maintain or admin): one request. */
export async function hasWriteAccess(octokit: Octokit, repo: RepoRef, login: string): Promise<boolean> {
  const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: login });
  return writers.has(data.permission);
}

/** A reaction on the dashboard issue itself: the whole answer to a tick Ferry refuses. */
export async function reactOnDashboard(
  octokit: Octokit,
  repo: RepoRef,
  issue: number,
  content: "+1" | "-1",
): Promise<void> {
  await octokit.rest.reactions.createForIssue({ ...repo, issue_number: issue, content });
}

export async function replyOnDashboard(
  octokit: Octokit,
  repo: RepoRef,
  issue: number,
  body: string,
): Promise<void> {
  await octokit.rest.issues.createComment({ ...repo, issue_number: issue, body: fitBody(body) });
}
