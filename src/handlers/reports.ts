import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "probot";
import type { AppDeps } from "../app.js";
import type { FerryConfig } from "../config/schema.js";
import type { Installations } from "../github/installations.js";
import type { Octokit, RepoRef } from "../github/repo-client.js";
import { envKey, type FerryJob } from "../jobs/ferry-job.js";
import { Unavailable } from "../outage.js";
import type { WorkQueue } from "../queue/work-queue.js";
import type { Report } from "../reports/report.js";
import { verifyReport } from "../reports/verify.js";
import { onReport } from "./reconcile.js";

export const reportsPath = "/ferry/v1/reports";
/** How long ferry.yml is reused for reports before it is read again (a push to it resets it). */
const configTtlMs = 60_000;

export interface ReportsDeps {
  app: AppDeps;
  installations: Installations;
  /** FERRY_CLUSTER_SECRETS: cluster name → shared secret. */
  secrets: ReadonlyMap<string, string>;
  /** FERRY_DEFAULT_CONFIG_REPO: for reports that name no config repo. */
  defaultConfigRepo: string | undefined;
  log: Logger;
  /** Accepted reports become jobs here. */
  queue: WorkQueue<FerryJob>;
  /** Names a dependency that is down (Redis), for a 503 that says so; undefined while all work. */
  unavailable?: () => string | undefined;
}

export interface ReportAnswer {
  status: number;
  body: Record<string, unknown>;
  /** For metrics, a fixed word: "accepted", a refusal code, or what was unavailable. */
  code: string;
}

class Refusal extends Error {
  constructor(
    readonly status: 400 | 403,
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * `POST /ferry/v1/reports`: authenticate (signature, freshness, replay, cluster → environment per
 * the config repo's ferry.yml, which is cached), then queue the report. Answers 202 once it is
 * queued (the job writes the check, retrying while GitHub fails), 503 when GitHub or Redis
 * failed during the checks (the agent retries), 4xx with the reason otherwise.
 */
export async function receiveReport(
  request: { headers: IncomingHttpHeaders; body: string },
  d: ReportsDeps,
): Promise<ReportAnswer> {
  const down = d.unavailable?.();
  if (down !== undefined) return { status: 503, body: { message: `${down}; retry later` }, code: "redis" };
  let target: { octokit: Octokit; repo: RepoRef; config: FerryConfig } | undefined;
  let result: Awaited<ReturnType<typeof verifyReport>>;
  try {
    result = await verifyReport({
      headers: request.headers,
      body: request.body,
      secretFor: (cluster) => d.secrets.get(cluster),
      now: d.app.clock().getTime(),
      seen: d.app.replay,
      environmentsFor: async (cluster, report) => {
        target = await configFor(d, configRepoOf(d, report));
        return target.config.clusters.filter((c) => c.name === cluster).map((c) => c.environment);
      },
    });
  } catch (error) {
    if (error instanceof Refusal) return refuse(d, error.status, error.code, error.message);
    return retryLater(d, error, "report: could not verify it or read the config repo");
  }
  if (!result.ok) return refuse(d, result.status, result.code, result.reason);
  const report = result.report;
  const env = target?.config.environments.find((e) => e.name === report.environment);
  if (target === undefined || env === undefined)
    return refuse(d, 403, "unknown-environment", "environment is not in ferry.yml");
  try {
    await d.queue.add(
      "report",
      { kind: "report", report, repo: target.repo, env: env.name },
      { key: envKey(target.repo, env.name) },
    );
  } catch (error) {
    return retryLater(d, error, "report: could not queue it");
  }
  return { status: 202, body: { accepted: true }, code: "accepted" };
}

/**
 * The report job: the state goes on the reconcile check of the commit it is about. Throws when
 * GitHub or Redis fails, so the queue retries it with back-off.
 */
export async function runReport(
  job: { report: Report; repo: RepoRef; env: string },
  d: Omit<ReportsDeps, "queue" | "secrets" | "defaultConfigRepo" | "unavailable">,
): Promise<void> {
  const { report } = job;
  const log = d.log.child({ cluster: report.cluster, env: job.env, object: report.object.name });
  const target = await configFor(d, job.repo);
  const env = target.config.environments.find((e) => e.name === job.env);
  if (env === undefined) {
    log.warn(`report dropped: environment ${job.env} is no longer in ferry.yml`);
    return;
  }
  const outcome = await onReport({ ...target, deps: d.app, env, log }, report);
  log.debug({ phase: report.phase, revision: report.revision }, `report: ${outcome}`);
}

/** 503 naming what failed — Redis when it is down, else GitHub — so the agent retries. */
function retryLater(d: ReportsDeps, error: unknown, what: string): ReportAnswer {
  const reason = d.unavailable?.();
  const down = error instanceof Unavailable ? error.message : reason && `${reason}; retry later`;
  if (down) return { status: 503, body: { message: down }, code: "redis" };
  d.log.error({ err: error }, `${what}; answering 503 so the agent retries`);
  return { status: 503, body: { message: "GitHub is unavailable; retry later" }, code: "github" };
}

function configRepoOf(d: ReportsDeps, report: Report): RepoRef {
  const name = report.configRepo ?? d.defaultConfigRepo;
  if (name === undefined) {
    throw new Refusal(
      400,
      "no-config-repo",
      "the report names no configRepo and FERRY_DEFAULT_CONFIG_REPO is not set",
    );
  }
  const [owner = "", repoName = ""] = name.split("/");
  return { owner, repo: repoName };
}

async function configFor(d: Pick<ReportsDeps, "app" | "installations">, repo: RepoRef) {
  const name = `${repo.owner}/${repo.repo}`;
  const octokit = await d.installations.forRepo(repo);
  if (octokit === undefined) throw new Refusal(403, "not-installed", `Ferry is not installed on ${name}`);
  const key = name.toLowerCase();
  const now = d.app.clock().getTime();
  let cached = d.app.reconcile.configs.get(key);
  if (cached === undefined || now - cached.at > configTtlMs) {
    // Stored as a promise: concurrent reports share one read.
    const loading = d.app.configs.load(octokit, repo).then((loaded) => loaded?.config);
    cached = { at: now, config: loading };
    d.app.reconcile.configs.set(key, cached);
    loading.catch(() => d.app.reconcile.configs.delete(key));
  }
  const config = await cached.config;
  if (config === undefined) throw new Refusal(403, "no-config", `${name} has no valid .github/ferry.yml`);
  return { octokit, repo, config };
}

function refuse(d: ReportsDeps, status: number, code: string, reason: string): ReportAnswer {
  d.log.warn({ status, reason }, `report refused (${status}): ${reason}`);
  return { status, body: { message: reason }, code };
}
