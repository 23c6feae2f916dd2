/**
 * Objects shaped as Argo CD (v2.x/3.x) and Flux (kustomize-controller v1, helm-controller v2)
 * write them, field for field, for the parts Ferry reads and the neighbours it must ignore.
 */
import type { KubeObject } from "./server.js";

export const configRepoURL = "https://github.com/acme/deploy.git";
const at = "2026-11-02T10:00:00Z";

export function sha(seed: string | number): string {
  let out = "";
  let n = typeof seed === "number" ? seed : [...seed].reduce((a, c) => a * 31 + c.charCodeAt(0), 7);
  while (out.length < 40) {
    n = (n * 1103515245 + 12345) % 2147483648;
    out += n.toString(16).padStart(8, "0");
  }
  return out.slice(0, 40);
}

export interface ArgoResource {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: "Synced" | "OutOfSync";
  /** Argo CD 2.x writes per-resource health; Argo CD 3 omits it (resource tracking moved). */
  health?: string;
}

export const defaultArgoResources: ArgoResource[] = [
  { group: "apps", version: "v1", kind: "Deployment", namespace: "api", name: "api", status: "Synced" },
  { version: "v1", kind: "Service", namespace: "api", name: "api", status: "Synced" },
  { version: "v1", kind: "ConfigMap", namespace: "api", name: "api-config", status: "Synced" },
];

export interface ArgoSourceInput {
  repoURL: string;
  path?: string;
  chart?: string;
  targetRevision: string;
  ref?: string;
  helm?: { valueFiles: string[] };
}

/** spec.sourceHydrator (Argo CD 3): render the dry source into a branch, sync from that branch. */
export interface ArgoHydratorInput {
  drySource: { repoURL: string; targetRevision: string; path: string };
  syncSource: { targetBranch: string; path: string };
  hydrateTo?: { targetBranch: string };
}

export interface ArgoStatusInput {
  sync: "Synced" | "OutOfSync" | "Unknown";
  /** The revision Argo CD resolved targetRevision to (status.sync.revision). */
  revision?: string;
  /** Multi-source: one per spec.sources entry (status.sync.revisions), in the same order. */
  revisions?: string[];
  /** Multi-source: spec.sources, echoed in comparedTo, syncResult and history as Argo CD does. */
  sources?: ArgoSourceInput[];
  health: "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown";
  healthMessage?: string;
  /** The last (or current) sync operation. */
  operation?: {
    phase: "Running" | "Succeeded" | "Failed" | "Error" | "Terminating";
    message?: string;
    revision?: string;
    revisions?: string[];
  };
  resources?: ArgoResource[];
  conditions?: { type: string; message: string; lastTransitionTime?: string }[];
  /** status.sourceHydrator, for an Application with spec.sourceHydrator. */
  hydrator?: {
    spec: ArgoHydratorInput;
    current?: {
      phase: "Hydrating" | "Failed" | "Hydrated";
      message?: string;
      drySHA?: string;
      hydratedSHA?: string;
    };
    lastSuccessful?: { drySHA: string; hydratedSHA: string };
  };
  /** Entries of status.history (oldest first), as deployed revisions; default: the synced one. */
  history?: string[];
}

const defaultSource: ArgoSourceInput = {
  repoURL: configRepoURL,
  path: "overlays/staging",
  targetRevision: "main",
};

/**
 * status of an argoproj.io/v1alpha1 Application as the application controller writes it
 * (pkg/apis/application/v1alpha1/types.go in argoproj/argo-cd: ApplicationStatus, SyncStatus,
 * OperationState, RevisionHistory, SourceHydratorStatus).
 */
export function argoStatus(input: ArgoStatusInput): Record<string, unknown> {
  const multi = input.sources !== undefined || input.revisions !== undefined;
  const sources = input.sources ?? [defaultSource];
  const hydrated = input.hydrator;
  const source = hydrated
    ? {
        repoURL: hydrated.spec.drySource.repoURL,
        path: hydrated.spec.syncSource.path,
        targetRevision: hydrated.spec.syncSource.targetBranch,
      }
    : (sources[0] ?? defaultSource);
  const destination = { server: "https://kubernetes.default.svc", namespace: "api" };
  const resources = (input.resources ?? defaultArgoResources).map((r) => ({
    ...(r.group === undefined ? {} : { group: r.group }),
    version: r.version ?? "v1",
    kind: r.kind,
    ...(r.namespace === undefined ? {} : { namespace: r.namespace }),
    name: r.name,
    status: r.status ?? "Synced",
    ...(r.health === undefined ? {} : { health: { status: r.health } }),
  }));
  const which = (revision: string | undefined, revisions: string[] | undefined) =>
    multi
      ? { ...(revisions === undefined ? {} : { revisions }), sources }
      : { ...(revision === undefined ? {} : { revision }), source };
  const op = input.operation;
  const deployed =
    input.history ?? (op?.phase === "Succeeded" ? [op.revision ?? op.revisions?.join(",") ?? ""] : []);
  const history = deployed
    .filter((rev) => rev !== "")
    .map((rev, id) => ({
      ...which(multi ? undefined : rev, multi ? (op?.revisions ?? rev.split(",")) : undefined),
      deployedAt: at,
      deployStartedAt: at,
      id,
      initiatedBy: { automated: true },
    }));
  return {
    resources,
    sync: {
      status: input.sync,
      comparedTo: multi ? { sources, destination } : { source, destination },
      ...(input.revision === undefined ? {} : { revision: input.revision }),
      ...(input.revisions === undefined ? {} : { revisions: input.revisions }),
    },
    health: {
      status: input.health,
      ...(input.healthMessage === undefined ? {} : { message: input.healthMessage }),
      lastTransitionTime: at,
    },
    ...(history.length === 0 ? {} : { history }),
    reconciledAt: at,
    ...(op === undefined
      ? {}
      : {
          operationState: {
            operation: {
              sync: {
                ...(op.revision === undefined ? {} : { revision: op.revision }),
                ...(op.revisions === undefined ? {} : { revisions: op.revisions }),
                syncStrategy: { hook: {} },
                syncOptions: ["CreateNamespace=true"],
              },
              initiatedBy: { automated: true },
              retry: { limit: 5 },
            },
            phase: op.phase,
            message:
              op.message ??
              (op.phase === "Succeeded"
                ? "successfully synced (all tasks run)"
                : "waiting for completion of hook"),
            startedAt: at,
            ...(op.phase === "Running" ? {} : { finishedAt: at }),
            ...(op.revision === undefined && op.revisions === undefined
              ? {}
              : {
                  syncResult: {
                    resources: resources.map((r) => ({
                      ...r,
                      status: op.phase === "Failed" ? "SyncFailed" : "Synced",
                      message: `${r.kind.toLowerCase()}/${r.name} configured`,
                      hookPhase: op.phase === "Running" ? "Running" : "Succeeded",
                      syncPhase: "Sync",
                    })),
                    ...which(op.revision, op.revisions),
                  },
                }),
          },
        }),
    ...(input.conditions === undefined
      ? {}
      : {
          conditions: input.conditions.map((c) => ({
            type: c.type,
            message: c.message,
            lastTransitionTime: c.lastTransitionTime ?? at,
          })),
        }),
    ...(multi
      ? { sourceTypes: sources.map((s) => (s.chart ? "Helm" : "Kustomize")) }
      : { sourceType: "Kustomize" }),
    summary: { images: ["ghcr.io/acme/api:1.4.2"] },
    controllerNamespace: "argocd",
    ...(hydrated === undefined
      ? {}
      : {
          sourceHydrator: {
            ...(hydrated.lastSuccessful === undefined
              ? {}
              : { lastSuccessfulOperation: { ...hydrated.lastSuccessful, sourceHydrator: hydrated.spec } }),
            ...(hydrated.current === undefined
              ? {}
              : {
                  currentOperation: {
                    startedAt: at,
                    ...(hydrated.current.phase === "Hydrating" ? {} : { finishedAt: at }),
                    phase: hydrated.current.phase,
                    message: hydrated.current.message ?? "",
                    ...(hydrated.current.drySHA === undefined ? {} : { drySHA: hydrated.current.drySHA }),
                    ...(hydrated.current.hydratedSHA === undefined
                      ? {}
                      : { hydratedSHA: hydrated.current.hydratedSHA }),
                    sourceHydrator: hydrated.spec,
                  },
                }),
          },
        }),
  };
}

/** The common Argo CD situations, by the word a reviewer would use. */
export const argo = {
  /** A new commit detected, auto-sync running. */
  syncing: (rev: string) =>
    argoStatus({
      sync: "OutOfSync",
      revision: rev,
      health: "Progressing",
      operation: { phase: "Running", revision: rev },
    }),
  /** Sync done, workloads still rolling out. */
  progressing: (rev: string) =>
    argoStatus({
      sync: "Synced",
      revision: rev,
      health: "Progressing",
      operation: { phase: "Succeeded", revision: rev },
    }),
  healthy: (rev: string) =>
    argoStatus({
      sync: "Synced",
      revision: rev,
      health: "Healthy",
      operation: { phase: "Succeeded", revision: rev },
    }),
  degraded: (rev: string, message = 'Deployment "api" exceeded its progress deadline') =>
    argoStatus({
      sync: "Synced",
      revision: rev,
      health: "Degraded",
      healthMessage: message,
      operation: { phase: "Succeeded", revision: rev },
    }),
  failed: (
    rev: string,
    message = 'one or more objects failed to apply, reason: Deployment.apps "api" is invalid',
  ) =>
    argoStatus({
      sync: "OutOfSync",
      revision: rev,
      health: "Healthy",
      operation: { phase: "Failed", message, revision: rev },
    }),
  /** Someone edited the cluster: the last sync applied `rev`, yet resources (`Kind/name`) differ from git. */
  drifted: (rev: string, drifted: string[] = ["Deployment/api"]) =>
    argoStatus({
      sync: "OutOfSync",
      revision: rev,
      health: "Healthy",
      operation: { phase: "Succeeded", revision: rev },
      resources: defaultArgoResources.map((r) =>
        drifted.includes(`${r.kind}/${r.name}`) ? { ...r, status: "OutOfSync" } : r,
      ),
    }),
  /**
   * The repo server could not render the target. Argo CD's CompareAppState sets sync Unknown and
   * no revision (the manifests never came back), and adds a ComparisonError condition.
   */
  comparisonError: (
    message = "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = repository not found",
    since = at,
  ) =>
    argoStatus({
      sync: "Unknown",
      health: "Healthy",
      operation: undefined,
      conditions: [{ type: "ComparisonError", message, lastTransitionTime: since }],
    }),
  /** Multi-source: `sources` with one revision each (Helm chart versions or git commits). */
  multiSource: (
    sources: ArgoSourceInput[],
    revisions: string[],
    health: "Healthy" | "Progressing" = "Healthy",
  ) =>
    argoStatus({
      sync: "Synced",
      revisions,
      sources,
      health,
      operation: { phase: "Succeeded", revisions },
    }),
};

export interface AppInput {
  name: string;
  namespace?: string;
  environment?: string;
  configRepo?: string;
  /** Multi-source: spec.sources instead of spec.source. */
  sources?: ArgoSourceInput[];
  /** Argo CD 3 source hydrator: spec.sourceHydrator instead of spec.source. */
  sourceHydrator?: ArgoHydratorInput;
  status?: Record<string, unknown>;
}

export function argoApplication(input: AppInput): KubeObject {
  const annotations: Record<string, string> = {};
  if (input.environment !== undefined) annotations["ferry.dev/environment"] = input.environment;
  if (input.configRepo !== undefined) annotations["ferry.dev/config-repo"] = input.configRepo;
  const source =
    input.sourceHydrator !== undefined
      ? { sourceHydrator: input.sourceHydrator }
      : input.sources !== undefined
        ? { sources: input.sources }
        : {
            source: {
              repoURL: configRepoURL,
              path: `overlays/${input.environment ?? "staging"}`,
              targetRevision: "main",
            },
          };
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: input.name,
      namespace: input.namespace ?? "argocd",
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      project: "default",
      ...source,
      destination: { server: "https://kubernetes.default.svc", namespace: input.name },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    },
    ...(input.status === undefined ? {} : { status: input.status }),
  };
}

type ConditionStatus = "True" | "False" | "Unknown";

export interface FluxConditionInput {
  type: "Ready" | "Reconciling" | "Stalled" | "Healthy" | "Released" | "TestSuccess" | "Remediated";
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
}

function conditions(list: FluxConditionInput[], generation: number): Record<string, unknown>[] {
  return list.map((c) => ({
    type: c.type,
    status: c.status,
    observedGeneration: c.observedGeneration ?? generation,
    lastTransitionTime: at,
    reason: c.reason,
    message: c.message,
  }));
}

/** status of a kustomize.toolkit.fluxcd.io/v1 Kustomization, as kustomize-controller writes it. */
export const kustomization = {
  ready: (rev: string, generation = 1) => ({
    observedGeneration: generation,
    lastAppliedRevision: `main@sha1:${rev}`,
    lastAttemptedRevision: `main@sha1:${rev}`,
    lastHandledReconcileAt: at,
    inventory: { entries: [{ id: "api_api_apps_Deployment", v: "v1" }] },
    conditions: conditions(
      [
        {
          type: "Ready",
          status: "True",
          reason: "ReconciliationSucceeded",
          message: `Applied revision: main@sha1:${rev}`,
        },
        { type: "Healthy", status: "True", reason: "Succeeded", message: "Health check passed in 2.013s" },
      ],
      generation,
    ),
  }),
  /** Reconciling `rev` while `applied` is still the last applied revision. */
  reconciling: (rev: string, applied?: string, generation = 1) => ({
    observedGeneration: generation,
    ...(applied === undefined ? {} : { lastAppliedRevision: `main@sha1:${applied}` }),
    lastAttemptedRevision: `main@sha1:${rev}`,
    conditions: conditions(
      [
        {
          type: "Reconciling",
          status: "True",
          reason: "Progressing",
          message: `Fetching manifests for revision main@sha1:${rev} with a timeout of 4m30s`,
        },
        { type: "Ready", status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" },
      ],
      generation,
    ),
  }),
  buildFailed: (rev: string, applied?: string, generation = 1) => ({
    observedGeneration: generation,
    ...(applied === undefined ? {} : { lastAppliedRevision: `main@sha1:${applied}` }),
    lastAttemptedRevision: `main@sha1:${rev}`,
    conditions: conditions(
      [
        {
          type: "Ready",
          status: "False",
          reason: "BuildFailed",
          message:
            "kustomize build failed: accumulating resources: 'overlays/staging/missing.yaml': no such file",
        },
        {
          type: "Reconciling",
          status: "True",
          reason: "ProgressingWithRetry",
          message: `Detecting drift for revision main@sha1:${rev} with a timeout of 4m30s`,
        },
      ],
      generation,
    ),
  }),
  healthCheckFailed: (rev: string, generation = 1) => ({
    observedGeneration: generation,
    lastAppliedRevision: `main@sha1:${rev}`,
    lastAttemptedRevision: `main@sha1:${rev}`,
    conditions: conditions(
      [
        {
          type: "Ready",
          status: "False",
          reason: "HealthCheckFailed",
          message:
            "health check failed after 30.01s: timeout waiting for: [Deployment/api/api status: 'InProgress']",
        },
        { type: "Healthy", status: "False", reason: "HealthCheckFailed", message: "health check failed" },
      ],
      generation,
    ),
  }),
  stalled: (rev: string, generation = 1) => ({
    observedGeneration: generation,
    lastAttemptedRevision: `main@sha1:${rev}`,
    conditions: conditions(
      [
        { type: "Stalled", status: "True", reason: "InvalidPath", message: "path 'overlays/nope' not found" },
        { type: "Ready", status: "False", reason: "InvalidPath", message: "path 'overlays/nope' not found" },
      ],
      generation,
    ),
  }),
};

export function fluxKustomization(input: {
  name: string;
  namespace?: string;
  environment?: string;
  configRepo?: string;
  status?: Record<string, unknown>;
}): KubeObject {
  const annotations: Record<string, string> = {};
  if (input.environment !== undefined) annotations["ferry.dev/environment"] = input.environment;
  if (input.configRepo !== undefined) annotations["ferry.dev/config-repo"] = input.configRepo;
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: {
      name: input.name,
      namespace: input.namespace ?? "flux-system",
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      interval: "10m",
      path: "./overlays/staging",
      prune: true,
      wait: true,
      timeout: "5m",
      sourceRef: { kind: "GitRepository", name: "flux-system" },
    },
    ...(input.status === undefined ? {} : { status: input.status }),
  };
}

/** status of a helm.toolkit.fluxcd.io/v2 HelmRelease, as helm-controller writes it. */
export const helmRelease = {
  released: (chartVersion: string, generation = 1) => ({
    observedGeneration: generation,
    lastAttemptedGeneration: generation,
    lastAttemptedRevision: chartVersion,
    lastAttemptedConfigDigest: "sha256:1dbb5b8b4b1e0c6e5cdd2cf4a3e8e2a9d1a2b4c3e5f6a7b8c9d0e1f2a3b4c5d6",
    lastAttemptedReleaseAction: "upgrade",
    helmChart: "flux-system/api-api",
    storageNamespace: "api",
    history: [
      {
        name: "api",
        namespace: "api",
        version: 3,
        status: "deployed",
        chartName: "api",
        chartVersion,
        appVersion: chartVersion,
        configDigest: "sha256:1dbb5b8b4b1e0c6e5cdd2cf4a3e8e2a9d1a2b4c3e5f6a7b8c9d0e1f2a3b4c5d6",
        digest: "sha256:9f2c8a1e3b5d7f9a0c2e4f6a8b0d2f4a6c8e0a2c4e6f8a0b2d4f6a8c0e2a4c6e",
        firstDeployed: at,
        lastDeployed: at,
      },
    ],
    conditions: conditions(
      [
        {
          type: "Ready",
          status: "True",
          reason: "UpgradeSucceeded",
          message: `Helm upgrade succeeded for release api/api.v3 with chart api@${chartVersion}`,
        },
        {
          type: "Released",
          status: "True",
          reason: "UpgradeSucceeded",
          message: `Helm upgrade succeeded for release api/api.v3 with chart api@${chartVersion}`,
        },
      ],
      generation,
    ),
  }),
  upgrading: (chartVersion: string, previous: string, generation = 2) => ({
    ...helmRelease.released(previous, generation - 1),
    observedGeneration: generation,
    lastAttemptedGeneration: generation,
    lastAttemptedRevision: chartVersion,
    conditions: conditions(
      [
        {
          type: "Reconciling",
          status: "True",
          reason: "Progressing",
          message: "Running 'upgrade' action with timeout of 5m0s",
        },
        {
          type: "Ready",
          status: "Unknown",
          reason: "Progressing",
          message: "Running 'upgrade' action with timeout of 5m0s",
        },
      ],
      generation,
    ),
  }),
  upgradeFailed: (chartVersion: string, previous: string, generation = 2) => ({
    ...helmRelease.released(previous, generation - 1),
    observedGeneration: generation,
    lastAttemptedGeneration: generation,
    lastAttemptedRevision: chartVersion,
    failures: 1,
    upgradeFailures: 1,
    conditions: conditions(
      [
        {
          type: "Ready",
          status: "False",
          reason: "UpgradeFailed",
          message: `Helm upgrade failed for release api/api with chart api@${chartVersion}: context deadline exceeded`,
        },
        {
          type: "Released",
          status: "False",
          reason: "UpgradeFailed",
          message: `Helm upgrade failed for release api/api with chart api@${chartVersion}: context deadline exceeded`,
        },
      ],
      generation,
    ),
  }),
};

export function fluxHelmRelease(input: {
  name: string;
  namespace?: string;
  /** The Kustomization that applied it: Flux labels every applied object with its name/namespace. */
  parent?: { name: string; namespace: string };
  environment?: string;
  status?: Record<string, unknown>;
}): KubeObject {
  const labels: Record<string, string> = {};
  if (input.parent !== undefined) {
    labels["kustomize.toolkit.fluxcd.io/name"] = input.parent.name;
    labels["kustomize.toolkit.fluxcd.io/namespace"] = input.parent.namespace;
  }
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: {
      name: input.name,
      namespace: input.namespace ?? "api",
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(input.environment === undefined
        ? {}
        : { annotations: { "ferry.dev/environment": input.environment } }),
    },
    spec: {
      interval: "10m",
      chart: {
        spec: {
          chart: "api",
          version: ">=1.0.0",
          sourceRef: { kind: "HelmRepository", name: "acme", namespace: "flux-system" },
        },
      },
      values: { replicaCount: 2 },
    },
    ...(input.status === undefined ? {} : { status: input.status }),
  };
}
