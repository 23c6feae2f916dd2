import type { UnfinishedCheck } from "../github/unfinished-checks.js";

/** Ferry's reconcile check names: `Ferry / reconcile (<env>)`. */
const reconcileName = /^Ferry \/ reconcile \((.+)\)$/;

export type SweepAction =
  /** Run the guard again: it concludes every one of its checks, with the reason if it fails. */
  | { kind: "guard"; pr: number }
  /** Make sure the environment's reconcile timeout is armed for the check on `sha`. */
  | { kind: "reconcile-timeout"; env: string; sha: string; startedAt: number };

/**
 * What the sweep does about one config repo's unfinished Ferry checks. A guard check (validate,
 * promotion, config) started before `staleBefore` belongs to a job that died: the PR's guard
 * runs again. A reconcile check legitimately waits for its cluster, so it only gets its
 * timeout armed (a delayed job, one per check across replicas), which concludes it when due.
 */
export function planSweep(checks: readonly UnfinishedCheck[], staleBefore: number): SweepAction[] {
  const actions: SweepAction[] = [];
  const guarded = new Set<number>();
  const armed = new Set<string>();
  for (const check of checks) {
    const env = reconcileName.exec(check.name)?.[1];
    if (env !== undefined) {
      const key = `${env}@${check.sha}`;
      if (!armed.has(key))
        actions.push({ kind: "reconcile-timeout", env, sha: check.sha, startedAt: check.startedAt });
      armed.add(key);
    } else if (check.pr !== undefined && check.startedAt < staleBefore && !guarded.has(check.pr)) {
      guarded.add(check.pr);
      actions.push({ kind: "guard", pr: check.pr });
    }
  }
  return actions;
}
