import { codeSpan, plainText } from "../markdown.js";
import type { EnvironmentRecord, ObjectRecord } from "./reconcile-check.js";

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
): ObjectRecord[] {
  return Object.values(record?.objects ?? {}).filter(
    (o) => o.phase !== "healthy" && o.phase !== "drifted" && o.revision !== undefined && verified(o.revision),
  );
}

/** A stable fingerprint of what is unhealthy, so the issue is touched only when that changes. */
export function healthFingerprint(objects: ObjectRecord[]): string {
  return objects
    .map((o) => `${key(o)}>${o.phase}/${o.sync}/${o.health}@${o.revision}`)
    .sort()
    .join("\n");
}

/** Body of the "Unhealthy in <env>" issue: each object with its state and the controller's message. */
export function healthIssueBody(environment: string, objects: ObjectRecord[]): string {
  const lines = [
    `**${environment}** was verified healthy, and its promotion went ahead; since then these objects are not healthy. ` +
      "The reconcile check keeps its verdict for the commit; this issue follows the environment.",
    "",
  ];
  for (const o of objects) {
    // Names and messages are the agent's text: plain text only.
    lines.push(
      `- ${plainText(key(o))} at ${codeSpan((o.revision ?? "unknown").slice(0, 7))}: ${o.health} (${o.phase})${o.message ? `: ${plainText(o.message.replace(/\s+/g, " ").slice(0, 300))}` : ""}`,
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

function key(o: ObjectRecord): string {
  return `${o.object.kind} ${o.object.namespace}/${o.object.name}`;
}
