import { codeSpan, link, plainText } from "../markdown.js";
import {
  type ClusterObject,
  clusterOf,
  type EnvironmentRecord,
  type ObjectRecord,
  utc,
} from "./reconcile-check.js";

/** Label that marks Ferry's health issues; with the title it finds the one open issue per environment. */
export const healthLabel = "ferry:health";

export function healthTitle(environment: string): string {
  return `Unhealthy in ${environment}`;
}

/**
 * Objects no longer healthy at a commit whose check verified it (soak over): what the check no
 * longer says, and the issue does. Drift has its own issue.
 */
export function unhealthyObjects(
  record: EnvironmentRecord | undefined,
  verified: (revision: string) => boolean,
): ClusterObject[] {
  return Object.entries(record?.objects ?? {})
    .filter(
      ([, o]) =>
        o.phase !== "healthy" && o.phase !== "drifted" && o.revision !== undefined && verified(o.revision),
    )
    .map(([k, o]) => ({ ...o, cluster: clusterOf(k) }));
}

/** A stable fingerprint of what is unhealthy, so the issue is touched only when that changes. */
export function healthFingerprint(objects: ObjectRecord[]): string {
  return objects
    .map((o) => `${key(o)}>${o.phase}/${o.sync}/${o.health}@${o.revision}`)
    .sort()
    .join("\n");
}

/** Body of the "Unhealthy in <env>" issue: each object with its state and the controller's message. */
export function healthIssueBody(environment: string, objects: ClusterObject[]): string {
  const lines = [
    `**${environment}** was verified healthy, and its promotion went ahead; since then these objects are not healthy. ` +
      "The reconcile check keeps its verdict for the commit; this issue follows the environment.",
    "",
  ];
  for (const o of objects) {
    // Names and messages are the agent's text: plain text only.
    lines.push(
      `- ${plainText(key(o))} in ${o.cluster} at ${codeSpan((o.revision ?? "unknown").slice(0, 7))}: ${o.health} (${o.phase})${o.message ? `: ${plainText(o.message.replace(/\s+/g, " ").slice(0, 300))}` : ""}`,
    );
  }
  lines.push(
    "",
    "Ferry updates this issue as the state changes and closes it when the environment is healthy again.",
  );
  return lines.join("\n");
}

/** The body the issue is closed with: healthy again at `revision`, or moved on to it (its own check reports it). */
export function healthResolvedBody(environment: string, revision: string, healthy: boolean): string {
  const at = codeSpan(revision.slice(0, 7));
  const what = healthy
    ? `**${environment}** is healthy again at ${at}.`
    : `**${environment}** has moved on to ${at}, whose own reconcile check reports it.`;
  return `${what} Ferry closed this issue; it opens a new one if a verified commit turns unhealthy again.`;
}

/** One history line for a change of what is unhealthy: when, and each object with its health. */
export function healthChangeLine(objects: ClusterObject[], now: Date, repoUrl?: string): string {
  const states = objects.map(
    (o) => `${plainText(key(o))} ${o.health} in ${o.cluster} at ${commitLink(o.revision, repoUrl)}`,
  );
  return `- ${utc(now.toISOString())}: ${states.join(", ")}.`;
}

/** The history line the issue is closed with (see healthResolvedBody). */
export function healthResolvedLine(
  environment: string,
  revision: string,
  healthy: boolean,
  now: Date,
  repoUrl?: string,
): string {
  const text = healthResolvedBody(environment, revision, healthy);
  const linked = repoUrl ? text.replace(codeSpan(revision.slice(0, 7)), commitLink(revision, repoUrl)) : text;
  return `- ${utc(now.toISOString())}: ${healthy ? "✅ " : ""}${linked}`;
}

function commitLink(revision: string | undefined, repoUrl: string | undefined): string {
  if (revision === undefined) return "an unknown revision";
  const text = revision.slice(0, 7);
  return repoUrl ? link(text, `${repoUrl}/commit/${revision}`, repoUrl) : codeSpan(text);
}

function key(o: ObjectRecord): string {
  return `${o.object.kind} ${o.object.namespace}/${o.object.name}`;
}
