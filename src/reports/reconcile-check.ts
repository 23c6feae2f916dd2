import { codeSpan, link, plainText } from "../markdown.js";
import { agree, plural } from "../plural.js";
import { parseDuration } from "./duration.js";
import { type DriftedResource, objectKey, type Phase, type Report } from "./report.js";

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion = "success" | "failure";

/** A check run to create or update on the config-repo commit `headSha`. */
export interface ReconcileCheck {
  name: string;
  /** Config-repo commit the check belongs on; undefined → the environment's latest merged Ferry commit. */
  headSha: string | undefined;
  status: CheckStatus;
  conclusion?: CheckConclusion;
  title: string;
  summary: string;
}

/** What the app last recorded for one object (rebuildable from the check run it wrote). */
export type ObjectRecord = Pick<
  Report,
  | "object"
  | "revision"
  | "sync"
  | "health"
  | "phase"
  | "message"
  | "drifted"
  | "observedAt"
  | "sequence"
  | "url"
>;

/** The app's memory of one environment: the latest accepted state of each object, by objectKey. */
export interface EnvironmentRecord {
  objects: Record<string, ObjectRecord>;
}

/** What a Ferry PR merged into the commit: the app and the tag the check's title names. */
export interface CheckSubject {
  app: string;
  tag: string;
}

export interface ReconcileOptions {
  /** The app and tag the commit brought (from the merged Ferry PR), when known. */
  subject?: CheckSubject;
  /** Web URL of the config repo (`https://<host>/<owner>/<repo>`), to link the commit. */
  repoUrl?: string;
  /**
   * Where the check goes: the config repo (`owner/repo`) and the commit. When the commit is not
   * the report's revision (the report names none, or one the repo does not have), the report is
   * shown there but never concludes it: the cluster said nothing about that commit.
   */
  target?: { repo: string; sha: string };
  /**
   * Git order of two config-repo commits when the app knows it (e.g. from the compare API):
   * negative when `a` is older than `b`, positive when newer, undefined when unknown.
   */
  compareRevisions?(a: string, b: string): number | undefined;
}

export type ReconcileDecision = (ReconcileCheck & { record: EnvironmentRecord }) | { skip: string };

export function checkName(environment: string): string {
  return `Ferry / reconcile (${environment})`;
}

/**
 * Maps a verified report and the environment's previous record to the check run to write.
 * An older report never overwrites a newer one: by git order of revisions when known, else by the
 * per-object sequence. The check aggregates every object that has reached the same revision.
 */
export function reconcileCheck(
  report: Report,
  previous: EnvironmentRecord | undefined,
  options: ReconcileOptions = {},
): ReconcileDecision {
  const key = objectKey(report);
  const before = previous?.objects[key];
  if (before !== undefined) {
    const order = compareReports(report, before, options);
    if (order < 0) return { skip: `older than the recorded state of ${describe(report)}` };
    if (order === 0 || sameState(report, before)) return { skip: `no change for ${describe(report)}` };
  }
  const record: EnvironmentRecord = { objects: { ...previous?.objects, [key]: toRecord(report) } };
  const atRevision = Object.entries(record.objects)
    .filter(([, o]) => o.revision === report.revision)
    .map(([k, o]) => ({ ...o, cluster: clusterOf(k) }));
  const target = options.target;
  if (target !== undefined && target.sha !== report.revision) {
    return { ...unverified(report.environment, report.revision, target, atRevision), record };
  }
  return { ...aggregate(report.environment, report.revision, atRevision, options), record };
}

/** The check a merged Ferry PR starts with, before any agent has reported on the commit. */
export function queuedCheck(environment: string, revision: string, subject?: CheckSubject): ReconcileCheck {
  return {
    name: checkName(environment),
    headSha: revision,
    status: "queued",
    title: `Waiting for ${environment} to sync ${subject ? `${subject.app} ${subject.tag} (${short(revision)})` : short(revision)}`,
    summary: `Merged. Ferry reports here once a cluster agent for **${environment}** sees the commit.`,
  };
}

export interface TimeoutInput {
  environment: string;
  revision: string | undefined;
  status: CheckStatus;
  /** When the check was queued (ms). */
  startedAt: number;
  now: number;
  /** ferry.yml `reconcileTimeout`, e.g. `15m`. */
  timeout: string;
  subject?: CheckSubject;
}

/** A queued or in-progress reconcile check that has run past its timeout fails; otherwise skip. */
export function timeoutCheck(input: TimeoutInput): ReconcileCheck | { skip: string; dueAt?: number } {
  if (input.status === "completed") return { skip: "already completed" };
  const limit = parseDuration(input.timeout);
  if (limit === undefined) return { skip: `invalid reconcileTimeout "${input.timeout}"` };
  const dueAt = input.startedAt + limit;
  if (input.now < dueAt) return { skip: "not yet due", dueAt };
  return {
    name: checkName(input.environment),
    headSha: input.revision,
    status: "completed",
    conclusion: "failure",
    title: `${input.subject ? `${input.subject.app} ${input.subject.tag} not healthy` : "Not healthy"} in ${input.environment} after ${input.timeout}`,
    summary: `**${input.environment}** did not become Synced and Healthy within the reconcileTimeout of ${input.timeout}. Check the cluster's Argo CD or Flux status for the reason.`,
  };
}

/** < 0 when `report` is older than `recorded`, 0 for the same delivery, > 0 when newer. */
export function compareReports(
  report: Pick<Report, "revision" | "sequence">,
  recorded: Pick<Report, "revision" | "sequence">,
  options: ReconcileOptions = {},
): number {
  if (
    report.revision !== undefined &&
    recorded.revision !== undefined &&
    report.revision !== recorded.revision
  ) {
    const order = options.compareRevisions?.(report.revision, recorded.revision);
    if (order !== undefined && order !== 0) return order;
  }
  return Math.sign(report.sequence - recorded.sequence);
}

const severity: Record<Phase, number> = {
  failed: 5,
  degraded: 4,
  drifted: 3,
  unknown: 2,
  syncing: 1,
  healthy: 0,
};

/** One object of the check's table, with the cluster that reported it. */
export type ClusterObject = ObjectRecord & { cluster: string };

/** `stg-1` from an object key `stg-1/Application/argocd/api` (see objectKey). */
export function clusterOf(key: string): string {
  return key.slice(0, key.indexOf("/"));
}

/** The object whose phase decides the check: the most severe (failed, degraded, drifted, unknown, syncing, healthy). */
export function worstObject(objects: ObjectRecord[]): ObjectRecord | undefined {
  return objects.reduce<ObjectRecord | undefined>(
    (w, o) => (w === undefined || severity[o.phase] > severity[w.phase] ? o : w),
    undefined,
  );
}

function aggregate(
  environment: string,
  revision: string | undefined,
  objects: ClusterObject[],
  options: ReconcileOptions,
): ReconcileCheck {
  const worst = worstObject(objects);
  const phase: Phase = worst?.phase ?? "unknown";
  const drifted = objects.flatMap((o) => o.drifted);
  const base = { name: checkName(environment), headSha: revision };
  const where = `in ${environment} (${clusterList(objects)})`;
  const what = options.subject
    ? `${options.subject.app} ${options.subject.tag}`
    : revision && short(revision);
  const summary = [
    origin(revision, objects, options.repoUrl),
    table(objects),
    drifted.length > 0 ? driftList(drifted) : "",
  ]
    .filter(Boolean)
    .join("\n\n");
  const titled = (verb: string, noRevision: string) =>
    what
      ? `${what}${verb.startsWith(":") ? "" : " "}${verb} ${where}`
      : `${noRevision} ${where} before a revision was known`;
  switch (phase) {
    case "healthy":
      return {
        ...base,
        status: "completed",
        conclusion: "success",
        title: titled("healthy", "Healthy"),
        summary,
      };
    case "failed":
      return {
        ...base,
        status: "completed",
        conclusion: "failure",
        title: titled("failed to sync", "Sync failed"),
        summary,
      };
    case "degraded":
      return {
        ...base,
        status: "completed",
        conclusion: "failure",
        title: titled("degraded", "Degraded"),
        summary,
      };
    case "drifted":
      return {
        ...base,
        status: "completed",
        conclusion: "failure",
        title: `${options.subject ? `${options.subject.app} ${options.subject.tag} drifted` : "Drift"} ${where}: ${plural(drifted.length, "resource")} ${agree(drifted.length, "differs", "differ")} from git`,
        summary,
      };
    case "syncing":
      return { ...base, status: "in_progress", title: titled("syncing", "Syncing"), summary };
    case "unknown":
      return { ...base, status: "in_progress", title: titled(": status unknown", "Status unknown"), summary };
  }
}

const phaseWords: Record<Phase, string> = {
  healthy: "healthy",
  failed: "sync failed",
  degraded: "degraded",
  drifted: "drifted",
  syncing: "syncing",
  unknown: "status unknown",
};

/**
 * The check on a commit the report is not about: in progress, saying what the cluster reported
 * and why that decides nothing here. The reconcile timeout or a report naming the commit ends it.
 */
function unverified(
  environment: string,
  revision: string | undefined,
  target: { repo: string; sha: string },
  objects: ClusterObject[],
): ReconcileCheck {
  const worst = worstObject(objects);
  const words = phaseWords[worst?.phase ?? "unknown"];
  const where = `${environment} (${clusterList(objects)})`;
  const title =
    revision === undefined
      ? `Not verified in ${where}: ${words}, no revision of ${target.repo} reported`
      : `Not verified in ${where}: ${words} at ${short(revision)}, which ${target.repo} does not have`;
  const why =
    revision === undefined
      ? `The cluster reported **${environment}** without naming a commit of ${target.repo}.`
      : `The cluster reported **${environment}** at ${codeSpan(revision)}, which is not a commit of ${target.repo}.`;
  const summary = [
    `${why} Ferry shows it on the latest merged Ferry commit, but cannot tell whether this commit is applied, so this check concludes only when a report names this commit, or fails after the environment's \`reconcileTimeout\`.`,
    "An Argo CD Application with several sources reports a commit only when it knows which source is the config repo: annotate it with `ferry.dev/config-repo: owner/repo`, or set `FERRY_CONFIG_REPO` on the agent.",
    table(objects),
  ].join("\n\n");
  return { name: checkName(environment), headSha: target.sha, status: "in_progress", title, summary };
}

/** The clusters that reported, sorted (agents' identities: lower-case letters, digits and dashes, safe as text). */
function clusterList(objects: ClusterObject[]): string {
  return [...new Set(objects.map((o) => o.cluster))].sort().join(", ");
}

/** The summary's first line: which commit, who reported it and when (the newest report). */
function origin(revision: string | undefined, objects: ClusterObject[], repoUrl: string | undefined): string {
  const newest = objects.reduce<ClusterObject | undefined>(
    (n, o) => (n === undefined || o.observedAt > n.observedAt ? o : n),
    undefined,
  );
  if (revision === undefined || newest === undefined) return "";
  const commit = repoUrl
    ? link(short(revision), `${repoUrl}/commit/${revision}`, repoUrl)
    : codeSpan(short(revision));
  return `At ${commit}, as reported by ${newest.cluster} at ${utc(newest.observedAt)}.`;
}

/** `2026-11-02 10:00 UTC` from an ISO time (the agent's text: anything else is shown as plain text). */
export function utc(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time)
    ? plainText(iso)
    : `${new Date(time).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

// Everything below but phase, sync and health (enums) is the agent's text: plain text only.
function table(objects: ClusterObject[]): string {
  const rows = objects.map(
    (o) =>
      `| ${o.cluster} | ${plainText(`${o.object.kind} ${o.object.namespace}/${o.object.name}`)} | ${o.phase} | ${o.sync} | ${o.health} | ${cell(o.message)} |`,
  );
  return [
    "| Cluster | Object | Phase | Sync | Health | Message |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function driftList(drifted: DriftedResource[]): string {
  const lines = drifted.map((d) => `- ${plainText(driftedName(d))}`);
  return `Resources that differ from git (OutOfSync):\n${lines.join("\n")}`;
}

/** `group/Kind namespace/name` of a drifted resource, as the agent reported it. */
export function driftedName(d: DriftedResource): string {
  return `${d.group ? `${d.group}/` : ""}${d.kind} ${d.namespace ? `${d.namespace}/` : ""}${d.name}`;
}

function sameState(a: ObjectRecord, b: ObjectRecord): boolean {
  return (
    a.revision === b.revision &&
    a.phase === b.phase &&
    a.sync === b.sync &&
    a.health === b.health &&
    JSON.stringify(a.drifted) === JSON.stringify(b.drifted)
  );
}

function toRecord(r: Report): ObjectRecord {
  const { object, revision, sync, health, phase, message, drifted, observedAt, sequence, url } = r;
  return {
    object,
    revision,
    sync,
    health,
    phase,
    message,
    drifted,
    observedAt,
    sequence,
    ...(url ? { url } : {}),
  };
}

function describe(r: Report): string {
  return `${r.object.kind} ${r.object.namespace}/${r.object.name}`;
}

/** A message cell: cut to 300 characters before escaping, so no escape is cut in half. */
function cell(text: string | undefined): string {
  return plainText((text ?? "").replace(/\s+/g, " ").slice(0, 300));
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
