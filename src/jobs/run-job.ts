import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { Logger, Probot } from "probot";
import type { AppDeps } from "../app.js";
import type { Installations } from "../github/installations.js";
import type { Octokit } from "../github/repo-client.js";
import { unfinishedChecks } from "../github/unfinished-checks.js";
import { guardLatest } from "../handlers/guard-events.js";
import { timerFired } from "../handlers/reconcile-effects.js";
import { runReport } from "../handlers/reports.js";
import type { Processor, QueuedJob, WorkQueue } from "../queue/work-queue.js";
import { parseDuration } from "../reports/duration.js";
import { type FerryJob, pullKey, type TimerSpec } from "./ferry-job.js";
import { planSweep } from "./sweep-plan.js";

export interface JobDeps {
  probot: Probot;
  app: AppDeps;
  installations: Installations;
  queue: WorkQueue<FerryJob>;
  log: Logger;
  appId: number;
  /** A guard check in progress longer than this is orphaned (FERRY_SWEEP_STALE_MS). */
  sweepStaleMs: number;
}

/** Runs each kind of job; what throws is retried by the queue (src/queue/retryable.ts). */
export function jobRunner(d: JobDeps): Processor<FerryJob> {
  return async (job: QueuedJob<FerryJob>) => {
    const data = job.data;
    d.log.debug({ job: job.type, id: job.id, attempt: job.attempt }, `job ${job.type} started`);
    switch (data.kind) {
      case "event":
        // Probot's handlers (src/app.ts) run as they did inside the request, with installation auth.
        return d.probot.receive(data.event as unknown as EmitterWebhookEvent);
      case "report":
        return runReport(data, { app: d.app, installations: d.installations, log: d.log });
      case "timer":
        return runTimer(d, data.timer);
      case "build-retry":
        return d.app.buildRetries.run(data.retry);
      case "guard": {
        const octokit = (await d.probot.auth(data.installationId)) as Octokit;
        return guardLatest(octokit, data.repo, data.pr, d.app, d.log);
      }
      case "sweep":
        return sweep(d, data.staleBefore ?? d.app.clock().getTime() - d.sweepStaleMs);
    }
  };
}

async function runTimer(d: JobDeps, timer: TimerSpec): Promise<void> {
  const octokit = await d.installations.forRepo(timer.repo);
  if (octokit === undefined) return;
  const loaded = await d.app.configs.load(octokit, timer.repo);
  const env = loaded?.config.environments.find((e) => e.name === timer.env);
  if (loaded === undefined || env === undefined) return;
  const log = d.log.child({ env: env.name, sha: timer.sha, timer: timer.kind });
  await timerFired(
    { octokit, deps: d.app, repo: timer.repo, config: loaded.config, env, log },
    timer.kind,
    timer.sha,
  );
}

/**
 * Finds Ferry's unfinished checks in every config repo of every installation (one GraphQL query
 * per config repo, after the installation's token and its config-repo index) and queues what
 * finishes them: the guard again for a PR whose checks a dead job left, and the reconcile
 * timeout for each reconcile check still waiting.
 */
async function sweep(d: JobDeps, staleBefore: number): Promise<void> {
  const app = (await d.probot.auth()) as Octokit;
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  let found = 0;
  for (const installation of installations) {
    const octokit = (await d.probot.auth(installation.id)) as Octokit;
    for (const fullName of await d.app.configRepos.configRepos(octokit, installation.id)) {
      const [owner = "", name = ""] = fullName.split("/");
      const repo = { owner, repo: name };
      const checks = await unfinishedChecks(octokit, repo, d.appId);
      found += checks.length;
      const actions = planSweep(checks, staleBefore);
      const config = actions.some((a) => a.kind === "reconcile-timeout")
        ? (await d.app.configs.load(octokit, repo))?.config
        : undefined;
      for (const action of actions) {
        if (action.kind === "guard") {
          const key = pullKey(fullName, action.pr);
          await d.queue.add(
            "guard",
            { kind: "guard", installationId: installation.id, repo, pr: action.pr },
            { supersede: key, key },
          );
        } else {
          const env = config?.environments.find((e) => e.name === action.env);
          const limit = env && parseDuration(env.reconcileTimeout);
          if (limit === undefined) continue;
          const timer: TimerSpec = { kind: "reconcile-timeout", repo, env: action.env, sha: action.sha };
          // Kept when already pending (one per check across replicas); due ones run at once.
          await d.app.timers.schedule(timer, action.startedAt + limit);
        }
      }
    }
  }
  d.log.info({ installations: installations.length, unfinished: found }, "sweep done");
}
