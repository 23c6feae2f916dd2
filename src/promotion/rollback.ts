import type { Marker } from "./marker.js";

/** A merged Ferry PR of one (env, app) pair, as the rollback search sees it. */
export interface MergedPromotion {
  marker: Marker;
  mergeSha: string;
  number: number;
}

/**
 * Tags to roll back to, best first: merged promotions older than the one that brought the
 * running tag, newest first, one per tag. The caller takes the first that ran healthy.
 */
export function rollbackCandidates(
  merged: readonly MergedPromotion[],
  running: string | undefined,
): MergedPromotion[] {
  const newestFirst = [...merged].sort((a, b) => b.number - a.number);
  const start = newestFirst.findIndex((m) => m.marker.tag === running);
  const older = start >= 0 ? newestFirst.slice(start + 1) : newestFirst;
  const seen = new Set<string>(running === undefined ? [] : [running]);
  return older.filter((m) => !seen.has(m.marker.tag) && seen.add(m.marker.tag) !== undefined);
}
