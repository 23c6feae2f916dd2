import type { JobMetrics } from "../metrics.js";
import type { JobFailure, JobFinish, WorkQueue } from "./work-queue.js";

/**
 * Feeds the queue into /metrics: every run's wait and duration as it ends (on the replica that
 * ran it), and the depth per job type and state at each scrape (with Redis: the whole queue, as
 * every replica sees it). Returns what stops the run timings.
 */
export function watchQueue(
  queue: WorkQueue<unknown>,
  metrics: JobMetrics,
  onError: (error: unknown) => void,
): () => void {
  const completed = (f: JobFinish) => metrics.observeJob(f.type, f.waitMs, f.durationMs, "completed");
  const failed = (f: JobFailure) =>
    metrics.observeJob(f.type, f.waitMs, f.durationMs, f.final ? "failed" : "retried");
  queue.events.on("completed", completed);
  queue.events.on("failed", failed);
  metrics.beforeScrape(async () => {
    try {
      for (const [type, depth] of Object.entries(await queue.depth()))
        for (const state of ["waiting", "active", "delayed", "failed"] as const)
          metrics.setQueueDepth(type, depth[state], state);
    } catch (error) {
      // The scrape still answers, with the last depth read; Redis being down shows elsewhere.
      onError(error);
    }
  });
  return () => {
    queue.events.off("completed", completed);
    queue.events.off("failed", failed);
  };
}
