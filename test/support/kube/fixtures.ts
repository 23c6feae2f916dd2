/**
 * Objects shaped as Argo CD (v2.x/3.x) and Flux (kustomize-controller v1, helm-controller v2)
 * write them, field for field, for the parts Ferry reads and the neighbours it must ignore.
 */
import type { KubeObject } from "./server.js";

export const configRepoURL = "https://github.com/acme/deploy.git";
const at = "2026-11-02T10:00:00Z";

export function sha(seed: string | number): string {
  let out = "";
  // Kept below 2^31: past 2^53 the low bits (the seeds' last characters) were lost, so
  // "manifests-1" and "manifests-2" gave the same sha.
  let n =
    typeof seed === "number" ? seed : [...seed].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 2147483648, 7);
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
  type:
    | "Ready"
    | "Reconciling"
    | "Stalled"
    | "Healthy"
    | "Released"
    | "TestSuccess"
    | "Remediated"
    | "ArtifactInStorage";
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

/**
 * A Flux source revision as the source-controller writes it: a sha becomes `main@sha1:<sha>`
 * (GitRepository); anything with `@` or `:` is kept, e.g. `latest@sha256:<hex>` (OCIRepository)
 * or `sha1:<hex>` (an ExternalArtifact).
 */
export function fluxRev(rev: string): string {
  return /[@:]/.test(rev) ? rev : `main@sha1:${rev}`;
}

/** A digest-like hex string of 64 characters, for OCI artifacts and Helm config digests. */
export function digest(seed: string | number): string {
  return `${sha(seed)}${sha(`${seed}+`)}`.slice(0, 64);
}

const inventory = {
  entries: [
    { id: "api_api_apps_Deployment", v: "v1" },
    { id: "api_api__Service", v: "v1" },
    { id: "api_api-config__ConfigMap", v: "v1" },
  ],
};

/**
 * status of a kustomize.toolkit.fluxcd.io/v1 Kustomization, as kustomize-controller writes it
 * (api/v1/kustomization_types.go in fluxcd/kustomize-controller). `rev` is a sha or a full
 * source revision (see fluxRev).
 */
export const kustomization = {
  ready: (rev: string, generation = 1) => ({
    observedGeneration: generation,
    lastAppliedRevision: fluxRev(rev),
    lastAttemptedRevision: fluxRev(rev),
    lastHandledReconcileAt: at,
    inventory,
    conditions: conditions(
      [
        {
          type: "Ready",
          status: "True",
          reason: "ReconciliationSucceeded",
          message: `Applied revision: ${fluxRev(rev)}`,
        },
        { type: "Healthy", status: "True", reason: "Succeeded", message: "Health check passed in 2.013s" },
      ],
      generation,
    ),
  }),
  /** Reconciling `rev` while `applied` is still the last applied revision. */
  reconciling: (rev: string, applied?: string, generation = 1) => ({
    observedGeneration: generation,
    ...(applied === undefined ? {} : { lastAppliedRevision: fluxRev(applied), inventory }),
    lastAttemptedRevision: fluxRev(rev),
    conditions: conditions(
      [
        {
          type: "Reconciling",
          status: "True",
          reason: "Progressing",
          message: `Fetching manifests for revision ${fluxRev(rev)} with a timeout of 4m30s`,
        },
        { type: "Ready", status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" },
      ],
      generation,
    ),
  }),
  buildFailed: (rev: string, applied?: string, generation = 1) => ({
    observedGeneration: generation,
    ...(applied === undefined ? {} : { lastAppliedRevision: fluxRev(applied), inventory }),
    lastAttemptedRevision: fluxRev(rev),
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
          message: `Detecting drift for revision ${fluxRev(rev)} with a timeout of 4m30s`,
        },
      ],
      generation,
    ),
  }),
  healthCheckFailed: (rev: string, generation = 1) => ({
    observedGeneration: generation,
    lastAppliedRevision: fluxRev(rev),
    lastAttemptedRevision: fluxRev(rev),
    inventory,
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
    lastAttemptedRevision: fluxRev(rev),
    conditions: conditions(
      [
        { type: "Stalled", status: "True", reason: "InvalidPath", message: "path 'overlays/nope' not found" },
        { type: "Ready", status: "False", reason: "InvalidPath", message: "path 'overlays/nope' not found" },
      ],
      generation,
    ),
  }),
};

export interface SourceRef {
  kind: "GitRepository" | "OCIRepository" | "ExternalArtifact" | "Bucket";
  name: string;
  namespace?: string;
}

export function fluxKustomization(input: {
  name: string;
  namespace?: string;
  environment?: string;
  configRepo?: string;
  sourceRef?: SourceRef;
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
      sourceRef: input.sourceRef ?? { kind: "GitRepository", name: "flux-system" },
    },
    ...(input.status === undefined ? {} : { status: input.status }),
  };
}

/**
 * An artifact as the source-controller (or another producer, for an ExternalArtifact) records it
 * in status.artifact (meta.Artifact in fluxcd/pkg/apis/meta). An artifact pushed with
 * `flux push artifact --source=<repo URL> --revision=main@sha1:<sha>` carries its git origin in
 * the OCI annotations that source-controller copies into `metadata`.
 */
export function fluxArtifact(input: {
  kind: "OCIRepository" | "ExternalArtifact";
  name: string;
  namespace: string;
  /** `latest@sha256:<hex>`, `sha1:<hex>`, `main@sha1:<hex>`… */
  revision: string;
  /** The git revision it was built from (`org.opencontainers.image.revision`), if any. */
  gitRevision?: string;
  /** The repository it was built from (`org.opencontainers.image.source`), if any. */
  gitSource?: string;
}): Record<string, unknown> {
  const hex = /sha256:([0-9a-f]{64})$/.exec(input.revision)?.[1] ?? digest(input.revision);
  const plural = input.kind.toLowerCase();
  return {
    digest: `sha256:${digest(`${input.revision}/tarball`)}`,
    lastUpdateTime: at,
    metadata: {
      "org.opencontainers.image.created": at,
      ...(input.gitRevision === undefined ? {} : { "org.opencontainers.image.revision": input.gitRevision }),
      ...(input.gitSource === undefined ? {} : { "org.opencontainers.image.source": input.gitSource }),
    },
    path: `${plural}/${input.namespace}/${input.name}/sha256:${hex}.tar.gz`,
    revision: input.revision,
    size: 4861,
    url: `http://source-controller.flux-system.svc.cluster.local./${plural}/${input.namespace}/${input.name}/sha256:${hex}.tar.gz`,
  };
}

/** A source.toolkit.fluxcd.io/v1 OCIRepository with its stored artifact. */
export function ociRepository(input: {
  name: string;
  namespace?: string;
  /** The tag it follows; the artifact revision is `<tag>@sha256:<digest>`. */
  tag?: string;
  digest: string;
  gitRevision?: string;
  gitSource?: string;
}): KubeObject {
  const namespace = input.namespace ?? "flux-system";
  const revision = `${input.tag ?? "latest"}@sha256:${input.digest}`;
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "OCIRepository",
    metadata: { name: input.name, namespace },
    spec: {
      interval: "5m",
      url: "oci://ghcr.io/acme/deploy-manifests",
      ref: { tag: input.tag ?? "latest" },
      provider: "generic",
    },
    status: {
      observedGeneration: 1,
      url: `http://source-controller.flux-system.svc.cluster.local./ocirepository/${namespace}/${input.name}/latest.tar.gz`,
      artifact: fluxArtifact({ kind: "OCIRepository", ...input, namespace, revision }),
      conditions: conditions(
        [
          {
            type: "Ready",
            status: "True",
            reason: "Succeeded",
            message: `stored artifact for digest '${revision}'`,
          },
          {
            type: "ArtifactInStorage",
            status: "True",
            reason: "Succeeded",
            message: `stored artifact for digest '${revision}'`,
          },
        ],
        1,
      ),
    },
  };
}

/** A source.toolkit.fluxcd.io/v1 ExternalArtifact, written by a third-party producer. */
export function externalArtifact(input: {
  name: string;
  namespace?: string;
  revision: string;
  gitRevision?: string;
  gitSource?: string;
}): KubeObject {
  const namespace = input.namespace ?? "flux-system";
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "ExternalArtifact",
    metadata: { name: input.name, namespace },
    spec: {
      sourceRef: {
        apiVersion: "source.extensions.fluxcd.io/v1beta1",
        kind: "ArtifactGenerator",
        name: input.name,
      },
    },
    status: {
      artifact: fluxArtifact({ kind: "ExternalArtifact", ...input, namespace }),
      conditions: conditions(
        [
          {
            type: "Ready",
            status: "True",
            reason: "Succeeded",
            message: `Artifact revision ${input.revision}`,
          },
        ],
        1,
      ),
    },
  };
}

/** A Helm release snapshot in status.history (api/v2/snapshot_types.go in fluxcd/helm-controller). */
function snapshot(version: number, chartVersion: string, config: string, status: string) {
  return {
    name: "api",
    namespace: "api",
    version,
    status,
    chartName: "api",
    chartVersion,
    appVersion: chartVersion.replace(/\+.*$/, ""),
    configDigest: `sha256:${digest(config)}`,
    digest: `sha256:${digest(`release-${version}`)}`,
    firstDeployed: at,
    lastDeployed: at,
  };
}

/**
 * status of a helm.toolkit.fluxcd.io/v2 HelmRelease, as helm-controller writes it
 * (api/v2/helmrelease_types.go, HelmReleaseStatus): history newest first, the attempted chart
 * version and values digest, the last attempted generation. `values` names the values (their
 * digest is derived from it), so a change of values is a new config digest.
 */
export const helmRelease = {
  released: (chartVersion: string, generation = 1, values = "v1") => ({
    observedGeneration: generation,
    lastAttemptedGeneration: generation,
    lastAttemptedRevision: chartVersion,
    lastAttemptedConfigDigest: `sha256:${digest(values)}`,
    lastAttemptedReleaseAction: "upgrade",
    helmChart: "flux-system/api-api",
    storageNamespace: "api",
    history: [
      snapshot(generation + 1, chartVersion, values, "deployed"),
      snapshot(generation, "1.0.0", "v0", "superseded"),
    ],
    conditions: conditions(
      [
        {
          type: "Ready",
          status: "True",
          reason: "UpgradeSucceeded",
          message: `Helm upgrade succeeded for release api/api.v${generation + 1} with chart api@${chartVersion}`,
        },
        {
          type: "Released",
          status: "True",
          reason: "UpgradeSucceeded",
          message: `Helm upgrade succeeded for release api/api.v${generation + 1} with chart api@${chartVersion}`,
        },
      ],
      generation,
    ),
  }),
  /** An upgrade to `chartVersion` (and `values`) running while `previous` is deployed. */
  upgrading: (chartVersion: string, previous: string, generation = 2, values = "v1") => ({
    ...helmRelease.released(previous, generation - 1),
    observedGeneration: generation,
    lastAttemptedGeneration: generation,
    lastAttemptedRevision: chartVersion,
    lastAttemptedConfigDigest: `sha256:${digest(values)}`,
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
  /** A chart from an OCIRepository (spec.chartRef): the version carries the digest's first 12 characters. */
  releasedFromOci: (chartVersion: string, chartDigest: string, generation = 1) => ({
    ...helmRelease.released(`${chartVersion}+${chartDigest.slice(0, 12)}`, generation),
    lastAttemptedRevisionDigest: `sha256:${chartDigest}`,
  }),
};

export function fluxHelmRelease(input: {
  name: string;
  namespace?: string;
  /** The Kustomization that applied it: Flux labels every applied object with its name/namespace. */
  parent?: { name: string; namespace: string };
  environment?: string;
  /** spec.chartRef to an OCIRepository instead of spec.chart. */
  chartRef?: { kind: "OCIRepository" | "HelmChart"; name: string; namespace?: string };
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
      ...(input.chartRef === undefined
        ? {
            chart: {
              spec: {
                chart: "api",
                version: ">=1.0.0",
                sourceRef: { kind: "HelmRepository", name: "acme", namespace: "flux-system" },
              },
            },
          }
        : { chartRef: input.chartRef }),
      values: { replicaCount: 2 },
    },
    ...(input.status === undefined ? {} : { status: input.status }),
  };
}
