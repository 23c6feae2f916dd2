import { formatDuration } from "../reports/duration.js";
import type { Report, ReportedKind } from "../reports/report.js";
import type { Clock } from "./clock.js";
import {
  type ArgoApplication,
  type ArtifactOrigin,
  argoApplicationState,
  argoConfigRepo,
  artifactOrigin,
  type CommitOf,
  type FluxArtifactSource,
  type FluxHelmRelease,
  type FluxKustomization,
  fluxParent,
  gitCommit,
  helmReleaseState,
  kustomizationState,
  type ObjectState,
} from "./phase.js";
import { configRepoName, isRepo } from "./repo-url.js";
import { isArtifactKind, type WatchedKind } from "./resources.js";

export const environmentAnnotation = "ferry.dev/environment";
/** COMPARISON_ERROR_GRACE's default. */
export const defaultComparisonErrorGraceMs = 120_000;
/** PROGRESSING_GRACE's default. */
export const defaultProgressingGraceMs = 120_000;
export const configRepoAnnotation = "ferry.dev/config-repo";
/** Artifact revisions remembered per Flux source. */
const artifactsKept = 16;

export interface TrackedObject {
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  status?: unknown;
}

export interface TrackerOptions {
  cluster: string;
  /** Environment of objects without a ferry.dev/environment annotation (the cluster's). */
  environment?: string;
  /** Config repo (`owner/repo`) of objects that name none. */
  configRepo?: string;
  /** The Argo CD UI's https address: an Application's report carries its page there. */
  argoCdUrl?: string;
  /** A healthy state is reported only after it held this long, so a flap is not promoted. */
  healthyHoldMs: number;
  /**
   * An Argo CD Application that cannot be compared (ComparisonError) is reported `unknown` at
   * once and `failed`, with the controller's message, once the error has held this long.
   */
  comparisonErrorGraceMs?: number;
  /**
   * A healthy object that turns Progressing (or Unknown) at the same revision — an autoscaler
   * adding pods, a pod restart — is reported only once that has held this long: a blip is not news.
   */
  progressingGraceMs?: number;
  clock: Clock;
  emit(report: Report): void;
  /** Called once per object that cannot be attributed to an environment. */
  unattributed?(kind: ReportedKind, namespace: string, name: string): void;
}

interface Entry {
  kind: ReportedKind;
  namespace: string;
  name: string;
  lastKey?: string;
  last?: Report;
  holdKey?: string;
  holdTimer?: unknown;
  /** The comparison-error state being timed, since when (agent clock), and the re-check timer. */
  errorKey?: string;
  errorSince?: number;
  errorTimer?: unknown;
  sequence: number;
}

/**
 * Turns object updates into reports: only when sync, health, revision, phase or the drifted set
 * change, healthy only after the hold, each with a sequence that only grows.
 */
export class Tracker {
  readonly #options: TrackerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #kustomizations = new Map<string, TrackedObject>();
  readonly #helmReleases = new Map<string, TrackedObject>();
  /** Kustomization (namespace/name) → the HelmReleases it applied, and back. */
  readonly #children = new Map<string, Set<string>>();
  readonly #parentOfChild = new Map<string, string>();
  /** `<kind>/<namespace>/<name>` of an OCIRepository or ExternalArtifact → artifact revision → origin. */
  readonly #artifacts = new Map<string, Map<string, ArtifactOrigin>>();
  readonly #warned = new Set<string>();
  /** Status updates seen (including ones that changed nothing reportable). */
  events = 0;

  constructor(options: TrackerOptions) {
    this.#options = options;
  }

  upsert(kind: WatchedKind, obj: TrackedObject): void {
    this.events += 1;
    const key = nameOf(obj);
    if (isArtifactKind(kind)) {
      this.#recordArtifact(kind, key, obj as FluxArtifactSource);
      // Kustomizations applying this source may now map their revision to a commit.
      for (const k of this.#kustomizations.values()) {
        if (sourceKey(k as FluxKustomization) === `${kind}/${key}`) this.#upsertKustomization(k);
      }
      return;
    }
    if (kind === "Kustomization") {
      this.#upsertKustomization(obj);
      return;
    }
    if (kind === "HelmRelease") {
      this.#helmReleases.set(key, obj);
      this.#linkChild(key, fluxParent(obj));
    }
    this.#evaluate(kind, obj);
  }

  remove(kind: WatchedKind, obj: TrackedObject): void {
    this.events += 1;
    const key = nameOf(obj);
    if (isArtifactKind(kind)) {
      this.#artifacts.delete(`${kind}/${key}`);
      return;
    }
    if (kind === "Kustomization") this.#kustomizations.delete(key);
    if (kind === "HelmRelease") {
      this.#helmReleases.delete(key);
      this.#linkChild(key, undefined);
    }
    const id = `${kind}/${key}`;
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      this.#options.clock.clearTimeout(entry.holdTimer);
      this.#options.clock.clearTimeout(entry.errorTimer);
    }
    this.#entries.delete(id);
  }

  #upsertKustomization(obj: TrackedObject): void {
    const key = nameOf(obj);
    this.#kustomizations.set(key, obj);
    this.#evaluate("Kustomization", obj);
    // Its children's commit is this Kustomization's lastAppliedRevision.
    for (const child of this.#children.get(key) ?? []) {
      const hr = this.#helmReleases.get(child);
      if (hr !== undefined) this.#evaluate("HelmRelease", hr);
    }
  }

  /** Indexes HelmReleases by the Kustomization that applied them. */
  #linkChild(child: string, parent: { namespace: string; name: string } | undefined): void {
    const before = this.#parentOfChild.get(child);
    const after = parent === undefined ? undefined : `${parent.namespace}/${parent.name}`;
    if (before === after) return;
    if (before !== undefined) this.#children.get(before)?.delete(child);
    if (after === undefined) this.#parentOfChild.delete(child);
    else {
      this.#parentOfChild.set(child, after);
      const set = this.#children.get(after) ?? new Set<string>();
      this.#children.set(after, set);
      set.add(child);
    }
  }

  /**
   * Remembers which git commit each artifact revision of a source came from. The last few are
   * kept: a source may move on before the Kustomization applies (and reports) the new one.
   */
  #recordArtifact(kind: WatchedKind, key: string, src: FluxArtifactSource): void {
    const origin = artifactOrigin(src);
    const id = `${kind}/${key}`;
    const record = this.#artifacts.get(id) ?? new Map<string, ArtifactOrigin>();
    this.#artifacts.set(id, record);
    if (origin === undefined) return;
    record.delete(origin.revision);
    record.set(origin.revision, origin);
    for (const old of record.keys()) {
      if (record.size <= artifactsKept) break;
      record.delete(old);
    }
  }

  /** A Kustomization's source revision → config-repo commit: git revisions directly, artifacts by origin. */
  #commitOf(k: FluxKustomization, configRepo: string | undefined): CommitOf {
    return (revision) => {
      const direct = gitCommit(revision);
      if (direct !== undefined || revision === undefined) return direct;
      const origin = this.#artifacts.get(sourceKey(k) ?? "")?.get(revision);
      if (origin?.commit === undefined) return undefined;
      // An artifact built from another repository holds no commit of the config repo.
      if (origin.source !== undefined && configRepo !== undefined && !isRepo(origin.source, configRepo)) {
        return undefined;
      }
      return origin.commit;
    };
  }

  /** The latest report emitted for every object still present, re-sequenced (for a new leader). */
  current(): Report[] {
    const out: Report[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.last === undefined) continue;
      entry.sequence = this.#nextSequence(entry);
      out.push({ ...entry.last, sequence: entry.sequence });
    }
    return out;
  }

  stop(): void {
    for (const entry of this.#entries.values()) {
      this.#options.clock.clearTimeout(entry.holdTimer);
      this.#options.clock.clearTimeout(entry.errorTimer);
    }
  }

  #evaluate(kind: ReportedKind, obj: TrackedObject): void {
    const ns = obj.metadata?.namespace ?? "";
    const name = obj.metadata?.name ?? "";
    const parent = kind === "HelmRelease" ? this.#parentOf(obj) : undefined;
    const environment =
      annotation(obj, environmentAnnotation) ??
      (parent === undefined ? undefined : annotation(parent, environmentAnnotation)) ??
      this.#options.environment;
    if (environment === undefined) {
      const key = `${kind}/${ns}/${name}`;
      if (!this.#warned.has(key)) {
        this.#warned.add(key);
        this.#options.unattributed?.(kind, ns, name);
      }
      return;
    }
    const configRepo =
      configRepoName(annotation(obj, configRepoAnnotation)) ??
      (parent === undefined ? undefined : configRepoName(annotation(parent, configRepoAnnotation))) ??
      (kind === "Application" ? argoConfigRepo(obj as ArgoApplication) : undefined) ??
      this.#options.configRepo;
    const state = this.#stateOf(kind, obj, parent, configRepo);
    this.#observe(kind, ns, name, environment, configRepo, state);
  }

  #stateOf(
    kind: ReportedKind,
    obj: TrackedObject,
    parent: TrackedObject | undefined,
    configRepo: string | undefined,
  ): ObjectState {
    switch (kind) {
      case "Application":
        return argoApplicationState(obj as ArgoApplication, configRepo);
      case "Kustomization":
        return kustomizationState(
          obj as FluxKustomization,
          this.#commitOf(obj as FluxKustomization, configRepo),
        );
      case "HelmRelease": {
        const k = parent as FluxKustomization | undefined;
        return helmReleaseState(
          obj as FluxHelmRelease,
          k,
          k === undefined ? gitCommit : this.#commitOf(k, configRepo),
        );
      }
    }
  }

  #parentOf(obj: TrackedObject): TrackedObject | undefined {
    const parent = fluxParent(obj);
    return parent === undefined ? undefined : this.#kustomizations.get(`${parent.namespace}/${parent.name}`);
  }

  #observe(
    kind: ReportedKind,
    namespace: string,
    name: string,
    environment: string,
    configRepo: string | undefined,
    observed: ObjectState,
  ): void {
    const id = `${kind}/${namespace}/${name}`;
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      entry = { kind, namespace, name, sequence: 0 };
      this.#entries.set(id, entry);
    }
    const keyOf = (st: ObjectState) =>
      JSON.stringify([environment, configRepo, st.revision, st.sync, st.health, st.phase, st.drifted]);
    const state = this.#escalate(entry, keyOf(observed), observed, () =>
      this.#observe(kind, namespace, name, environment, configRepo, observed),
    );
    const key = keyOf(state);
    if (key === entry.holdKey) return; // still holding for this very state
    this.#options.clock.clearTimeout(entry.holdTimer);
    entry.holdKey = undefined;
    if (key === entry.lastKey) return; // a flap back to what was last reported
    const emit = () => {
      const target = entry as Entry;
      target.holdKey = undefined;
      target.lastKey = key;
      target.sequence = this.#nextSequence(target);
      target.last = {
        cluster: this.#options.cluster,
        ...(configRepo === undefined ? {} : { configRepo }),
        environment,
        object: { kind, namespace, name },
        ...(state.revision === undefined ? {} : { revision: state.revision }),
        sync: state.sync,
        health: state.health,
        phase: state.phase,
        ...(state.message === undefined ? {} : { message: state.message }),
        drifted: state.drifted,
        observedAt: new Date(this.#options.clock.now()).toISOString(),
        sequence: target.sequence,
        ...this.#page(kind, namespace, name),
      };
      this.#options.emit(target.last);
    };
    const hold = this.#holdMs(entry, state);
    if (hold > 0) {
      entry.holdKey = key;
      entry.holdTimer = this.#options.clock.setTimeout(emit, hold);
    } else emit();
  }

  /** The Application's page in the Argo CD UI (`<ui>/applications/<namespace>/<name>`), when the UI is known. */
  #page(kind: ReportedKind, namespace: string, name: string): { url?: string } {
    const ui = this.#options.argoCdUrl;
    if (ui === undefined || kind !== "Application") return {};
    const path = `applications/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
    return { url: new URL(path, ui.endsWith("/") ? ui : `${ui}/`).href };
  }

  /** How long `state` must hold before it is reported: healthy, and unsettled after healthy, wait. */
  #holdMs(entry: Entry, state: ObjectState): number {
    if (state.phase === "healthy") return this.#options.healthyHoldMs;
    const settled = entry.last?.phase === "healthy" && entry.last.revision === state.revision;
    if (settled && state.revision !== undefined && (state.phase === "syncing" || state.phase === "unknown")) {
      return this.#options.progressingGraceMs ?? defaultProgressingGraceMs;
    }
    return 0;
  }

  /**
   * A comparison error that has held for the grace period becomes a failure; until then the
   * state stands and a timer re-checks it when the grace ends. Any other state resets the clock.
   */
  #escalate(entry: Entry, key: string, state: ObjectState, recheck: () => void): ObjectState {
    const clock = this.#options.clock;
    const grace = this.#options.comparisonErrorGraceMs ?? defaultComparisonErrorGraceMs;
    if (state.comparisonError === undefined) {
      clock.clearTimeout(entry.errorTimer);
      entry.errorKey = undefined;
      return state;
    }
    if (entry.errorKey !== key || entry.errorSince === undefined) {
      entry.errorKey = key;
      entry.errorSince = clock.now();
    }
    const left = entry.errorSince + grace - clock.now();
    clock.clearTimeout(entry.errorTimer);
    if (left > 0) {
      entry.errorTimer = clock.setTimeout(recheck, left);
      return state;
    }
    const { comparisonError: _, ...rest } = state;
    return {
      ...rest,
      phase: "failed",
      message:
        `Argo CD has not been able to compare the Application for ${formatDuration(grace)}: ${state.comparisonError}`.slice(
          0,
          1000,
        ),
    };
  }

  #nextSequence(entry: Entry): number {
    // Seeded from the clock so a restarted agent or a new leader continues above earlier values.
    return Math.max(entry.sequence + 1, this.#options.clock.now());
  }
}

function nameOf(obj: TrackedObject): string {
  return `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}

/** `<kind>/<namespace>/<name>` of a Kustomization's source (its own namespace by default). */
function sourceKey(k: FluxKustomization): string | undefined {
  const ref = k.spec?.sourceRef;
  if (ref?.kind === undefined || ref.name === undefined) return undefined;
  return `${ref.kind}/${ref.namespace ?? k.metadata?.namespace ?? ""}/${ref.name}`;
}

function annotation(obj: TrackedObject, name: string): string | undefined {
  const value = obj.metadata?.annotations?.[name];
  return value === undefined || value === "" ? undefined : value;
}
