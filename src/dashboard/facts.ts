import type { SourceFile } from "../manifests/sites.js";
import type { CheckMemo } from "../reports/record-block.js";

/**
 * What the dashboard is built from: plain data read from GitHub (src/github/dashboard-facts.ts
 * reads it in one or two GraphQL queries). Nothing here is trusted: file texts, PR bodies and
 * check texts may have been written by anyone with push access.
 */
export interface DashboardFacts {
  repo: { owner: string; repo: string; url: string };
  /** The default branch head the files were read at. */
  head: { oid: string; url: string };
  /** Every file under any environment's paths at the head. */
  files: SourceFile[];
  /** One entry per (environment, app) the config lists, in config order. */
  pairs: PairFacts[];
  /** The latest `Ferry / reconcile (<env>)` run Ferry itself posted, per environment (when found). */
  checks: ReconcileRun[];
  /** Open issues labelled `ferry:drift`, written by a bot. */
  driftIssues: { number: number; title: string; url: string }[];
  /** Open issues labelled `ferry:health` ("Unhealthy in <env>": a failure after the soak), written by a bot. */
  healthIssues: { number: number; title: string; url: string }[];
  /** Issues labelled `ferry:dashboard`, oldest first (candidates for the one dashboard). */
  dashboards: DashboardIssue[];
}

export interface PairFacts {
  env: string;
  app: string;
  /** The open PR from `ferry/<env>/<app>`. */
  open?: { number: number; url: string; body: string };
  /** The last merged PRs from `ferry/<env>/<app>`, newest first. */
  merged: MergedPull[];
}

export interface MergedPull {
  number: number;
  url: string;
  body: string;
  mergedAt: string;
  /** Login of who merged it, when GitHub says. */
  mergedBy?: string;
  mergeCommit?: { oid: string; url: string };
}

export interface ReconcileRun {
  env: string;
  /** The config-repo commit the run is on: what the cluster reconciled. */
  sha: string;
  commitUrl: string;
  status: "queued" | "in_progress" | "completed";
  conclusion?: string;
  startedAt?: string;
  completedAt?: string;
  url: string;
  /** Ferry's memo from the run's text: the reported objects with their sync and health. */
  memo?: CheckMemo;
}

export interface DashboardIssue {
  number: number;
  state: "open" | "closed";
  body: string;
  /** Written by a GitHub App (a person cannot forge that). */
  byBot: boolean;
}
