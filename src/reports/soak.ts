import { plainText } from "../markdown.js";
import { formatDuration } from "./duration.js";
import type { CheckConclusion, CheckStatus, ObjectRecord } from "./reconcile-check.js";
import type { Phase } from "./report.js";

/**
 * The soak of a successful check: its clock runs while the environment stays healthy, stops
 * while it is Progressing, and ends in promotion (`done`).
 */
export type Soak =
  | { state: "running"; dueAt: number }
  | { state: "paused"; left: number }
  | { state: "done" };

/** How far the check on one commit has come; it decides what a later report there may change. */
export type Stage = "open" | "failed" | "soaking" | "paused" | "verified";

/** What a report at the check's commit does (docs/agent.md, "After the verdict"). */
export interface Outcome {
  /** Write the report's verdict; otherwise the concluded one stands and only the table changes. */
  conclude: boolean;
  soak?: "start" | "pause" | "resume" | "fail";
}

export function stageOf(
  check: { status: CheckStatus; conclusion?: CheckConclusion; soak?: Soak },
  now: number,
): Stage {
  if (check.status !== "completed") return "open";
  if (check.conclusion !== "success") return "failed";
  const soak = check.soak;
  if (soak?.state === "paused") return "paused";
  // A soak whose time is up is over, even before its timer ran (e.g. read back after a restart).
  if (soak === undefined || (soak.state === "running" && soak.dueAt > now)) return "soaking";
  return "verified";
}

type Group = "healthy" | "unsettled" | "unhealthy" | "drifted";
const groups: Record<Phase, Group> = {
  healthy: "healthy",
  syncing: "unsettled",
  unknown: "unsettled",
  degraded: "unhealthy",
  failed: "unhealthy",
  drifted: "drifted",
};

const conclude = { conclude: true } as const;
const keep = { conclude: false } as const;

/**
 * Stage × the worst phase at the commit → outcome. A concluded check is never reopened; the
 * agent reports Progressing after Healthy only once it has lasted PROGRESSING_GRACE.
 */
const table: Record<Stage, Record<Group, Outcome>> = {
  open: {
    healthy: { conclude: true, soak: "start" },
    unsettled: conclude,
    unhealthy: conclude,
    drifted: conclude,
  },
  failed: {
    healthy: { conclude: true, soak: "start" },
    unsettled: keep,
    unhealthy: conclude,
    drifted: conclude,
  },
  soaking: {
    healthy: keep,
    unsettled: { conclude: false, soak: "pause" },
    unhealthy: { conclude: true, soak: "fail" },
    drifted: { conclude: true, soak: "fail" },
  },
  paused: {
    healthy: { conclude: false, soak: "resume" },
    unsettled: keep,
    unhealthy: { conclude: true, soak: "fail" },
    drifted: { conclude: true, soak: "fail" },
  },
  // Health after the soak goes to the "Unhealthy in <env>" issue; drift still fails the check.
  verified: { healthy: keep, unsettled: keep, unhealthy: keep, drifted: conclude },
};

export function outcome(stage: Stage, worst: Phase): Outcome {
  return table[stage][groups[worst]];
}

/** The note on the check while its soak is paused, resumed or failed. */
export function soakNote(
  event: "pause" | "resume" | "fail",
  input: { environment: string; left?: number; object?: ObjectRecord },
): string {
  const o = input.object;
  const what = o ? plainText(`${o.object.kind} ${o.object.namespace}/${o.object.name}`) : "an object";
  const left = formatDuration(input.left ?? 0);
  const message = o?.message ? `: ${plainText(o.message.replace(/\s+/g, " ").slice(0, 300))}` : "";
  const line = {
    pause: `Soak paused with ${left} left: ${what} is ${o?.health ?? "Progressing"}${message}. It resumes once **${input.environment}** is healthy again; nothing is promoted meanwhile.`,
    resume: `Soak resumed: Ferry promotes once **${input.environment}** has stayed healthy for another ${left}.`,
    fail: `Soak failed: ${what} is ${o?.phase ?? "unhealthy"}${message}. Nothing is promoted from this commit.`,
  }[event];
  return `### Promotion\n${line}`;
}
