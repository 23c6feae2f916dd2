/** The latest run of one check on a PR head, as GitHub lists it. */
export interface CheckRunState {
  name: string;
  status: string;
  conclusion: string | null;
}

export type MergeReadiness =
  | { ready: true }
  | { ready: false; failed: string[] }
  | { ready: false; waiting: string[] };

const passing = new Set(["success", "neutral", "skipped"]);

/**
 * Whether Ferry may merge a PR itself (where GitHub auto-merge is unavailable): every required
 * check has a run that passed, and no other check on the head is running or failed. A required
 * check that has not reported yet is waited for, so a CI that starts late is not merged past.
 */
export function mergeReadiness(runs: readonly CheckRunState[], required: readonly string[]): MergeReadiness {
  const failed = runs
    .filter((r) => r.status === "completed" && !passing.has(r.conclusion ?? ""))
    .map((r) => r.name);
  if (failed.length > 0) return { ready: false, failed };
  const waiting = [
    ...required.filter((name) => !runs.some((r) => r.name === name)),
    ...runs.filter((r) => r.status !== "completed").map((r) => r.name),
  ];
  return waiting.length > 0 ? { ready: false, waiting: [...new Set(waiting)] } : { ready: true };
}
