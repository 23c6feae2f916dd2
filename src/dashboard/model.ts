import picomatch from "picomatch";
import type { AppConfig, EnvironmentConfig, FerryConfig } from "../config/schema.js";
import type { FieldRef } from "../manifests/fields.js";
import { findImageReferences } from "../manifests/find.js";
import type { SourceFile } from "../manifests/sites.js";
import {
  appEnvironments,
  environmentMatcher,
  nextEnvironments,
  upstreamEnvironments,
} from "../promotion/environments.js";
import { parseMarker } from "../promotion/marker.js";
import { rollbackCandidates } from "../promotion/rollback.js";
import { driftTitle } from "../reports/drift.js";
import { parseDuration } from "../reports/duration.js";
import { healthTitle } from "../reports/health.js";
import type { ObjectRecord } from "../reports/reconcile-check.js";
import type { DashboardFacts, MergedPull, PairFacts, ReconcileRun } from "./facts.js";

/** What an environment's latest reconcile check says, in the words a reader wants. */
export type Phase =
  | "healthy"
  | "syncing"
  | "waiting"
  | "degraded"
  | "failed"
  | "drifted"
  | "timed out"
  | "unknown";

export interface Pin {
  tag?: string;
  digest?: string;
}

export interface EnvironmentView {
  name: string;
  /** The environments a tag must be verified in first (`after`). */
  after: string[];
  /** Whether a cluster agent reports for it (ferry.yml `clusters`). */
  reporting: boolean;
  health?: {
    phase: Phase;
    /** Argo CD / Flux sync and health of the reported objects, e.g. `Synced`, `Healthy`. */
    sync?: string;
    health?: string;
    /** When the check reached this state (completed), else when it started. */
    since?: string;
    sha: string;
    commitUrl: string;
    checkUrl: string;
  };
  /** Healthy, but promotion onward waits for the soak until then (ISO time). */
  soakUntil?: string;
  drift?: { number: number; url: string };
  /** The open "Unhealthy in <env>" issue: objects failed after the soak verified the check. */
  unhealthy?: { number: number; url: string };
}

export interface CellView {
  /** What the environment's files pin: none found, one, or several (mixed). */
  pins: Pin[];
  /** The merge commit of the Ferry PR that brought the running tag, when known. */
  commit?: { oid: string; url: string };
  /** When that PR merged. */
  since?: string;
  openPr?: { number: number; url: string; tag?: string; rollback: boolean };
}

export interface AppView {
  name: string;
  /** By environment name; absent for environments the app does not go through. */
  cells: Record<string, CellView>;
}

export interface HistoryEntry {
  app: string;
  env: string;
  number: number;
  url: string;
  tag: string;
  from?: string;
  rollback: boolean;
  mergedAt: string;
  mergedBy?: string;
}

export type DashboardAction =
  /** Bring the tag the upstream environment(s) run to `env`. */
  | {
      kind: "promote";
      app: string;
      env: string;
      tag: string;
      digest?: string;
      from: string[];
      running?: string;
    }
  /** Roll `env` back from `running`; `to` is the likely target (the rollback itself re-checks health). */
  | { kind: "rollback"; app: string; env: string; running: string; to: string };

export interface DashboardModel {
  repo: DashboardFacts["repo"];
  head: DashboardFacts["head"];
  environments: EnvironmentView[];
  apps: AppView[];
  /** The last promotions and rollbacks, newest first. */
  history: HistoryEntry[];
  actions: DashboardAction[];
}

/** How many merged promotions the dashboard lists. */
export const historyLength = 20;

/** The dashboard's content, decided from GitHub's facts alone: the same facts give the same model. */
export function dashboardModel(config: FerryConfig, facts: DashboardFacts, now: Date): DashboardModel {
  const pins = new Map<string, Pin[]>();
  const pinsOf = (env: EnvironmentConfig, app: AppConfig): Pin[] => {
    const key = `${env.name}\n${app.name}`;
    let found = pins.get(key);
    if (found === undefined) {
      found = runningPins(facts.files, env, app);
      pins.set(key, found);
    }
    return found;
  };
  const pair = (env: string, app: string): PairFacts | undefined =>
    facts.pairs.find((p) => p.env === env && p.app === app);
  const environments = config.environments.map((env) => environmentView(config, facts, env, now));
  const apps = config.apps.map((app) => ({
    name: app.name,
    cells: Object.fromEntries(
      appEnvironments(config, app).map((env) => [
        env.name,
        cellView(pinsOf(env, app), pair(env.name, app.name)),
      ]),
    ),
  }));
  const actions: DashboardAction[] = [];
  for (const app of config.apps) {
    for (const env of appEnvironments(config, app)) {
      const promote = promoteAction(config, environments, app, env, pinsOf, pair(env.name, app.name));
      if (promote) actions.push(promote);
      const rollback = rollbackAction(app, env, pinsOf(env, app), pair(env.name, app.name));
      if (rollback) actions.push(rollback);
    }
  }
  return { repo: facts.repo, head: facts.head, environments, apps, history: history(facts.pairs), actions };
}

/** Every distinct tag@digest the app's references under the environment's paths pin. */
export function runningPins(files: readonly SourceFile[], env: EnvironmentConfig, app: AppConfig): Pin[] {
  const inEnvironment = environmentMatcher(env.paths);
  const fields = app.fields.map((field) => ({ field, match: picomatch(field.file, { dot: true }) }));
  const { references } = findImageReferences(
    files.filter((f) => inEnvironment(f.path)),
    {
      image: app.image,
      fieldsFor: (path: string): FieldRef[] => fields.filter((f) => f.match(path)).map((f) => f.field),
    },
  );
  const seen = new Map<string, Pin>();
  for (const r of references) {
    if (r.tag === undefined && r.digest === undefined) continue;
    seen.set(`${r.tag ?? ""}@${r.digest ?? ""}`, {
      ...(r.tag !== undefined ? { tag: r.tag } : {}),
      ...(r.digest !== undefined ? { digest: r.digest } : {}),
    });
  }
  return [...seen.values()];
}

function environmentView(
  config: FerryConfig,
  facts: DashboardFacts,
  env: EnvironmentConfig,
  now: Date,
): EnvironmentView {
  const run = facts.checks.find((c) => c.env === env.name);
  const drift = facts.driftIssues.find((i) => i.title === driftTitle(env.name));
  const unhealthy = facts.healthIssues.find((i) => i.title === healthTitle(env.name));
  const view: EnvironmentView = {
    name: env.name,
    after: env.after ?? [],
    reporting: config.clusters.some((c) => c.environment === env.name),
    ...(drift ? { drift: { number: drift.number, url: drift.url } } : {}),
    ...(unhealthy ? { unhealthy: { number: unhealthy.number, url: unhealthy.url } } : {}),
  };
  if (run === undefined) return view;
  const objects = objectsAt(run);
  const since = run.completedAt ?? run.startedAt;
  view.health = {
    phase: phaseOf(run, objects),
    ...joined(
      "sync",
      objects.map((o) => o.sync),
    ),
    ...joined(
      "health",
      objects.map((o) => o.health),
    ),
    ...(since ? { since } : {}),
    sha: run.sha,
    commitUrl: run.commitUrl,
    checkUrl: run.url,
  };
  const soak = parseDuration(env.soak) ?? 0;
  const onward = config.apps.some((app) => nextEnvironments(config, app, env.name).length > 0);
  if (view.health.phase === "healthy" && soak > 0 && onward && run.completedAt) {
    const until = Date.parse(run.completedAt) + soak;
    if (until > now.getTime()) view.soakUntil = new Date(until).toISOString();
  }
  return view;
}

/** The reported objects that reached the run's commit (the check aggregates exactly those). */
function objectsAt(run: ReconcileRun): ObjectRecord[] {
  return Object.values(run.memo?.record.objects ?? {}).filter((o) => o.revision === run.sha);
}

const severity: Record<Phase, number> = {
  "timed out": 7,
  failed: 6,
  degraded: 5,
  drifted: 4,
  unknown: 3,
  syncing: 2,
  waiting: 1,
  healthy: 0,
};

function phaseOf(run: ReconcileRun, objects: readonly ObjectRecord[]): Phase {
  if (run.memo?.timedOut && run.status === "completed" && run.conclusion !== "success") return "timed out";
  if (objects.length > 0)
    return objects
      .map((o) => o.phase as Phase)
      .reduce((w, p) => (severity[p] > severity[w] ? p : w), "healthy");
  if (run.status === "queued") return "waiting";
  if (run.status === "in_progress") return "syncing";
  return run.conclusion === "success" ? "healthy" : "failed";
}

/** `{ sync: "Synced" }`, or `"OutOfSync/Synced"` when the objects differ; nothing when none reported. */
function joined<K extends string>(key: K, values: readonly string[]): Partial<Record<K, string>> {
  const unique = [...new Set(values)].sort();
  return unique.length === 0 ? {} : ({ [key]: unique.join("/") } as Partial<Record<K, string>>);
}

function cellView(pins: Pin[], pair: PairFacts | undefined): CellView {
  const only = pins.length === 1 ? pins[0] : undefined;
  const brought =
    only?.tag === undefined ? undefined : pair?.merged.find((m) => markerOf(m, pair)?.tag === only.tag);
  const openMarker = pair?.open ? parseMarker(pair.open.body) : undefined;
  return {
    pins,
    ...(brought?.mergeCommit ? { commit: brought.mergeCommit } : {}),
    ...(brought ? { since: brought.mergedAt } : {}),
    ...(pair?.open
      ? {
          openPr: {
            number: pair.open.number,
            url: pair.open.url,
            ...(openMarker?.tag ? { tag: openMarker.tag } : {}),
            rollback: openMarker?.rollback === true,
          },
        }
      : {}),
  };
}

/**
 * Offered when every upstream environment runs one and the same tag, each is healthy with no open
 * "Unhealthy in <env>" issue (or has no cluster reporting), this environment runs something else, and no open Ferry PR carries it yet.
 */
function promoteAction(
  config: FerryConfig,
  environments: readonly EnvironmentView[],
  app: AppConfig,
  env: EnvironmentConfig,
  pinsOf: (env: EnvironmentConfig, app: AppConfig) => Pin[],
  pair: PairFacts | undefined,
): DashboardAction | undefined {
  const upstreams = upstreamEnvironments(env, app).flatMap((name) => {
    const e = config.environments.find((x) => x.name === name);
    return e ? [e] : [];
  });
  if (upstreams.length === 0) return undefined;
  const upstreamPins = upstreams.map((u) => single(pinsOf(u, app)));
  const first = upstreamPins[0];
  if (
    first?.tag === undefined ||
    upstreamPins.some((p) => p?.tag !== first.tag || p?.digest !== first.digest)
  )
    return undefined;
  const verified = upstreams.every((u) => {
    const view = environments.find((e) => e.name === u.name);
    return !view?.reporting || (view.health?.phase === "healthy" && view.unhealthy === undefined);
  });
  const here = single(pinsOf(env, app));
  const openTag = pair?.open ? parseMarker(pair.open.body)?.tag : undefined;
  if (!verified || here?.tag === first.tag || openTag === first.tag) return undefined;
  return {
    kind: "promote",
    app: app.name,
    env: env.name,
    tag: first.tag,
    ...(first.digest ? { digest: first.digest } : {}),
    from: upstreams.map((u) => u.name),
    ...(here?.tag ? { running: here.tag } : {}),
  };
}

/** Offered when the environment runs one tag and an earlier Ferry promotion brought another. */
function rollbackAction(
  app: AppConfig,
  env: EnvironmentConfig,
  pins: Pin[],
  pair: PairFacts | undefined,
): DashboardAction | undefined {
  const running = single(pins)?.tag;
  if (running === undefined || pair === undefined) return undefined;
  const merged = pair.merged.flatMap((m) => {
    const marker = markerOf(m, pair);
    return marker ? [{ marker, mergeSha: m.mergeCommit?.oid ?? "", number: m.number }] : [];
  });
  const to = rollbackCandidates(merged, running)[0]?.marker.tag;
  return to === undefined ? undefined : { kind: "rollback", app: app.name, env: env.name, running, to };
}

function history(pairs: readonly PairFacts[]): HistoryEntry[] {
  return pairs
    .flatMap((p) =>
      p.merged.flatMap((m): HistoryEntry[] => {
        const marker = markerOf(m, p);
        if (marker === undefined) return [];
        return [
          {
            app: p.app,
            env: p.env,
            number: m.number,
            url: m.url,
            tag: marker.tag,
            ...(marker.from ? { from: marker.from } : {}),
            rollback: marker.rollback === true,
            mergedAt: m.mergedAt,
            ...(m.mergedBy ? { mergedBy: m.mergedBy } : {}),
          },
        ];
      }),
    )
    .sort((a, b) => Date.parse(b.mergedAt) - Date.parse(a.mergedAt) || b.number - a.number)
    .slice(0, historyLength);
}

const markers = new WeakMap<MergedPull, ReturnType<typeof parseMarker>>();

/** A merged PR's marker, parsed once; only one that names the PR's own branch counts. */
function markerOf(pull: MergedPull, pair: Pick<PairFacts, "env" | "app">) {
  if (!markers.has(pull)) markers.set(pull, parseMarker(pull.body));
  const marker = markers.get(pull);
  return marker?.app === pair.app && marker.env === pair.env ? marker : undefined;
}

function single(pins: Pin[]): Pin | undefined {
  return pins.length === 1 ? pins[0] : undefined;
}
