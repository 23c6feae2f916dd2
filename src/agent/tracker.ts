import type { Report, ReportedKind } from "../reports/report.js";
import type { Clock } from "./clock.js";
import {
  type ArgoApplication,
  argoApplicationState,
  argoConfigRepo,
  type FluxHelmRelease,
  type FluxKustomization,
  fluxParent,
  helmReleaseState,
  kustomizationState,
  type ObjectState,
} from "./phase.js";
import { configRepoName } from "./repo-url.js";

export const environmentAnnotation = "ferry.dev/environment";
/** COMPARISON_ERROR_GRACE's default. */
export const defaultComparisonErrorGraceMs = 120_000;
export const configRepoAnnotation = "ferry.dev/config-repo";

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
  /** A healthy state is reported only after it held this long, so a flap is not promoted. */
  healthyHoldMs: number;
  /**
   * An Argo CD Application that cannot be compared (ComparisonError) is reported `unknown` at
   * once and `failed`, with the controller's message, once the error has held this long.
   */
  comparisonErrorGraceMs?: number;
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
  readonly #warned = new Set<string>();
  /** Status updates seen (including ones that changed nothing reportable). */
  events = 0;

  constructor(options: TrackerOptions) {
    this.#options = options;
  }

  upsert(kind: ReportedKind, obj: TrackedObject): void {
    this.events += 1;
    const ns = obj.metadata?.namespace ?? "";
    const name = obj.metadata?.name ?? "";
    if (kind === "Kustomization") {
      this.#kustomizations.set(`${ns}/${name}`, obj);
      this.#evaluate(kind, obj);
      // Its children's revision is this Kustomization's lastAppliedRevision.
      for (const hr of this.#helmReleases.values()) {
        const parent = fluxParent(hr);
        if (parent?.namespace === ns && parent.name === name) this.#evaluate("HelmRelease", hr);
      }
      return;
    }
    if (kind === "HelmRelease") this.#helmReleases.set(`${ns}/${name}`, obj);
    this.#evaluate(kind, obj);
  }

  remove(kind: ReportedKind, obj: TrackedObject): void {
    this.events += 1;
    const ns = obj.metadata?.namespace ?? "";
    const name = obj.metadata?.name ?? "";
    if (kind === "Kustomization") this.#kustomizations.delete(`${ns}/${name}`);
    if (kind === "HelmRelease") this.#helmReleases.delete(`${ns}/${name}`);
    const key = `${kind}/${ns}/${name}`;
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      this.#options.clock.clearTimeout(entry.holdTimer);
      this.#options.clock.clearTimeout(entry.errorTimer);
    }
    this.#entries.delete(key);
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
    const state = stateOf(kind, obj, parent, configRepo);
    this.#observe(kind, ns, name, environment, configRepo, state);
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
      };
      this.#options.emit(target.last);
    };
    if (state.phase === "healthy" && this.#options.healthyHoldMs > 0) {
      entry.holdKey = key;
      entry.holdTimer = this.#options.clock.setTimeout(emit, this.#options.healthyHoldMs);
    } else emit();
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

function stateOf(
  kind: ReportedKind,
  obj: TrackedObject,
  parent: TrackedObject | undefined,
  configRepo: string | undefined,
): ObjectState {
  switch (kind) {
    case "Application":
      return argoApplicationState(obj as ArgoApplication, configRepo);
    case "Kustomization":
      return kustomizationState(obj as FluxKustomization);
    case "HelmRelease":
      return helmReleaseState(obj as FluxHelmRelease, parent as FluxKustomization | undefined);
  }
}

function annotation(obj: TrackedObject, name: string): string | undefined {
  const value = obj.metadata?.annotations?.[name];
  return value === undefined || value === "" ? undefined : value;
}

function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
