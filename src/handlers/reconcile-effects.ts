import { unverifiedUpstreams } from "../github/evidence.js";
import { compareCommits } from "../github/reconcile-checks.js";
import { closeDriftIssue, findDriftIssue, upsertDriftIssue } from "../github/reconcile-issues.js";
import { readEnvironmentAt } from "../github/reconcile-snapshot.js";
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
import { driftedObjects, driftIssueBody, driftResolvedBody } from "../reports/drift.js";
import { parseDuration } from "../reports/duration.js";
import { type EnvironmentRecord, timeoutCheck } from "../reports/reconcile-check.js";
import { objectKey, type Report } from "../reports/report.js";
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

/** Exactly one open "Drift in <env>" issue while anything drifts; updated as it changes, closed after. */
export async function syncDriftIssue(s: ReconcileScope, sha: string): Promise<void> {
  const mem = s.deps.reconcile;
  const key = envKey(s);
  await s.deps.locks.run(`drift:${key}`, async () => {
    // Dirty until GitHub has it: a failure here answers 503, and the agent's retry (a "no change"
    // for the check) still brings the issue up to date.
    mem.driftDirty.add(key);
    let open = mem.driftIssues.get(key);
    if (open === undefined) open = (await findDriftIssue(s.octokit, s.repo, s.env.name)) ?? null;
    const drifted = driftedObjects(mem.records.get(key));
    if (drifted.length > 0) {
      open = await upsertDriftIssue(
        s.octokit,
        s.repo,
        s.env.name,
        driftIssueBody(s.env.name, drifted),
        open ?? undefined,
      );
      s.log.info({ env: s.env.name, issue: open }, "drift issue opened or updated");
    } else if (open !== null) {
      await closeDriftIssue(s.octokit, s.repo, open, driftResolvedBody(s.env.name, sha));
      s.log.info({ env: s.env.name, issue: open }, "drift resolved; issue closed");
      open = null;
    }
    mem.driftIssues.set(key, open);
    mem.driftDirty.delete(key);
  });
}

/** Healthy at `sha`: after the environment's soak (default 0) and if still healthy, promote onward. */
export async function afterHealthy(s: ReconcileScope, sha: string): Promise<void> {
  const soak = parseDuration(s.env.soak) ?? 0;
  if (soak === 0) return soakOver(s, sha);
  await s.deps.timers.schedule(timer(s, "soak", sha), s.deps.clock().getTime() + soak);
}

/** The soak is over (or there was none): still healthy at `sha`, promote onward. */
async function soakOver(s: ReconcileScope, sha: string): Promise<void> {
  if (!healthyAt(s.deps.reconcile.records.get(envKey(s)), sha)) return;
  // The check is already right; a failed promotion is logged, not turned into a retried report.
  await chainFrom(s, sha).catch((error) =>
    s.log.error({ err: error, env: s.env.name, sha }, "promotion to the next environment failed"),
  );
}

export function cancelSoak(s: ReconcileScope, sha: string): Promise<void> {
  return s.deps.timers.cancel(timer(s, "soak", sha));
}

const timer = (s: ReconcileScope, kind: TimerSpec["kind"], sha: string): TimerSpec => ({
  kind,
  repo: s.repo,
  env: s.env.name,
  sha,
});

/**
 * A soak or reconcile timeout is due (a delayed job, possibly on another replica or after a
 * restart): the check is read afresh from GitHub, then the timer's work runs.
 */
export async function timerFired(s: ReconcileScope, kind: TimerSpec["kind"], sha: string): Promise<void> {
  const key = checkKey(s, sha);
  if (!s.deps.reconcile.checks.get(key)?.pending) s.deps.reconcile.checks.delete(key);
  await checkState(s, sha);
  if (kind === "soak") await soakOver(s, sha);
  else await onTimeout(s, sha);
}

/**
 * The environment is healthy at `sha`: for every app with a next environment, the tag it runs
 * there (read from git at that commit) goes to `promote` — which is idempotent, so a repeated
 * healthy report opens nothing new.
 */
async function chainFrom(s: ReconcileScope, sha: string): Promise<void> {
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
        `- ${app.name}: no single tag found under ${s.env.name}'s paths at this commit; not promoted`,
      );
      continue;
    }
    const t = chainTarget(pin, parseMarker(at.mergedBodies[i]), at.committedDate);
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
          builtAt: t.builtAt,
        },
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
  state.pending ??= state.last;
  await flushCheck(s, sha);
}

/** A queued or in-progress check fails once ferry.yml `reconcileTimeout` passes (a delayed job). */
export async function armTimeout(s: ReconcileScope, sha: string): Promise<void> {
  const state = s.deps.reconcile.checks.get(checkKey(s, sha));
  const limit = parseDuration(s.env.reconcileTimeout);
  if (!state || state.status === "completed" || state.timedOut || limit === undefined) return;
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
    });
    if ("skip" in check) return check.dueAt ?? false;
    Object.assign(state, { pending: check, status: "completed", conclusion: "failure", timedOut: true });
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
