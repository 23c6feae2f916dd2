import { codeSpan, plainText } from "../markdown.js";
import { driftedName, type EnvironmentRecord, type ObjectRecord } from "./reconcile-check.js";

/** Label that marks Ferry's drift issues; with the title it finds the one open issue per environment. */
export const driftLabel = "ferry:drift";

export function driftTitle(environment: string): string {
  return `Drift in ${environment}`;
}

/** Objects of the environment whose live state differs from git at the revision they last synced. */
export function driftedObjects(record: EnvironmentRecord | undefined): ObjectRecord[] {
  return Object.values(record?.objects ?? {}).filter((o) => o.phase === "drifted");
}

/** A stable fingerprint of what drifted, so the issue is touched only when that changes. */
export function driftFingerprint(record: EnvironmentRecord | undefined): string {
  const lines = driftedObjects(record).flatMap((o) =>
    o.drifted.map((d) => `${key(o)}>${d.group ?? ""}/${d.kind}/${d.namespace ?? ""}/${d.name}@${o.revision}`),
  );
  return lines.sort().join("\n");
}

/** Body of the "Drift in <env>" issue: every drifted resource, by the object that reported it. */
export function driftIssueBody(environment: string, objects: ObjectRecord[], checkUrl?: string): string {
  const lines = [
    `Resources in **${environment}** differ from git although the cluster last synced this commit. ` +
      "Someone changed the cluster directly, or a controller fights Argo CD / Flux.",
    "",
  ];
  for (const o of objects) {
    // Names and kinds are the agent's text: plain text only.
    lines.push(`### ${plainText(key(o))} at ${codeSpan((o.revision ?? "unknown").slice(0, 7))}`);
    for (const d of o.drifted) lines.push(`- ${plainText(driftedName(d))}`);
    if (o.drifted.length === 0) lines.push("- (the cluster named no resource)");
    lines.push("");
  }
  if (checkUrl) lines.push(`Check run: ${checkUrl}`, "");
  lines.push(
    "Fix it by syncing from git (or committing the change through a PR). Ferry updates this issue as the drift changes and closes it when the environment is back in sync.",
  );
  return lines.join("\n");
}

/** The body the issue is closed with: what the environment is back in sync at. */
export function driftResolvedBody(environment: string, revision: string | undefined): string {
  return `**${environment}** is back in sync with git${revision ? ` at ${codeSpan(revision.slice(0, 7))}` : ""}. Ferry closed this issue; it opens a new one if the environment drifts again.`;
}

function key(o: ObjectRecord): string {
  return `${o.object.kind} ${o.object.namespace}/${o.object.name}`;
}
