/** What `Ferry / validate` shows while a long PR is being validated. */
export function validateProgress(done: number, total: number): { title: string; summary: string } {
  const count = (n: number) => n.toLocaleString("en-US");
  return {
    title: `Validated ${count(done)} of ${count(total)} files`,
    summary: `Ferry is validating the ${count(total)} files this PR changes; the findings follow when every file is checked.`,
  };
}

export interface ProgressReporter {
  /** The latest count; shown if the last update is at least `everyMs` old and none is in flight. */
  update(done: number, total: number): void;
  /** No more updates; resolves once any update in flight is written, so the conclusion comes last. */
  finish(): Promise<void>;
}

/**
 * Shows progress at most once per `everyMs` (the first after `everyMs`, so a quick check shows
 * none), one update at a time. A failed update only loses that update.
 */
export function throttledProgress(options: {
  everyMs: number;
  now: () => number;
  show: (done: number, total: number) => Promise<unknown>;
}): ProgressReporter {
  let last = options.now();
  let inFlight: Promise<unknown> | undefined;
  let finished = false;
  return {
    update(done, total) {
      if (finished || inFlight || done >= total || options.now() - last < options.everyMs) return;
      last = options.now();
      inFlight = options
        .show(done, total)
        .catch(() => undefined)
        .finally(() => {
          inFlight = undefined;
          last = options.now();
        });
    },
    async finish() {
      finished = true;
      await inFlight;
    },
  };
}
