import type { FerryConfig } from "../config/schema.js";
import type { DashboardFacts, DashboardIssue, PairFacts, ReconcileRun } from "../dashboard/facts.js";
import { dashboardLabel } from "../dashboard/render.js";
import { appEnvironments } from "../promotion/environments.js";
import { ferryBranch } from "../promotion/promote.js";
import { driftLabel } from "../reports/drift.js";
import { healthLabel } from "../reports/health.js";
import { checkName } from "../reports/reconcile-check.js";
import { parseMemo } from "../reports/record-block.js";
import type { Octokit, RepoRef } from "./repo-client.js";
import { globRoots, subtreeFields, treeFragments } from "./tree-query.js";
import { subtreeFiles } from "./tree-read.js";

/** Default-branch commits searched for each environment's latest reconcile check. */
export const checkHistoryDepth = 50;
/**
 * Open and merged PRs read (each newest first): every open Ferry PR of a config repo, and the
 * merged ones among its last 100 merges — enough for the last 20 promotions and for what brought
 * each running tag, unless people merge far more of their own PRs there than Ferry's.
 */
const pullsRead = 100;

type Node<T> = { nodes: (T | null)[] } | null;
interface Pull {
  number: number;
  headRefName: string;
  url: string;
  body: string;
  mergedAt?: string | null;
  mergedBy?: { login: string } | null;
  mergeCommit?: { oid: string; url: string } | null;
}
interface Run {
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  url: string;
}
interface Suite {
  app: { databaseId: number | null } | null;
  checkRuns: Node<Run>;
}
interface HistoryCommit {
  oid: string;
  url: string;
  checkSuites: Node<Suite>;
}
interface Issue {
  number: number;
  title: string;
  state?: "OPEN" | "CLOSED";
  body?: string;
  url: string;
  author: { __typename: string } | null;
}

/**
 * Everything the dashboard shows, in one GraphQL query of a fixed shape whatever the number of
 * apps: every environment's files at the default-branch head, the open and last merged PRs (the
 * Ferry ones picked by branch), the last commits' check runs by Ferry's own app, and the
 * dashboard, drift and health issues. A second query reads the memo (sync and health per object) of each
 * environment's latest reconcile run, when there is one. Deeper trees or huge files cost a REST
 * request each (rare).
 *
 * `appId` filters check runs to Ferry's own; `undefined` (the CLI without --app-id) takes any app's.
 */
export async function readDashboardFacts(
  octokit: Octokit,
  repo: RepoRef,
  config: FerryConfig,
  appId: number | undefined,
  signal?: AbortSignal,
): Promise<DashboardFacts> {
  const pairs = config.apps.flatMap((app) =>
    appEnvironments(config, app).map((env) => ({ env: env.name, app: app.name })),
  );
  const roots = globRoots(config.environments.flatMap((e) => e.paths));
  // Ferry's app has one suite per commit (a few after re-runs); without an app id, any app's count.
  const suites = `checkSuites(first: ${appId === undefined ? `10` : `3, filterBy: {appId: ${appId}}`})`;
  // Ferry's own check names per commit: config, validate, promotion, audit and one per environment.
  const runsPerSuite = Math.min(100, 10 + config.environments.length);
  const pullFields = "number url body headRefName";
  const query = `query FerryDashboard($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    url
    defaultBranchRef { target { oid ... on Commit { url
      ${subtreeFields(roots, "r")}
      history(first: ${checkHistoryDepth}) { nodes { oid url ${suites} { nodes { app { databaseId } checkRuns(first: ${runsPerSuite}, filterBy: {checkType: LATEST}) { nodes { name status conclusion startedAt completedAt url } } } } } }
    } } }
    open: pullRequests(states: [OPEN], first: ${pullsRead}, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { ${pullFields} } }
    merged: pullRequests(states: [MERGED], first: ${pullsRead}, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { ${pullFields} mergedAt mergedBy { login } mergeCommit { oid url } } }
    dashboards: issues(labels: [${JSON.stringify(dashboardLabel)}], first: 20, orderBy: {field: CREATED_AT, direction: ASC}) { nodes { number title state body url author { __typename } } }
    drift: issues(labels: [${JSON.stringify(driftLabel)}], states: [OPEN], first: 50) { nodes { number title url author { __typename } } }
    health: issues(labels: [${JSON.stringify(healthLabel)}], states: [OPEN], first: 50) { nodes { number title url author { __typename } } }
  }
}
${treeFragments()}`;
  const data = await octokit.graphql<{ repository: Record<string, unknown> }>(query, {
    owner: repo.owner,
    name: repo.repo,
    ...(signal ? { request: { signal } } : {}),
  });
  const r = data.repository as Record<string, unknown> & {
    url: string;
    defaultBranchRef: {
      target: Record<string, unknown> & { oid: string; url: string; history: Node<HistoryCommit> };
    };
    open: Node<Pull>;
    merged: Node<Pull>;
    dashboards: Node<Issue>;
    drift: Node<Issue>;
    health: Node<Issue>;
  };
  const head = r.defaultBranchRef.target;
  const files = await subtreeFiles(octokit, repo, head.oid, roots, head, (i) => `r${i}`);
  const runs = latestReconcileRuns(config, nodes(head.history), appId);
  const memos = await readMemos(octokit, repo, runs, appId, signal);
  const byBot = (i: Issue) => i.author?.__typename === "Bot";
  return {
    repo: { ...repo, url: r.url },
    head: { oid: head.oid, url: head.url },
    files,
    pairs: pairs.map(({ env, app }): PairFacts => {
      const head = ferryBranch(env, app);
      const open = nodes(r.open).find((p) => p.headRefName === head);
      return {
        env,
        app,
        ...(open ? { open: { number: open.number, url: open.url, body: open.body } } : {}),
        merged: nodes(r.merged).flatMap((p) =>
          p.headRefName === head && p.mergedAt
            ? [
                {
                  number: p.number,
                  url: p.url,
                  body: p.body,
                  mergedAt: p.mergedAt,
                  ...(p.mergedBy ? { mergedBy: p.mergedBy.login } : {}),
                  ...(p.mergeCommit ? { mergeCommit: p.mergeCommit } : {}),
                },
              ]
            : [],
        ),
      };
    }),
    checks: runs.map((run, i) => {
      const memo = memos[i];
      return memo ? { ...run, memo } : run;
    }),
    driftIssues: nodes(r.drift)
      .filter(byBot)
      .map((i) => ({ number: i.number, title: i.title, url: i.url })),
    healthIssues: nodes(r.health)
      .filter(byBot)
      .map((i) => ({ number: i.number, title: i.title, url: i.url })),
    dashboards: nodes(r.dashboards).map(
      (i): DashboardIssue => ({
        number: i.number,
        state: i.state === "OPEN" ? "open" : "closed",
        body: i.body ?? "",
        byBot: byBot(i),
      }),
    ),
  };
}

/** Per environment, the newest commit's `Ferry / reconcile (<env>)` run (history is newest first). */
function latestReconcileRuns(
  config: FerryConfig,
  history: HistoryCommit[],
  appId: number | undefined,
): ReconcileRun[] {
  const found: ReconcileRun[] = [];
  for (const env of config.environments) {
    const name = checkName(env.name);
    for (const commit of history) {
      const run = nodes(commit.checkSuites)
        // GitHub filtered by app already; checked again, as for every lookup of Ferry's evidence.
        .filter((s) => appId === undefined || s.app?.databaseId === appId)
        .flatMap((s) => nodes(s.checkRuns))
        .find((c) => c.name === name);
      if (run === undefined) continue;
      found.push({
        env: env.name,
        sha: commit.oid,
        commitUrl: commit.url,
        status: statusOf(run.status),
        ...(run.conclusion ? { conclusion: run.conclusion.toLowerCase() } : {}),
        ...(run.startedAt ? { startedAt: run.startedAt } : {}),
        ...(run.completedAt ? { completedAt: run.completedAt } : {}),
        url: run.url,
      });
      break;
    }
  }
  return found;
}

/** The memos of the given runs (same order), in one query; none when there are no runs. */
async function readMemos(
  octokit: Octokit,
  repo: RepoRef,
  runs: readonly ReconcileRun[],
  appId: number | undefined,
  signal: AbortSignal | undefined,
): Promise<(ReturnType<typeof parseMemo> | undefined)[]> {
  if (runs.length === 0) return [];
  const suites = appId === undefined ? "first: 10" : `first: 3, filterBy: {appId: ${appId}}`;
  const fields = runs
    .map(
      (run, i) =>
        `c${i}: object(oid: ${JSON.stringify(run.sha)}) { ... on Commit { checkSuites(${suites}) { nodes { app { databaseId } checkRuns(first: 1, filterBy: {checkName: ${JSON.stringify(checkName(run.env))}, checkType: LATEST}) { nodes { text } } } } } }`,
    )
    .join("\n    ");
  const data = await octokit.graphql<{
    repository: Record<
      string,
      { checkSuites: Node<Suite & { checkRuns: Node<{ text: string | null }> }> } | null
    >;
  }>(
    `query FerryDashboardMemos($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    ${fields}
  }
}`,
    { owner: repo.owner, name: repo.repo, ...(signal ? { request: { signal } } : {}) },
  );
  return runs.map((_run, i) => {
    const text = nodes(data.repository[`c${i}`]?.checkSuites ?? null)
      .filter((s) => appId === undefined || s.app?.databaseId === appId)
      .flatMap((s) => nodes(s.checkRuns))
      .find((c) => c.text)?.text;
    return parseMemo(text);
  });
}

function statusOf(status: string): ReconcileRun["status"] {
  const s = status.toLowerCase();
  return s === "completed" ? "completed" : s === "in_progress" ? "in_progress" : "queued";
}

function nodes<T>(connection: Node<T> | undefined): T[] {
  return (connection?.nodes ?? []).filter((n): n is T => n !== null);
}
