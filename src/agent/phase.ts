import { agree, plural } from "../plural.js";
import type { DriftedResource, HealthStatus, Phase, SyncStatus } from "../reports/report.js";
import { configRepoName, isRepo, shownUrl } from "./repo-url.js";

/** What an object's status says, in Ferry's words; pure, so it is tested without a cluster. */
export interface ObjectState {
  /** Config-repo commit SHA, when the status names one. */
  revision?: string;
  sync: SyncStatus;
  health: HealthStatus;
  phase: Phase;
  message?: string;
  drifted: DriftedResource[];
  /**
   * Argo CD cannot compare the Application at all (ComparisonError, InvalidSpecError): the
   * controller's message. The tracker fails it once this has held for the grace period.
   */
  comparisonError?: string;
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

interface HydrateOperation {
  phase?: string;
  message?: string;
  drySHA?: string;
  hydratedSHA?: string;
}

/** The fields of argoproj.io/v1alpha1 Application that Ferry reads. */
export interface ArgoApplication {
  kind?: string;
  metadata?: Meta;
  spec?: {
    source?: ArgoSource;
    sources?: ArgoSource[];
    /** Argo CD 3: render drySource into syncSource.targetBranch, then sync from there. */
    sourceHydrator?: { drySource?: ArgoSource; hydrateTo?: unknown };
  };
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
    sourceHydrator?: { currentOperation?: HydrateOperation; lastSuccessfulOperation?: HydrateOperation };
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
  spec?: { sourceRef?: { kind?: string; name?: string; namespace?: string } };
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
    lastAttemptedGeneration?: number;
    conditions?: FluxCondition[];
    /** v2beta1 and older: the chart version last released. */
    lastAppliedRevision?: string;
    /** The chart version of the last attempt (`1.2.3+<digest12>` for a chart from OCI). */
    lastAttemptedRevision?: string;
    /** Digest of the values of the last attempt. */
    lastAttemptedConfigDigest?: string;
    /** Releases, newest first, up to the last successful one. */
    history?: {
      version?: number;
      chartName?: string;
      chartVersion?: string;
      configDigest?: string;
      status?: string;
    }[];
  };
}

/** source.toolkit.fluxcd.io/v1 OCIRepository or ExternalArtifact: the artifact it stores. */
export interface FluxArtifactSource {
  kind?: string;
  metadata?: Meta;
  status?: { artifact?: { revision?: string; metadata?: Record<string, string> } };
}

/** Annotations that `flux push artifact --source --revision` sets and source-controller copies. */
export const ociRevisionAnnotation = "org.opencontainers.image.revision";
export const ociSourceAnnotation = "org.opencontainers.image.source";

/** The git commit (and repository) an artifact revision was built from, where it says. */
export interface ArtifactOrigin {
  revision: string;
  commit?: string;
  source?: string;
}

/**
 * The artifact a Flux source holds and the git commit behind it: its own revision when that is a
 * git one (`sha1:<sha>`, `main@sha1:<sha>`), else the org.opencontainers.image.revision
 * annotation of an OCI artifact (`<tag>@sha256:<digest>`).
 */
export function artifactOrigin(src: FluxArtifactSource): ArtifactOrigin | undefined {
  const artifact = src.status?.artifact;
  const revision = artifact?.revision;
  if (revision === undefined || revision === "") return undefined;
  const commit = fluxRevision(revision) ?? fluxRevision(artifact?.metadata?.[ociRevisionAnnotation]);
  const source = artifact?.metadata?.[ociSourceAnnotation];
  return { revision, ...(commit ? { commit } : {}), ...(source ? { source } : {}) };
}

/** Maps a Flux source revision to a config-repo commit; undefined when it names none. */
export type CommitOf = (revision: string | undefined) => string | undefined;

/** The commit in a git revision (`main@sha1:<sha>`, `sha1:<sha>`, `main/<sha>`). */
export const gitCommit: CommitOf = (revision) => sha(fluxRevision(revision));

/** Labels Flux's kustomize-controller puts on every object it applies. */
export const fluxOwnerNameLabel = "kustomize.toolkit.fluxcd.io/name";
export const fluxOwnerNamespaceLabel = "kustomize.toolkit.fluxcd.io/namespace";

/** Argo CD conditions that stop the controller from comparing at all: sync stays Unknown. */
const comparisonErrors = new Set(["ComparisonError", "InvalidSpecError"]);

/**
 * Argo CD Application → state. Follows Argo CD's own precedence: a failed or running operation
 * first, then OutOfSync (a new revision, or drift when the last sync applied this very revision),
 * then health. Argo CD 3 omits per-resource health, so drift comes from resource sync status.
 * The revision is the config repo's commit only: the source whose repoURL is the config repo, or
 * for a source hydrator the dry commit behind the hydrated one; otherwise none, and the message
 * says why.
 */
export function argoApplicationState(app: ArgoApplication, configRepo?: string): ObjectState {
  const status = app.status ?? {};
  const sync = syncOf(status.sync?.status);
  const health = healthOf(status.health?.status);
  const source = configSource(app, configRepo);
  const op = status.operationState;
  const revision = configRevision(app, source, status.sync?.revision, status.sync?.revisions);
  const syncedRevision = configRevision(app, source, op?.syncResult?.revision, op?.syncResult?.revisions);
  const drifted: DriftedResource[] = (status.resources ?? [])
    .filter((r) => r.status === "OutOfSync" && r.kind !== undefined && r.name !== undefined)
    .map((r) => ({
      ...(r.group ? { group: r.group } : {}),
      kind: r.kind as string,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      name: r.name as string,
    }));
  const base = { ...(revision ? { revision } : {}), sync, health };
  const errorCondition = status.conditions?.find((c) => /Error$/.test(c.type ?? ""));
  const conditionMessage = errorCondition?.message;
  // Why the report names no commit, ahead of whatever Argo CD says.
  const text = (message: string | undefined) =>
    msg(source.kind === "none" ? [source.reason, message].filter(Boolean).join(". ") : message);
  const hydration = status.sourceHydrator?.currentOperation;

  if (source.kind === "hydrator" && hydration?.phase === "Failed") {
    const dry = sha(hydration.drySHA);
    return {
      ...base,
      ...(dry ? { revision: dry } : {}),
      phase: "failed",
      drifted: [],
      ...text(hydration.message),
    };
  }
  if (source.kind === "hydrator" && hydration?.phase === "Hydrating") {
    const dry = sha(hydration.drySHA);
    return {
      ...base,
      ...(dry ? { revision: dry } : {}),
      phase: "syncing",
      drifted: [],
      ...text(hydration.message),
    };
  }
  if (op?.phase === "Failed" || op?.phase === "Error") {
    return { ...base, phase: "failed", drifted: [], ...text(op.message ?? conditionMessage) };
  }
  if (op?.phase === "Running" || op?.phase === "Terminating") {
    return { ...base, phase: "syncing", drifted: [], ...text(op.message) };
  }
  if (sync === "Unknown") {
    const stuck = errorCondition !== undefined && comparisonErrors.has(errorCondition.type ?? "");
    return {
      ...base,
      phase: "unknown",
      drifted: [],
      ...text(conditionMessage ?? status.health?.message),
      ...(stuck ? { comparisonError: conditionMessage ?? errorCondition.type ?? "" } : {}),
    };
  }
  if (sync === "OutOfSync") {
    if (revision !== undefined && syncedRevision === revision) {
      const differ = `${plural(drifted.length, "resource")} ${agree(drifted.length, "differs", "differ")}`;
      return { ...base, phase: "drifted", drifted, ...text(`${differ} from git`) };
    }
    return { ...base, phase: "syncing", drifted: [], ...text(conditionMessage) };
  }
  const phase: Phase =
    health === "Healthy"
      ? "healthy"
      : health === "Degraded" || health === "Missing"
        ? "degraded"
        : health === "Progressing" || health === "Suspended"
          ? "syncing"
          : "unknown";
  return { ...base, phase, drifted: [], ...text(status.health?.message) };
}

type ConfigSource =
  | { kind: "single" }
  | { kind: "multi"; index: number }
  | { kind: "hydrator" }
  | { kind: "none"; reason: string };

/**
 * Which of the Application's sources is the config repo. A single source or a hydrator's dry
 * source must be the config repo when one is known; of several sources, the one whose repoURL
 * is the config repo. Without a known config repo, several sources cannot be told apart.
 */
function configSource(app: ArgoApplication, configRepo: string | undefined): ConfigSource {
  const spec = app.spec ?? {};
  if (spec.sourceHydrator !== undefined) {
    const url = spec.sourceHydrator.drySource?.repoURL;
    return configRepo === undefined || isRepo(url, configRepo)
      ? { kind: "hydrator" }
      : {
          kind: "none",
          reason: `no revision reported: its dry source ${shownUrl(url ?? "(none)")} is not ${configRepo}`,
        };
  }
  const sources = spec.sources ?? (spec.source ? undefined : app.status?.sync?.comparedTo?.sources);
  if (sources === undefined || sources.length === 0) {
    const url = spec.source?.repoURL ?? app.status?.sync?.comparedTo?.source?.repoURL;
    return configRepo === undefined || isRepo(url, configRepo)
      ? { kind: "single" }
      : {
          kind: "none",
          reason: `no revision reported: its source ${shownUrl(url ?? "(none)")} is not ${configRepo}`,
        };
  }
  if (configRepo === undefined) {
    return {
      kind: "none",
      reason: `no revision reported: the Application has ${sources.length} sources and no config repo is named; annotate it with ferry.dev/config-repo: owner/repo or set FERRY_CONFIG_REPO on the agent`,
    };
  }
  const index = sources.findIndex((s) => isRepo(s.repoURL, configRepo));
  if (index >= 0) return { kind: "multi", index };
  return {
    kind: "none",
    reason: `no revision reported: none of its ${sources.length} sources is ${configRepo} (${sources.map((s) => shownUrl(s.repoURL ?? "?")).join(", ")})`,
  };
}

/** The config-repo commit in a sync status or sync result, by the source it belongs to. */
function configRevision(
  app: ArgoApplication,
  source: ConfigSource,
  revision: string | undefined,
  revisions: string[] | undefined,
): string | undefined {
  switch (source.kind) {
    case "single":
      return sha(revision);
    case "multi":
      return sha(revisions?.[source.index]);
    case "hydrator":
      return dryCommit(app, sha(revision));
    case "none":
      return undefined;
  }
}

/**
 * The dry commit (the one Ferry merged) behind a hydrated commit that Argo CD synced, from the
 * hydrator's status: the current operation, else the last successful one. A hydrated commit that
 * neither names (e.g. one merged from hydrateTo by a pull request) maps to nothing.
 */
function dryCommit(app: ArgoApplication, hydrated: string | undefined): string | undefined {
  if (hydrated === undefined) return undefined;
  const { currentOperation: current, lastSuccessfulOperation: last } = app.status?.sourceHydrator ?? {};
  for (const op of [current, last]) {
    if (op?.hydratedSHA !== undefined && op.hydratedSHA === hydrated) return sha(op.drySHA);
  }
  return undefined;
}

/**
 * Flux Kustomization → state, from its Ready, Reconciling and Stalled conditions. `commitOf` maps
 * its source revision to a config-repo commit (an OCI digest through the artifact's origin).
 */
export function kustomizationState(k: FluxKustomization, commitOf: CommitOf = gitCommit): ObjectState {
  const status = k.status ?? {};
  const applied = commitOf(status.lastAppliedRevision);
  const attempted = commitOf(status.lastAttemptedRevision);
  const unmapped = [status.lastAttemptedRevision, status.lastAppliedRevision].find(
    (r) => r !== undefined && commitOf(r) === undefined,
  );
  const note =
    unmapped === undefined ? "" : `no revision reported: ${unmapped} names no commit of the config repo. `;
  return fluxState(k, status.conditions ?? [], status.observedGeneration, applied, attempted, note);
}

/**
 * Flux HelmRelease v2 → state. Its own revision is a chart version, not a commit: the commit is
 * the one its values came from, the parent Kustomization's lastAppliedRevision (the one whose
 * labels are on the HelmRelease). The chart version goes into the message: the released one
 * (newest history entry) when ready, the attempted one (lastAttemptedRevision) while upgrading
 * or failing. A release whose values (config digest) are not the last attempted ones is not
 * current yet.
 */
export function helmReleaseState(
  hr: FluxHelmRelease,
  parent?: FluxKustomization,
  commitOf: CommitOf = gitCommit,
): ObjectState {
  const status = hr.status ?? {};
  const commit = commitOf(parent?.status?.lastAppliedRevision);
  const latest = [...(status.history ?? [])].sort((a, b) => (b.version ?? 0) - (a.version ?? 0))[0];
  const released = latest?.chartVersion ?? status.lastAppliedRevision;
  const attempted = status.lastAttemptedRevision ?? released;
  const valuesReleased =
    status.lastAttemptedConfigDigest === undefined ||
    latest?.configDigest === undefined ||
    latest.configDigest === status.lastAttemptedConfigDigest;
  const ready = status.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const chart = ready && valuesReleased ? released : attempted;
  const chartName = latest?.chartName;
  const prefix = chart === undefined ? "" : `chart ${chartName ? `${chartName}@` : ""}${chart}: `;
  const state = fluxState(hr, status.conditions ?? [], status.observedGeneration, commit, commit, prefix);
  if (state.phase === "healthy" && !valuesReleased) {
    return {
      ...state,
      sync: "OutOfSync",
      health: "Progressing",
      phase: "syncing",
      ...msg(`${prefix}values not released yet`),
    };
  }
  return state;
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

/**
 * The config repo an Application names by its one source: a single git source, or a source
 * hydrator's dry source. Several sources name none: which one is the config repo must be said.
 */
export function argoConfigRepo(app: ArgoApplication): string | undefined {
  const hydrator = app.spec?.sourceHydrator?.drySource?.repoURL;
  if (hydrator !== undefined) return configRepoName(hydrator);
  const url = app.spec?.source?.repoURL;
  return url === undefined || app.spec?.source?.chart !== undefined ? undefined : configRepoName(url);
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
