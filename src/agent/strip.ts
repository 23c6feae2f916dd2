/**
 * Keeps only the fields the phase mapping and the tracker read, at receipt, before anything is
 * cached. A real Argo CD Application is ~9–11 KB of JSON (managedFields, every resource with its
 * health, ten history entries, the last sync's result per resource); what Ferry reads is a few
 * hundred bytes. Pure; test/agent/strip.test.ts checks that every state maps the same stripped.
 */
import type { KubeObject } from "./kube.js";
import { ociRevisionAnnotation, ociSourceAnnotation } from "./phase.js";
import type { WatchedKind } from "./resources.js";

/** What to keep of a value: all of it, some of its keys (applied to each element of an array), or computed. */
type Shape = true | { readonly [key: string]: Shape } | ((value: unknown) => unknown);

export function pick(value: unknown, shape: Shape): unknown {
  if (value === undefined || value === null) return undefined;
  if (shape === true) return value;
  if (typeof shape === "function") return shape(value);
  if (Array.isArray(value)) return value.map((item) => pick(item, shape));
  if (typeof value !== "object") return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(shape)) {
    const kept = pick((value as Record<string, unknown>)[key], inner);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

const only =
  (names: readonly string[]) =>
  (value: unknown): Record<string, unknown> | undefined => {
    if (typeof value !== "object" || value === null) return undefined;
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const v = (value as Record<string, unknown>)[name];
      if (v !== undefined) out[name] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  };

const withPrefix =
  (prefix: string) =>
  (value: unknown): Record<string, unknown> | undefined => {
    if (typeof value !== "object" || value === null) return undefined;
    const kept = Object.entries(value).filter(([k]) => k.startsWith(prefix));
    return kept.length === 0 ? undefined : Object.fromEntries(kept);
  };

/** Array elements that pass `keep`, each reduced to `shape`; nothing when none pass. */
const filtered =
  (keep: (item: Record<string, unknown>) => boolean, shape: Shape) =>
  (value: unknown): unknown[] | undefined => {
    if (!Array.isArray(value)) return undefined;
    const kept = value.filter((item) => typeof item === "object" && item !== null && keep(item));
    return kept.length === 0 ? undefined : kept.map((item) => pick(item, shape));
  };

const metadata: Shape = {
  name: true,
  namespace: true,
  resourceVersion: true,
  generation: true,
  // The parent Kustomization of a HelmRelease; nothing else of the labels is read.
  labels: only(["kustomize.toolkit.fluxcd.io/name", "kustomize.toolkit.fluxcd.io/namespace"]),
  annotations: withPrefix("ferry.dev/"),
};

const source: Shape = { repoURL: true, chart: true };
const revisions: Shape = { revision: true, revisions: true };
const hydrateOperation: Shape = { phase: true, message: true, drySHA: true, hydratedSHA: true };
const fluxConditions = filtered((c) => ["Ready", "Reconciling", "Stalled"].includes(String(c.type)), {
  type: true,
  status: true,
  reason: true,
  message: true,
  observedGeneration: true,
});

const shapes: Record<WatchedKind, Shape> = {
  Application: {
    kind: true,
    metadata,
    spec: {
      source,
      sources: source,
      sourceHydrator: { drySource: source },
    },
    status: {
      sync: { status: true, ...revisions, comparedTo: { source, sources: source } },
      health: { status: true, message: true },
      operationState: { phase: true, message: true, syncResult: revisions },
      // Only resources that differ from git are read (drift).
      resources: filtered((r) => r.status === "OutOfSync", {
        group: true,
        kind: true,
        namespace: true,
        name: true,
        status: true,
      }),
      conditions: filtered((c) => /Error$/.test(String(c.type)), { type: true, message: true }),
      sourceHydrator: { currentOperation: hydrateOperation, lastSuccessfulOperation: hydrateOperation },
    },
  },
  Kustomization: {
    kind: true,
    metadata,
    spec: { sourceRef: { kind: true, name: true, namespace: true } },
    status: {
      observedGeneration: true,
      lastAppliedRevision: true,
      lastAttemptedRevision: true,
      conditions: fluxConditions,
    },
  },
  HelmRelease: {
    kind: true,
    metadata,
    status: {
      observedGeneration: true,
      lastAttemptedGeneration: true,
      lastAppliedRevision: true,
      lastAttemptedRevision: true,
      lastAttemptedConfigDigest: true,
      // The newest release only.
      history: (value) => {
        if (!Array.isArray(value)) return undefined;
        const newest = value.reduce<Record<string, unknown> | undefined>(
          (best, s) => (best === undefined || Number(s?.version ?? 0) > Number(best.version ?? 0) ? s : best),
          undefined,
        );
        return newest === undefined
          ? []
          : [
              pick(newest, {
                version: true,
                chartName: true,
                chartVersion: true,
                configDigest: true,
                status: true,
              }),
            ];
      },
      conditions: fluxConditions,
    },
  },
  OCIRepository: {
    kind: true,
    metadata,
    status: { artifact: { revision: true, metadata: only([ociRevisionAnnotation, ociSourceAnnotation]) } },
  },
  ExternalArtifact: {
    kind: true,
    metadata,
    status: { artifact: { revision: true, metadata: only([ociRevisionAnnotation, ociSourceAnnotation]) } },
  },
};

/** The object reduced to what Ferry reads of its kind. */
export function strip(kind: WatchedKind, obj: KubeObject): KubeObject {
  return pick(obj, shapes[kind]) as KubeObject;
}
