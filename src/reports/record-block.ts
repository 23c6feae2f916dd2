import { z } from "zod";
import { githubLimits, sizeIn } from "../github/limits.js";
import type { CheckSubject, EnvironmentRecord } from "./reconcile-check.js";
import { driftedResourceSchema, healthStatuses, phases, reportedKinds, syncStatuses } from "./report.js";
import type { Soak } from "./soak.js";

/**
 * What the app keeps about one reconcile check run, hidden in the run's `output.text` so that
 * GitHub stays the database: a restarted app reads it back from the check it is about to update.
 */
export interface CheckMemo {
  /** When the check was queued or first reported on (ms): the reconcileTimeout counts from here. */
  startedAt: number;
  /** The check was failed by the timeout; only a completed result may replace it. */
  timedOut?: boolean;
  /** The soak after success, so a restarted app neither repeats nor skips it. */
  soak?: Soak;
  /** The environment's record as of this write: the latest accepted state of each object. */
  record: EnvironmentRecord;
  /** The app and tag the merged Ferry PR brought to this commit (the check's title names them). */
  subject?: CheckSubject;
}

const objectSchema = z.object({
  object: z.object({ kind: z.enum(reportedKinds), namespace: z.string(), name: z.string() }),
  revision: z.string().optional(),
  sync: z.enum(syncStatuses),
  health: z.enum(healthStatuses),
  phase: z.enum(phases),
  message: z.string().optional(),
  drifted: z.array(driftedResourceSchema),
  observedAt: z.string(),
  sequence: z.number(),
  url: z.string().optional(),
});

const memoSchema = z.object({
  startedAt: z.number(),
  timedOut: z.boolean().optional(),
  soak: z
    .discriminatedUnion("state", [
      z.object({ state: z.literal("running"), dueAt: z.number() }),
      z.object({ state: z.literal("paused"), left: z.number() }),
      z.object({ state: z.literal("done") }),
    ])
    .optional(),
  record: z.object({ objects: z.record(z.string(), objectSchema) }),
  subject: z.object({ app: z.string().max(253), tag: z.string().max(128) }).optional(),
});

const pattern = /<!-- ferry:reconcile (\{.*?\}) -->/s;
/** GitHub refuses check output text over 65,535 bytes of UTF-8 (see src/github/limits.ts). */
export const maxTextLength = githubLimits.checkText.max;

/** The memo as an HTML comment (invisible in the rendered check); shed detail to fit GitHub's cap. */
export function renderMemo(memo: CheckMemo, room = maxTextLength - 200): string {
  const render = (m: CheckMemo) =>
    `<!-- ferry:reconcile ${JSON.stringify(m).replaceAll("--", "-\\u002d")} -->`;
  const fits = (text: string) => sizeIn(text, "bytes") <= room;
  const full = render(memo);
  if (fits(full)) return full;
  // Messages are for people and are in the summary already; the decisions need the rest.
  const objects = Object.fromEntries(
    Object.entries(memo.record.objects).map(([k, o]) => [k, { ...o, message: undefined }]),
  );
  const lean = render({ ...memo, record: { objects } });
  return fits(lean) ? lean : render({ ...memo, record: { objects: {} } });
}

/** The memo in a check's output text, or undefined when absent or unreadable (then start afresh). */
export function parseMemo(text: string | null | undefined): CheckMemo | undefined {
  const match = text ? pattern.exec(text) : null;
  if (!match?.[1]) return undefined;
  try {
    const parsed = memoSchema.safeParse(JSON.parse(match[1]));
    return parsed.success ? (parsed.data as CheckMemo) : undefined;
  } catch {
    return undefined;
  }
}
