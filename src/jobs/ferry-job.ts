import type { BuildRetry } from "../build-retries.js";
import type { RepoRef } from "../github/repo-client.js";
import { rollbackLabel } from "../promotion/promotion-check.js";
import type { JobOptions, JobType } from "../queue/work-queue.js";
import type { Report } from "../reports/report.js";

/** A verified GitHub webhook delivery, as Probot receives it. */
export interface WebhookEvent {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

/** A reconcile timer: fires once per identity across replicas, and survives restarts on Redis. */
export interface TimerSpec {
  kind: "soak" | "reconcile-timeout";
  repo: RepoRef;
  env: string;
  sha: string;
}

/** Everything a job carries: plain JSON, so it can wait in Redis and run on any replica. */
export type FerryJob =
  /** A webhook; the worker runs Probot's handlers for it (src/app.ts), unchanged. */
  | { kind: "event"; event: WebhookEvent }
  /** A verified agent report for one environment of a config repo. */
  | { kind: "report"; report: Report; repo: RepoRef; env: string }
  | { kind: "timer"; timer: TimerSpec }
  /** A build handled again later (its digest was not attested yet). */
  | { kind: "build-retry"; retry: BuildRetry }
  /** Run a PR's guard again (the sweep found its checks unfinished). */
  | { kind: "guard"; installationId: number; repo: RepoRef; pr: number }
  /** Look for unfinished checks; `staleBefore` (ms) bounds which guard checks count as orphaned. */
  | { kind: "sweep"; staleBefore?: number };

export const timerKey = (t: TimerSpec) => `${t.kind}:${t.repo.owner}/${t.repo.repo}#${t.env}@${t.sha}`;
export const envKey = (repo: RepoRef, env: string) => `env:${repo.owner}/${repo.repo}#${env}`.toLowerCase();
export const pullKey = (repo: string, pr: number) => `guard:${repo.toLowerCase()}#${pr}`;

/** Webhook events Ferry has handlers for, by `event.action` (or `event`), and the job type of each. */
const eventTypes: Record<string, JobType> = {
  "workflow_run.completed": "build",
  "registry_package.published": "build",
  "release.published": "build",
  repository_dispatch: "build",
  "pull_request.opened": "guard",
  "pull_request.synchronize": "guard",
  "pull_request.reopened": "guard",
  "pull_request.ready_for_review": "guard",
  "pull_request.labeled": "guard",
  "pull_request.unlabeled": "guard",
  "check_suite.rerequested": "guard",
  "check_run.rerequested": "guard",
  "pull_request.closed": "merged",
  "issue_comment.created": "chatops",
  // A tick on the dashboard acts as a ChatOps command; an environment issue opening or closing
  // refreshes the dashboard.
  "issues.edited": "chatops",
  "issues.opened": "dashboard",
  "issues.closed": "dashboard",
  "issues.reopened": "dashboard",
  "check_suite.completed": "auto-merge",
  push: "audit",
  installation: "installation",
  installation_repositories: "installation",
};

interface Payload {
  action?: unknown;
  repository?: { full_name?: unknown };
  pull_request?: { number?: unknown };
  label?: { name?: unknown };
  commits?: { added?: string[]; modified?: string[]; removed?: string[] }[];
}

/**
 * The job a webhook becomes: its type (for metrics and retries) and options, or undefined when
 * no handler would act on it (answered 200 and dropped). A PR's guard runs supersede each other:
 * the one that runs reads the PR afresh, so the newest head is what gets checked.
 */
export function jobForEvent(
  name: string,
  payload: Payload,
  touchesConfig: (commits: NonNullable<Payload["commits"]>) => boolean,
): { type: JobType; options: JobOptions } | undefined {
  const action = typeof payload.action === "string" ? payload.action : undefined;
  const type = (action !== undefined ? eventTypes[`${name}.${action}`] : undefined) ?? eventTypes[name];
  if (type === undefined) return undefined;
  const repo = typeof payload.repository?.full_name === "string" ? payload.repository.full_name : undefined;
  if (name === "pull_request" && (action === "labeled" || action === "unlabeled")) {
    // Labels matter only for the rollback override.
    if (payload.label?.name !== rollbackLabel) return undefined;
  }
  if (name === "push") {
    return {
      type: touchesConfig(payload.commits ?? []) ? "config-check" : "audit",
      options: repo ? { key: `push:${repo.toLowerCase()}` } : {},
    };
  }
  const number = payload.pull_request?.number;
  if (type === "guard" && name === "pull_request" && repo && typeof number === "number") {
    const key = pullKey(repo, number);
    return { type, options: { supersede: key, key } };
  }
  return { type, options: {} };
}
