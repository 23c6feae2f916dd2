import type { DriftedResource, HealthStatus, Phase, SyncStatus } from "../reports/report.js";

/** What an object's status says, in Ferry's words; pure, so it is tested without a cluster. */
export interface ObjectState {
  /** Config-repo commit SHA, when the status names one. */
  revision?: string;
  sync: SyncStatus;
  health: HealthStatus;
  phase: Phase;
  message?: string;
  drifted: DriftedResource[];
}

interface Meta {
  name?: string;
  namespace?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface ArgoSource {
  repoURL?: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
  ref?: string;
}

/** The fields of argoproj.io/v1alpha1 Application that Ferry reads. */
export interface ArgoApplication {
  kind?: string;
  metadata?: Meta;
  spec?: { source?: ArgoSource; sources?: ArgoSource[] };
  status?: {
    sync?: {
      status?: string;
      revision?: string;
      revisions?: string[];
      comparedTo?: { source?: ArgoSource; sources?: ArgoSource[] };
    };
    health?: { status?: string; message?: string };
    operationState?: {
      phase?: string;
      message?: string;
      syncResult?: { revision?: string; revisions?: string[] };
    };
    resources?: {
      group?: string;
      kind?: string;
      namespace?: string;
      name?: string;
      status?: string;
    }[];
    conditions?: { type?: string; message?: string }[];
  };
}

export interface FluxCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** The fields of kustomize.toolkit.fluxcd.io/v1 Kustomization that Ferry reads. */
export interface FluxKustomization {
  kind?: string;
  metadata?: Meta;
  status?: {
    observedGeneration?: number;
    conditions?: FluxCondition[];
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
  };
}

/** The fields of helm.toolkit.fluxcd.io/v2 HelmRelease that Ferry reads. */
export interface FluxHelmRelease {
  kind?: string;
  metadata?: Meta;
  status?: {
    observedGeneration?: number;
    conditions?: FluxCondition[];
    /** v2beta1 and older: the chart version last released. */
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    history?: { chartName?: string; chartVersion?: string; status?: string }[];
  };
}

/** Labels Flux's kustomize-controller puts on every object it applies. */
export const fluxOwnerNameLabel = "kustomize.toolkit.fluxcd.io/name";
export const fluxOwnerNamespaceLabel = "kustomize.toolkit.fluxcd.io/namespace";

/**
 * Argo CD Application → state. Follows Argo CD's own precedence: a failed or running operation
 * first, then OutOfSync (a new revision, or drift when the last sync applied this very revision),
 * then health. Argo CD 3 omits per-resource health, so drift comes from resource sync status.
 */
export function argoApplicationState(app: ArgoApplication, configRepo?: string): ObjectState {
  const status = app.status ?? {};
  const sync = syncOf(status.sync?.status);
  const health = healthOf(status.health?.status);
  const index = configSourceIndex(app, configRepo);
  const revision = sha(
    index === undefined ? status.sync?.revision : (status.sync?.revisions?.[index] ?? status.sync?.revision),
  );
  const op = status.operationState;
  const syncedRevision = sha(
    index === undefined
      ? op?.syncResult?.revision
      : (op?.syncResult?.revisions?.[index] ?? op?.syncResult?.revision),
  );
  const drifted: DriftedResource[] = (status.resources ?? [])
    .filter((r) => r.status === "OutOfSync" && r.kind !== undefined && r.name !== undefined)
    .map((r) => ({
      ...(r.group ? { group: r.group } : {}),
      kind: r.kind as string,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      name: r.name as string,
    }));
  const base = { ...(revision ? { revision } : {}), sync, health };
  const conditionMessage = status.conditions?.find((c) => /Error$/.test(c.type ?? ""))?.message;

  if (op?.phase === "Failed" || op?.phase === "Error") {
    return { ...base, phase: "failed", drifted: [], ...msg(op.message ?? conditionMessage) };
  }
  if (op?.phase === "Running" || op?.phase === "Terminating") {
    return { ...base, phase: "syncing", drifted: [], ...msg(op.message) };
  }
  if (sync === "Unknown") {
    return { ...base, phase: "unknown", drifted: [], ...msg(conditionMessage ?? status.health?.message) };
  }
  if (sync === "OutOfSync") {
    if (revision !== undefined && syncedRevision === revision) {
      return { ...base, phase: "drifted", drifted, ...msg(`${drifted.length} resource(s) differ from git`) };
    }
    return { ...base, phase: "syncing", drifted: [], ...msg(conditionMessage) };
  }
  const phase: Phase =
    health === "Healthy"
      ? "healthy"
      : health === "Degraded" || health === "Missing"
        ? "degraded"
        : health === "Progressing" || health === "Suspended"
          ? "syncing"
          : "unknown";
  return { ...base, phase, drifted: [], ...msg(status.health?.message) };
}

/** Flux Kustomization → state, from its Ready, Reconciling and Stalled conditions. */
export function kustomizationState(k: FluxKustomization): ObjectState {
  const status = k.status ?? {};
  const applied = sha(fluxRevision(status.lastAppliedRevision));
  const attempted = sha(fluxRevision(status.lastAttemptedRevision));
  return fluxState(k, status.conditions ?? [], status.observedGeneration, applied, attempted, "");
}

/**
 * Flux HelmRelease → state. Its own revision is a chart version, not a commit: the commit is the
 * parent Kustomization's lastAppliedRevision (the one whose labels are on the HelmRelease).
 */
export function helmReleaseState(hr: FluxHelmRelease, parent?: FluxKustomization): ObjectState {
  const status = hr.status ?? {};
  const commit = sha(fluxRevision(parent?.status?.lastAppliedRevision));
  const chart =
    status.history?.[0]?.chartVersion ?? status.lastAppliedRevision ?? status.lastAttemptedRevision;
  const chartName = status.history?.[0]?.chartName;
  const prefix = chart === undefined ? "" : `chart ${chartName ? `${chartName}@` : ""}${chart}: `;
  return fluxState(hr, status.conditions ?? [], status.observedGeneration, commit, commit, prefix);
}

/** Which parent Kustomization applied this object (namespace/name), from Flux's labels. */
export function fluxParent(obj: { metadata?: Meta }): { namespace: string; name: string } | undefined {
  const name = obj.metadata?.labels?.[fluxOwnerNameLabel];
  const namespace = obj.metadata?.labels?.[fluxOwnerNamespaceLabel];
  return name && namespace ? { namespace, name } : undefined;
}

const failedReasons = new Set([
  "ReconciliationFailed",
  "BuildFailed",
  "ArtifactFailed",
  "ValidationFailed",
  "PruneFailed",
  "InstallFailed",
  "UpgradeFailed",
  "TestFailed",
  "RollbackSucceeded",
  "RollbackFailed",
  "UninstallFailed",
  "InitFailed",
  "GetLastReleaseFailed",
  "ChartNotFound",
]);

function fluxState(
  obj: { metadata?: Meta },
  conditions: FluxCondition[],
  observedGeneration: number | undefined,
  applied: string | undefined,
  attempted: string | undefined,
  prefix: string,
): ObjectState {
  const ready = conditions.find((c) => c.type === "Ready");
  const reconciling = conditions.find((c) => c.type === "Reconciling" && c.status === "True");
  const stalled = conditions.find((c) => c.type === "Stalled" && c.status === "True");
  // A status written for an older spec generation says nothing about the current one.
  const generation = obj.metadata?.generation;
  const observed = ready?.observedGeneration ?? observedGeneration;
  const current = generation === undefined || observed === undefined || observed >= generation;
  const text = (c?: FluxCondition) => msg(c?.message === undefined ? undefined : `${prefix}${c.message}`);
  const at = (r: string | undefined) => (r === undefined ? {} : { revision: r });

  if (stalled) {
    return {
      ...at(attempted ?? applied),
      sync: "OutOfSync",
      health: "Degraded",
      phase: "failed",
      drifted: [],
      ...text(stalled),
    };
  }
  if (ready?.status === "True" && current) {
    return {
      ...at(applied),
      sync: "Synced",
      health: "Healthy",
      phase: "healthy",
      drifted: [],
      ...text(ready),
    };
  }
  if (ready?.status === "False" && ready.reason === "HealthCheckFailed") {
    return {
      ...at(applied),
      sync: "Synced",
      health: "Degraded",
      phase: "degraded",
      drifted: [],
      ...text(ready),
    };
  }
  if (ready?.status === "False" && failedReasons.has(ready.reason ?? "")) {
    return {
      ...at(attempted ?? applied),
      sync: "OutOfSync",
      health: "Degraded",
      phase: "failed",
      drifted: [],
      ...text(ready),
    };
  }
  if (reconciling || ready?.status === "Unknown" || !current || ready?.status === "False") {
    return {
      ...at(attempted ?? applied),
      sync: attempted !== undefined && attempted !== applied ? "OutOfSync" : "Unknown",
      health: "Progressing",
      phase: "syncing",
      drifted: [],
      ...text(reconciling ?? ready),
    };
  }
  return { ...at(applied), sync: "Unknown", health: "Unknown", phase: "unknown", drifted: [] };
}

/** `main@sha1:<sha>`, `sha1:<sha>`, `v1.2.0@sha1:<sha>` and the legacy `main/<sha>` → sha. */
export function fluxRevision(revision: string | undefined): string | undefined {
  if (revision === undefined) return undefined;
  const match = /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision) ?? /^[^@]*\/([0-9a-f]{40})$/.exec(revision);
  return match?.[1];
}

/** Normalises a git URL to `owner/repo`-comparable form: host/path, no scheme, no .git, lower-case. */
export function repoPath(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z+]+:\/\//, "")
    .replace(/^[^@/]+@([^:/]+):/, "$1/")
    .replace(/^[^@/]+@/, "")
    .replace(/\.git$/, "")
    .replace(/\/+$/, "");
}

/** `owner/repo` for a github.com-style URL (last two path segments). */
export function ownerRepo(url: string): string | undefined {
  const parts = repoPath(url).split("/");
  if (parts.length < 3) return undefined;
  return parts.slice(-2).join("/");
}

/** Index of the config-repo source in a multi-source Application; undefined for single-source. */
function configSourceIndex(app: ArgoApplication, configRepo: string | undefined): number | undefined {
  const sources = app.spec?.sources ?? app.status?.sync?.comparedTo?.sources;
  if (sources === undefined || sources.length === 0) return undefined;
  if (configRepo !== undefined) {
    const wanted = configRepo.toLowerCase();
    const i = sources.findIndex((s) => s.repoURL !== undefined && matchesRepo(s.repoURL, wanted));
    if (i >= 0) return i;
  }
  // Without a config repo, the first git source that is not a Helm chart is the best guess.
  const git = sources.findIndex((s) => s.chart === undefined);
  return git >= 0 ? git : 0;
}

function matchesRepo(url: string, wanted: string): boolean {
  const path = repoPath(url);
  return path === repoPath(wanted) || path.endsWith(`/${wanted}`);
}

/** The config repo an Application deploys from, when it has exactly one git source. */
export function argoConfigRepo(app: ArgoApplication): string | undefined {
  const url = app.spec?.source?.repoURL;
  return url === undefined || app.spec?.source?.chart !== undefined ? undefined : ownerRepo(url);
}

function syncOf(status: string | undefined): SyncStatus {
  return status === "Synced" || status === "OutOfSync" ? status : "Unknown";
}

function healthOf(status: string | undefined): HealthStatus {
  switch (status) {
    case "Healthy":
    case "Progressing":
    case "Degraded":
    case "Suspended":
    case "Missing":
      return status;
    default:
      return "Unknown";
  }
}

function sha(revision: string | undefined): string | undefined {
  return revision !== undefined && /^[0-9a-f]{7,64}$/.test(revision) ? revision : undefined;
}

function msg(message: string | undefined): { message?: string } {
  return message === undefined || message === "" ? {} : { message: message.slice(0, 1000) };
}
