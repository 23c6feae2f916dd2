import { unverifiedUpstreams } from "../github/evidence.js";
import { compareCommits } from "../github/reconcile-checks.js";
import {
  closeEnvironmentIssue,
  findEnvironmentIssue,
  upsertEnvironmentIssue,
} from "../github/reconcile-issues.js";
import { readEnvironmentAt } from "../github/reconcile-snapshot.js";
import { repoWebUrl } from "../github/web.js";
import type { TimerSpec } from "../jobs/ferry-job.js";
import { nextEnvironments } from "../promotion/environments.js";
import { parseMarker } from "../promotion/marker.js";
import { ferryBranch } from "../promotion/promote.js";
import {
  chainedApps,
  chainLine,
  chainTarget,
  chainWaitingLine,
  healthyAt,
  runningPin,
} from "../reports/chain.js";
import {
  driftChangeLine,
  driftedObjects,
  driftFingerprint,
  driftIssueBody,
  driftLabel,
  driftResolvedLine,
  driftTitle,
} from "../reports/drift.js";
import { parseDuration } from "../reports/duration.js";
import {
  healthChangeLine,
  healthFingerprint,
  healthIssueBody,
  healthLabel,
  healthResolvedLine,
  healthTitle,
  unhealthyObjects,
} from "../reports/health.js";
import { type EnvironmentRecord, type ObjectRecord, timeoutCheck } from "../reports/reconcile-check.js";
import { objectKey, type Report } from "../reports/report.js";
import { soakNote, stageOf } from "../reports/soak.js";
import { promoteLocked } from "./builds.js";
import { checkKey, checkState, envKey, flushCheck, type ReconcileScope } from "./reconcile.js";

/** Fetches the git order of a report's revision against the object's recorded one (cached forever). */
export async function prefetchOrder(
  s: ReconcileScope,
  previous: EnvironmentRecord | undefined,
  report: Report,
): Promise<void> {
  const before = previous?.objects[objectKey(report)]?.revision;
  const now = report.revision;
  if (before === undefined || now === undefined || before === now) return;
  const key = `${s.repo.owner}/${s.repo.repo}@${now}..${before}`;
  if (s.deps.reconcile.order.has(key)) return;
  const order = await compareCommits(s.octokit, s.repo, now, before).catch(() => undefined);
  s.deps.reconcile.order.set(key, order ?? null);
}

export const issueKinds = ["drift", "health"] as const;
export type IssueKind = (typeof issueKinds)[number];

/** The objects each issue lists: drifted ones, and unhealthy ones at a commit whose soak is over. */
function issueObjects(s: ReconcileScope, kind: IssueKind, record: EnvironmentRecord | undefined) {
  if (kind === "drift") return driftedObjects(record);
  const now = s.deps.clock().getTime();
  return unhealthyObjects(record, (revision) => {
    const state = s.deps.reconcile.checks.get(checkKey(s, revision));
    return state !== undefined && stageOf(state, now) === "verified";
  });
}

const timer = (s: ReconcileScope, kind: TimerSpec["kind"], sha: string): TimerSpec => ({
  kind,
  repo: s.repo,
  env: s.env.name,
  sha,
});

/**
 * A soak or reconcile timeout is due (a delayed job, possibly on another replica or after a
 * restart): the check is read afresh from GitHub (its memo holds the soak), then the timer's
 * work runs — a soak that was paused or moved later since is left alone or armed again.
 */
export async function timerFired(s: ReconcileScope, kind: TimerSpec["kind"], sha: string): Promise<void> {
  const key = checkKey(s, sha);
  if (!s.deps.reconcile.checks.get(key)?.pending) s.deps.reconcile.checks.delete(key);
  await checkState(s, sha);
  if (kind === "soak") await startSoak(s, sha);
  else await onTimeout(s, sha);
}

/** What each issue would say for `record`, to tell whether a report changed it. */
export function issueFingerprints(
  s: ReconcileScope,
  record: EnvironmentRecord | undefined,
): Record<IssueKind, string> {
  return {
    drift: driftFingerprint(record),
    health: healthFingerprint(issueObjects(s, "health", record)),
  };
}

/** Brings the environment's issues up to date: those the report changed, and those a failed write left dirty. */
export async function syncIssues(
  s: ReconcileScope,
  sha: string,
  changed: readonly IssueKind[],
): Promise<void> {
  for (const kind of issueKinds) {
    if (changed.includes(kind) || s.deps.reconcile.issuesDirty.has(`${kind}:${envKey(s)}`)) {
      await syncIssue(s, kind, sha);
    }
  }
}

/**
 * Exactly one open "Drift in <env>" issue while anything drifts, and one "Unhealthy in <env>"
 * while anything verified is unhealthy; updated as it changes, closed after.
 */
async function syncIssue(s: ReconcileScope, kind: IssueKind, sha: string): Promise<void> {
  const mem = s.deps.reconcile;
  const key = `${kind}:${envKey(s)}`;
  const env = s.env.name;
  const name =
    kind === "drift"
      ? { label: driftLabel, title: driftTitle(env) }
      : { label: healthLabel, title: healthTitle(env) };
  await s.deps.locks.run(`issue:${key}`, async () => {
    // Dirty until GitHub has it: a failure here answers 503, and the agent's retry (a "no change"
    // for the check) still brings the issue up to date.
    mem.issuesDirty.add(key);
    let open = mem.issues.get(key);
    if (open === undefined) open = (await findEnvironmentIssue(s.octokit, s.repo, name)) ?? null;
    const objects = issueObjects(s, kind, mem.records.get(envKey(s)));
    const repoUrl = repoWebUrl(s.octokit, s.repo);
    const checkId = mem.checks.get(checkKey(s, sha))?.onGitHub?.id;
    const now = s.deps.clock();
    if (objects.length > 0) {
      // The current part is rewritten; each change and the resolution add a line to the history.
      const [body, line] =
        kind === "drift"
          ? [
              driftIssueBody(env, objects, {
                repoUrl,
                ...(checkId !== undefined ? { checkUrl: `${repoUrl}/runs/${checkId}` } : {}),
              }),
              driftChangeLine(objects, now, repoUrl),
            ]
          : [healthIssueBody(env, objects), healthChangeLine(objects, now, repoUrl)];
      open = await upsertEnvironmentIssue(s.octokit, s.repo, name, body, line, open ?? undefined);
      s.log.info({ env, issue: open }, `${kind} issue opened or updated`);
    } else if (open !== null) {
      const line =
        kind === "drift"
          ? driftResolvedLine(env, sha, now, repoUrl)
          : healthResolvedLine(env, sha, healthyAt(mem.records.get(envKey(s)), sha), now, repoUrl);
      await closeEnvironmentIssue(s.octokit, s.repo, open, line);
      s.log.info({ env, issue: open }, `${kind} resolved; issue closed`);
      open = null;
    }
    mem.issues.set(key, open);
    mem.issuesDirty.delete(key);
  });
}

/** The check on `sha` turned success and is written: its soak (ferry.yml `soak`, default 0) runs, or ends at once. */
export async function startSoak(s: ReconcileScope, sha: string): Promise<void> {
  const state = s.deps.reconcile.checks.get(checkKey(s, sha));
  if (state?.soak?.state !== "running") return;
  if (state.soak.dueAt <= s.deps.clock().getTime()) return endSoak(s, sha);
  await armTimers(s, sha);
}

/** A report paused, resumed or failed the soak (decided by the pure `outcome`; under the environment's lock). */
export function changeSoak(
  s: ReconcileScope,
  sha: string,
  change: "start" | "pause" | "resume" | "fail" | undefined,
  object: ObjectRecord | undefined,
): void {
  const mem = s.deps.reconcile;
  const state = mem.checks.get(checkKey(s, sha));
  if (state === undefined || change === undefined) return;
  const now = s.deps.clock().getTime();
  if (change === "start") {
    // Set before the success is written, so the memo carries it across a restart.
    state.soak = { state: "running", dueAt: now + (parseDuration(s.env.soak) ?? 0) };
    state.noteOnlyOnSuccess = false;
    state.note = undefined; // a new success: the last run's soak or chain note is not about it
    return;
  }
  const environment = s.env.name;
  // A soak job that fires anyway finds the soak paused or moved and changes nothing (startSoak).
  void s.deps.timers
    .cancel(timer(s, "soak", sha))
    .catch((error) => s.log.warn({ err: error, env: environment }, "could not cancel the soak timer"));
  if (change === "pause" && state.soak?.state === "running") {
    const left = Math.max(0, state.soak.dueAt - now);
    state.soak = { state: "paused", left };
    state.noteOnlyOnSuccess = false;
    state.note = soakNote("pause", { environment, left, ...(object ? { object } : {}) });
  } else if (change === "resume" && state.soak?.state === "paused") {
    const left = state.soak.left;
    state.soak = { state: "running", dueAt: now + left };
    state.noteOnlyOnSuccess = false;
    state.note = soakNote("resume", { environment, left });
  } else if (change === "fail") {
    state.soak = undefined;
    state.noteOnlyOnSuccess = false;
    state.note = soakNote("fail", { environment, ...(object ? { object } : {}) });
  }
  s.log.info({ env: environment, sha, soak: state.soak }, `soak ${change}`);
}

/** The soak is over and the environment still healthy at `sha`: promote onward. */
async function endSoak(s: ReconcileScope, sha: string): Promise<void> {
  const state = s.deps.reconcile.checks.get(checkKey(s, sha));
  if (state?.soak?.state !== "running" || !healthyAt(s.deps.reconcile.records.get(envKey(s)), sha)) return;
  state.soak = { state: "done" };
  // The check is already right; a failed promotion is logged, not turned into a retried report.
  // The soak is what the environment ran healthy for: the next PR's evidence says so.
  await chainFrom(s, sha, parseDuration(s.env.soak) ?? 0).catch((error) =>
    s.log.error({ err: error, env: s.env.name, sha }, "promotion to the next environment failed"),
  );
}

/**
 * The environment is healthy at `sha`: for every app with a next environment, the tag it runs
 * there (read from git at that commit) goes to `promote` — which is idempotent, so a repeated
 * healthy report opens nothing new.
 */
async function chainFrom(s: ReconcileScope, sha: string, healthyForMs: number): Promise<void> {
  const apps = chainedApps(s.config, s.env.name);
  if (apps.length === 0) return;
  const branches = apps.map((a) => ferryBranch(s.env.name, a.name));
  const at = await readEnvironmentAt(s.octokit, s.repo, s.env, sha, branches);
  const lines: string[] = [];
  for (const [i, app] of apps.entries()) {
    const pin = runningPin(at.files, s.env, app);
    if (pin === undefined) {
      s.log.info({ app: app.name, env: s.env.name, sha }, "no single tag of the app found; nothing to chain");
      lines.push(
        `- ${app.name}: no new PR; no single tag of it was found under ${s.env.name}'s paths at this commit.`,
      );
      continue;
    }
    const t = chainTarget(pin, parseMarker(at.mergedBodies[i]), at.committedDate);
    // The next PR leads with this evidence: the healthy check, the commit and the PR that brought the tag.
    const repoUrl = repoWebUrl(s.octokit, s.repo);
    const checkId = s.deps.reconcile.checks.get(checkKey(s, sha))?.onGitHub?.id;
    const deployedBy = t.deployedBy ? at.mergedNumbers[i] : undefined;
    const verified = {
      env: s.env.name,
      kind: "reconcile" as const,
      sha,
      ...(deployedBy !== undefined ? { pr: deployedBy } : {}),
      ...(checkId !== undefined ? { url: `${repoUrl}/runs/${checkId}` } : {}),
      healthyForMs,
    };
    for (const next of nextEnvironments(s.config, app, s.env.name)) {
      // Fan-in: the next environment opens only once all its upstream environments verified the tag.
      const step = { app, env: next, from: s.env.name, tag: t.tag, sha };
      const waiting = await unverifiedUpstreams(s.octokit, s.repo, s.config, step);
      if (waiting.length > 0) {
        lines.push(chainWaitingLine(app.name, next.name, t.tag, waiting));
        continue;
      }
      const outcome = await promoteLocked(s.octokit, s.deps, {
        configRepo: s.repo,
        config: s.config,
        app,
        env: next,
        build: {
          source: t.source ?? app.source ?? `${s.repo.owner}/${s.repo.repo}`,
          trigger: "chain",
          tag: t.tag,
          ...(t.digest ? { digest: t.digest } : {}),
          ...(t.sha ? { sha: t.sha } : {}),
          ...(t.sourceUrl ? { sourceUrl: t.sourceUrl } : {}),
          ...(t.buildUrl ? { url: t.buildUrl, label: t.buildLabel } : {}),
          builtAt: t.builtAt,
        },
        context: { repoUrl, verified: [verified] },
      });
      const reason = "reason" in outcome ? outcome.reason : undefined;
      s.log.info(
        { app: app.name, from: s.env.name, to: next.name, tag: t.tag, status: outcome.status, reason },
        `chain: ${s.env.name} healthy at ${sha.slice(0, 7)}`,
      );
      lines.push(chainLine(app.name, next.name, t.tag, outcome));
    }
  }
  await noteOnCheck(s, sha, ["### Promotion", ...lines].join("\n"));
}

/** Says on the healthy check what the chain did, so a refused promotion is never silent. */
async function noteOnCheck(s: ReconcileScope, sha: string, note: string): Promise<void> {
  const state = s.deps.reconcile.checks.get(checkKey(s, sha));
  if (state === undefined || state.note === note) return;
  state.note = note;
  state.noteOnlyOnSuccess = true;
  state.pending ??= state.last;
  await flushCheck(s, sha);
}

/**
 * Timers for the check on `sha`, as delayed jobs (they survive restarts with REDIS_URL and fire
 * once across replicas): its reconcileTimeout while open, and its soak while running. Re-armed
 * from the check's memo by the next report, and by the sweep, after a restart.
 */
export async function armTimers(s: ReconcileScope, sha: string): Promise<void> {
  const state = s.deps.reconcile.checks.get(checkKey(s, sha));
  if (state?.soak?.state === "running" && state.conclusion === "success") {
    await s.deps.timers.schedule(timer(s, "soak", sha), state.soak.dueAt);
  }
  const limit = parseDuration(s.env.reconcileTimeout);
  if (!state || state.status === "completed" || state.timedOut || limit === undefined) return;
  // Already due (a memo older than the timer a restart's sweep armed): conclude now, not when
  // that pending timer fires.
  if (state.startedAt + limit <= s.deps.clock().getTime()) return onTimeout(s, sha);
  await s.deps.timers.schedule(timer(s, "reconcile-timeout", sha), state.startedAt + limit);
}

async function onTimeout(s: ReconcileScope, sha: string): Promise<void> {
  const key = checkKey(s, sha);
  const due = await s.deps.locks.run(`reconcile:${envKey(s)}`, async (): Promise<boolean | number> => {
    const state = s.deps.reconcile.checks.get(key);
    if (!state) return false;
    const check = timeoutCheck({
      environment: s.env.name,
      revision: sha,
      status: state.status,
      startedAt: state.startedAt,
      now: s.deps.clock().getTime(),
      timeout: s.env.reconcileTimeout,
      ...(state.subject ? { subject: state.subject } : {}),
    });
    if ("skip" in check) return check.dueAt ?? false;
    Object.assign(state, {
      pending: check,
      status: "completed",
      conclusion: "failure",
      title: check.title,
      timedOut: true,
    });
    return true;
  });
  if (typeof due === "number") {
    await s.deps.timers.schedule(timer(s, "reconcile-timeout", sha), due);
    return;
  }
  if (!due) return;
  s.log.warn({ env: s.env.name, sha }, `reconcile not healthy after ${s.env.reconcileTimeout}`);
  await flushCheck(s, sha);
}
