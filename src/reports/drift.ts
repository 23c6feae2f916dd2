import { codeSpan, link, plainText } from "../markdown.js";
import { agree, plural } from "../plural.js";
import {
  type ClusterObject,
  clusterOf,
  driftedName,
  type EnvironmentRecord,
  type ObjectRecord,
  utc,
} from "./reconcile-check.js";

/** Label that marks Ferry's drift issues; with the title it finds the one open issue per environment. */
export const driftLabel = "ferry:drift";

export function driftTitle(environment: string): string {
  return `Drift in ${environment}`;
}

/** Objects of the environment whose live state differs from git at the revision they last synced, with their cluster. */
export function driftedObjects(record: EnvironmentRecord | undefined): ClusterObject[] {
  return Object.entries(record?.objects ?? {})
    .filter(([, o]) => o.phase === "drifted")
    .map(([k, o]) => ({ ...o, cluster: clusterOf(k) }));
}

/** A stable fingerprint of what drifted, so the issue is touched only when that changes. */
export function driftFingerprint(record: EnvironmentRecord | undefined): string {
  const lines = driftedObjects(record).flatMap((o) =>
    o.drifted.map((d) => `${key(o)}>${d.group ?? ""}/${d.kind}/${d.namespace ?? ""}/${d.name}@${o.revision}`),
  );
  return lines.sort().join("\n");
}

/** Where the issue links: the config repo (for commits) and the reconcile check run. */
export interface DriftLinks {
  repoUrl?: string;
  checkUrl?: string;
}

/**
 * The current part of the "Drift in <env>" issue: every drifted resource, by the object and
 * cluster that reported it, when it was seen, and links to the commit, the check and the object.
 */
export function driftIssueBody(
  environment: string,
  objects: ClusterObject[],
  links: DriftLinks = {},
): string {
  const lines = [
    `Resources in **${environment}** differ from git although the cluster last synced this commit. ` +
      "Someone changed the cluster directly, or a controller fights Argo CD / Flux.",
    "",
  ];
  for (const o of objects) {
    // Names and kinds are the agent's text: plain text only. Cluster names are agent identities.
    lines.push(`### ${plainText(key(o))} in ${o.cluster} at ${commitLink(o.revision, links.repoUrl)}`);
    const check =
      links.checkUrl && links.repoUrl
        ? link(`Ferry / reconcile (${environment})`, links.checkUrl, links.repoUrl)
        : undefined;
    const page = o.url
      ? link(`Open in ${o.object.kind === "Application" ? "Argo CD" : "Flux"}`, o.url, originOf(o.url))
      : undefined;
    lines.push([`Detected ${utc(o.observedAt)}`, check, page].filter(Boolean).join(" · "), "");
    for (const d of o.drifted) lines.push(`- ${plainText(driftedName(d))}`);
    if (o.drifted.length === 0) lines.push("- (the cluster named no resource)");
    lines.push("");
  }
  lines.push(
    "Fix it by syncing from git (or committing the change through a PR). Ferry updates this issue as the drift changes and closes it when the environment is back in sync.",
  );
  return lines.join("\n");
}

/** One history line for a change of what drifts. */
export function driftChangeLine(objects: ClusterObject[], now: Date, repoUrl?: string): string {
  const count = objects.reduce((n, o) => n + o.drifted.length, 0);
  const where = [...new Set(objects.map((o) => `${o.cluster} at ${commitLink(o.revision, repoUrl)}`))].join(
    ", ",
  );
  return `- ${utc(now.toISOString())}: ${plural(count, "resource")} ${agree(count, "differs", "differ")} from git in ${where}.`;
}

/** The history line the issue is closed with: what the environment is back in sync at. */
export function driftResolvedLine(
  environment: string,
  revision: string | undefined,
  now: Date,
  repoUrl?: string,
): string {
  return `- ${utc(now.toISOString())}: ✅ **${environment}** is back in sync with git${revision ? ` at ${commitLink(revision, repoUrl)}` : ""}. Ferry closed this issue; it opens a new one if ${environment} drifts again.`;
}

function commitLink(revision: string | undefined, repoUrl: string | undefined): string {
  if (revision === undefined) return "an unknown revision";
  const text = revision.slice(0, 7);
  return repoUrl ? link(text, `${repoUrl}/commit/${revision}`, repoUrl) : codeSpan(text);
}

/** The origin of an https URL the agent sent (its Argo CD), for `link`'s check; undefined otherwise. */
function originOf(url: string): string | undefined {
  const parsed = URL.parse(url);
  return parsed?.protocol === "https:" ? parsed.origin : undefined;
}

function key(o: ObjectRecord): string {
  return `${o.object.kind} ${o.object.namespace}/${o.object.name}`;
}
