/** The latest run of one check on a PR head, as GitHub lists it (one per name and app). */
export interface CheckRunState {
  name: string;
  /** The app that posted it. */
  appId: number;
  status: string;
  conclusion: string | null;
}

/** A check that must pass; with `appId`, only that app's run counts (Ferry's own checks). */
export interface RequiredCheck {
  name: string;
  appId?: number;
}

export type MergeReadiness =
  | { ready: true }
  | { ready: false; failed: string[] }
  | { ready: false; waiting: string[] };

const passing = new Set(["success", "neutral", "skipped"]);

/**
 * Whether Ferry may merge a PR itself (where GitHub auto-merge is unavailable): every required
 * check has a run that passed, and no other check on the head is running or failed. A required
 * check that has not reported yet is waited for, so a CI that starts late is not merged past; a
 * run another app made under the name of a check pinned to Ferry's app is not Ferry's verdict.
 */
export function mergeReadiness(
  runs: readonly CheckRunState[],
  required: readonly RequiredCheck[],
): MergeReadiness {
  const failed = runs
    .filter((r) => r.status === "completed" && !passing.has(r.conclusion ?? ""))
    .map((r) => r.name);
  if (failed.length > 0) return { ready: false, failed: [...new Set(failed)] };
  const waiting = [
    ...required
      .filter((c) => !runs.some((r) => r.name === c.name && (c.appId === undefined || r.appId === c.appId)))
      .map((c) => c.name),
    ...runs.filter((r) => r.status !== "completed").map((r) => r.name),
  ];
  return waiting.length > 0 ? { ready: false, waiting: [...new Set(waiting)] } : { ready: true };
}
