import type { EnvironmentConfig } from "../config/schema.js";
import { checkTagRules, compareTags } from "../images/tags.js";
import type { Marker } from "./marker.js";

/** What Ferry wants to promote: a tag (and digest) of an app, built at a known time. */
export interface Target {
  tag: string;
  digest?: string;
  builtAt: string;
  rollback?: boolean;
}

/** What GitHub says about the (env, app) pair right now. */
export interface PairState {
  /** The open Ferry PR for `ferry/<env>/<app>`, if any. */
  openPr?: { marker?: Marker; headIsFerry: boolean };
  /** Tag and build time the environment runs, from the last merged Ferry PR when it matches. */
  running?: { tag: string; builtAt?: string };
}

export type Decision =
  | { action: "create" }
  | { action: "update" }
  /** Nothing to do; `comment` says the open PR's readers should hear why. `reason` has no full stop. */
  | { action: "skip"; reason: string; comment: boolean; already?: true };

/**
 * Decides, without I/O, what one build means for one environment's PR. Idempotent: the same
 * inputs after the PR was made decide "skip", so a redelivered webhook changes nothing.
 */
export function decide(env: EnvironmentConfig, target: Target, state: PairState): Decision {
  const broken = target.rollback ? undefined : checkTagRules(target.tag, env.tags);
  if (broken) return { action: "skip", reason: broken, comment: state.openPr !== undefined };
  if (env.digest === "required" && !target.digest) {
    return {
      action: "skip",
      reason: `${env.name} requires a digest, and the build of ${target.tag} did not say one`,
      comment: state.openPr !== undefined,
    };
  }
  const builtAt = buildTimes([target, state.openPr?.marker, state.running]);
  const open = state.openPr;
  if (open) {
    if (!open.headIsFerry || open.marker === undefined) {
      return {
        action: "skip",
        reason: "someone else pushed to the Ferry branch, so Ferry leaves this PR to them",
        comment: true,
      };
    }
    if (
      open.marker.tag === target.tag &&
      open.marker.digest === target.digest &&
      !!open.marker.rollback === !!target.rollback
    ) {
      return {
        action: "skip",
        reason: `the open PR already promotes ${target.tag}`,
        comment: false,
        already: true,
      };
    }
    if (
      !target.rollback &&
      !open.marker.rollback &&
      (compareTags(target.tag, open.marker.tag, builtAt) ?? 1) <= 0
    ) {
      return {
        action: "skip",
        reason: `the open PR promotes ${open.marker.tag}, which is not older than ${target.tag}`,
        comment: false,
      };
    }
    return { action: "update" };
  }
  if (!target.rollback && state.running && state.running.tag !== target.tag) {
    if ((compareTags(target.tag, state.running.tag, builtAt) ?? 1) < 0) {
      return {
        action: "skip",
        reason: `${env.name} runs ${state.running.tag}, which is newer than ${target.tag}`,
        comment: false,
      };
    }
  }
  return { action: "create" };
}

function buildTimes(entries: ({ tag: string; builtAt?: string | undefined } | undefined)[]) {
  const times = new Map<string, number>();
  for (const e of entries) if (e?.builtAt) times.set(e.tag, Date.parse(e.builtAt));
  return (tag: string) => times.get(tag);
}
