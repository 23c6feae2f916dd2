/**
 * Whole objects as a busy cluster holds them, for benchmarks: everything the controllers and the
 * API server write (managedFields, every resource with its health, revision history, inventory,
 * Helm release history), not only the fields Ferry reads. The status builders in fixtures.ts
 * give the fields Ferry reads; these wrap them in the rest.
 */
import { type ArgoResource, argoStatus, fluxRev, helmRelease, kustomization, sha } from "./fixtures.js";
import type { KubeObject } from "./server.js";

const at = "2026-11-02T10:00:00Z";

/** The resources a typical service's Application deploys (Argo CD 2.x also writes their health). */
function workload(app: string): ArgoResource[] {
  const ns = app;
  return [
    { version: "v1", kind: "ConfigMap", namespace: ns, name: `${app}-config`, status: "Synced" },
    { version: "v1", kind: "ConfigMap", namespace: ns, name: `${app}-env`, status: "Synced" },
    { version: "v1", kind: "Secret", namespace: ns, name: `${app}-tls`, status: "Synced" },
    { version: "v1", kind: "Service", namespace: ns, name: app, status: "Synced", health: "Healthy" },
    {
      version: "v1",
      kind: "Service",
      namespace: ns,
      name: `${app}-metrics`,
      status: "Synced",
      health: "Healthy",
    },
    { version: "v1", kind: "ServiceAccount", namespace: ns, name: app, status: "Synced" },
    {
      group: "apps",
      version: "v1",
      kind: "Deployment",
      namespace: ns,
      name: app,
      status: "Synced",
      health: "Healthy",
    },
    {
      group: "autoscaling",
      version: "v2",
      kind: "HorizontalPodAutoscaler",
      namespace: ns,
      name: app,
      status: "Synced",
      health: "Healthy",
    },
    {
      group: "policy",
      version: "v1",
      kind: "PodDisruptionBudget",
      namespace: ns,
      name: app,
      status: "Synced",
    },
    {
      group: "networking.k8s.io",
      version: "v1",
      kind: "Ingress",
      namespace: ns,
      name: app,
      status: "Synced",
      health: "Healthy",
    },
    {
      group: "networking.k8s.io",
      version: "v1",
      kind: "NetworkPolicy",
      namespace: ns,
      name: app,
      status: "Synced",
    },
    {
      group: "monitoring.coreos.com",
      version: "v1",
      kind: "ServiceMonitor",
      namespace: ns,
      name: app,
      status: "Synced",
    },
  ];
}

/** managedFields as the API server records them: who set which fields, with FieldsV1 sets. */
function managedFields(entries: { manager: string; subresource?: string; fields: unknown }[]): unknown[] {
  return entries.map((e) => ({
    manager: e.manager,
    operation: "Update",
    apiVersion: "argoproj.io/v1alpha1",
    time: at,
    fieldsType: "FieldsV1",
    fieldsV1: e.fields,
    ...(e.subresource === undefined ? {} : { subresource: e.subresource }),
  }));
}

export type ArgoPhase = "syncing" | "progressing" | "healthy";

/** A full Application status (12 resources, 10 history entries, summary) at `rev`. */
export function realArgoStatus(app: string, phase: ArgoPhase, rev: string): Record<string, unknown> {
  const health = phase === "healthy" ? "Healthy" : "Progressing";
  const resources = workload(app).map((r) =>
    r.health === undefined ? r : { ...r, health: r.kind === "Deployment" ? health : r.health },
  );
  const status = argoStatus({
    sync: phase === "syncing" ? "OutOfSync" : "Synced",
    revision: rev,
    health,
    ...(phase === "healthy"
      ? {}
      : { healthMessage: "Waiting for rollout to finish: 1 old replicas are pending termination..." }),
    operation: { phase: phase === "syncing" ? "Running" : "Succeeded", revision: rev },
    resources,
    history: Array.from({ length: 10 }, (_, i) => (i === 9 ? rev : sha(`${app}-${i}`))),
  });
  return {
    ...status,
    summary: {
      images: [`ghcr.io/acme/${app}:1.4.2`, "ghcr.io/acme/sidecar:2.1.0", "docker.io/library/busybox:1.36"],
      externalURLs: [`https://${app}.staging.acme.dev/`],
    },
    sourceType: "Kustomize",
  };
}

/** An Application as it sits in a cluster: labels, tracking annotations, managedFields, full status. */
export function realArgoApplication(input: {
  name: string;
  namespace: string;
  phase: ArgoPhase;
  revision: string;
}): KubeObject {
  const { name } = input;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name,
      namespace: input.namespace,
      labels: {
        "app.kubernetes.io/instance": "apps",
        "app.kubernetes.io/part-of": "platform",
        "acme.dev/team": input.namespace,
      },
      annotations: {
        "argocd.argoproj.io/tracking-id": `apps:argoproj.io/Application:${input.namespace}/${name}`,
        "notifications.argoproj.io/subscribe.on-sync-failed.slack": "deploys",
        "notified.notifications.argoproj.io": JSON.stringify({
          "on-deployed:[0].y7b5sbwa2Q329JYH755peeq-fBs:slack:deploys": 1793613600,
        }),
      },
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
      managedFields: managedFields([
        {
          manager: "argocd-controller",
          fields: {
            "f:metadata": {
              "f:annotations": { ".": {}, "f:argocd.argoproj.io/tracking-id": {} },
              "f:labels": { ".": {}, "f:app.kubernetes.io/instance": {} },
            },
            "f:spec": {
              ".": {},
              "f:destination": { ".": {}, "f:namespace": {}, "f:server": {} },
              "f:project": {},
              "f:source": { ".": {}, "f:path": {}, "f:repoURL": {}, "f:targetRevision": {} },
              "f:syncPolicy": {
                ".": {},
                "f:automated": { ".": {}, "f:prune": {}, "f:selfHeal": {} },
                "f:retry": { ".": {}, "f:limit": {} },
                "f:syncOptions": {},
              },
            },
          },
        },
        {
          manager: "argocd-application-controller",
          fields: {
            "f:status": {
              ".": {},
              "f:controllerNamespace": {},
              "f:health": { ".": {}, "f:lastTransitionTime": {}, "f:status": {} },
              "f:history": {},
              "f:operationState": {
                ".": {},
                "f:finishedAt": {},
                "f:message": {},
                "f:operation": {
                  ".": {},
                  "f:initiatedBy": { ".": {}, "f:automated": {} },
                  "f:retry": { ".": {}, "f:limit": {} },
                  "f:sync": {
                    ".": {},
                    "f:revision": {},
                    "f:syncOptions": {},
                    "f:syncStrategy": { ".": {}, "f:hook": {} },
                  },
                },
                "f:phase": {},
                "f:startedAt": {},
                "f:syncResult": {
                  ".": {},
                  "f:resources": {},
                  "f:revision": {},
                  "f:source": { ".": {}, "f:path": {}, "f:repoURL": {}, "f:targetRevision": {} },
                },
              },
              "f:reconciledAt": {},
              "f:resources": {},
              "f:sourceType": {},
              "f:summary": { ".": {}, "f:externalURLs": {}, "f:images": {} },
              "f:sync": {
                ".": {},
                "f:comparedTo": {
                  ".": {},
                  "f:destination": { ".": {}, "f:namespace": {}, "f:server": {} },
                  "f:source": { ".": {}, "f:path": {}, "f:repoURL": {}, "f:targetRevision": {} },
                },
                "f:revision": {},
                "f:status": {},
              },
            },
          },
        },
        {
          manager: "argocd-notifications-controller",
          fields: { "f:metadata": { "f:annotations": { "f:notified.notifications.argoproj.io": {} } } },
        },
      ]),
    },
    spec: {
      project: input.namespace,
      source: {
        repoURL: "https://github.com/acme/deploy.git",
        path: `overlays/staging/${name}`,
        targetRevision: "main",
      },
      destination: { server: "https://kubernetes.default.svc", namespace: name },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ["CreateNamespace=true", "ServerSideApply=true", "RespectIgnoreDifferences=true"],
        retry: { limit: 5 },
      },
      ignoreDifferences: [{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }],
    },
    status: realArgoStatus(name, input.phase, input.revision),
  };
}

export type FluxPhase = "reconciling" | "ready";

/** A full Kustomization status: inventory of the applied objects and, since Flux 2.7, history. */
export function realKustomizationStatus(
  name: string,
  phase: FluxPhase,
  rev: string,
  applied: string,
): Record<string, unknown> {
  const base = phase === "ready" ? kustomization.ready(rev) : kustomization.reconciling(rev, applied);
  return {
    ...base,
    inventory: {
      entries: [
        `${name}_${name}-config__ConfigMap`,
        `${name}_${name}__Service`,
        `${name}_${name}__ServiceAccount`,
        `${name}_${name}_apps_Deployment`,
        `${name}_${name}_autoscaling_HorizontalPodAutoscaler`,
        `${name}_${name}_policy_PodDisruptionBudget`,
        `${name}_${name}_networking.k8s.io_Ingress`,
        `${name}_${name}_helm.toolkit.fluxcd.io_HelmRelease`,
        `_${name}__Namespace`,
      ].map((id) => ({ id, v: id.includes("autoscaling") ? "v2" : id.includes("helm") ? "v2" : "v1" })),
    },
    history: Array.from({ length: 5 }, (_, i) => ({
      digest: `sha256:${sha(`${name}-digest-${i}`)}${sha(`${name}-d2-${i}`).slice(0, 24)}`,
      firstReconciled: at,
      lastReconciled: at,
      lastReconciledDuration: "2.41s",
      lastReconciledStatus: "ReconciliationSucceeded",
      metadata: { revision: fluxRev(i === 4 ? applied : sha(`${name}-${i}`)) },
      totalReconciliations: 120 + i,
    })),
  };
}

function fluxManaged(manager: string, apiVersion: string, fields: unknown, subresource?: string): unknown {
  return {
    manager,
    operation: "Update",
    apiVersion,
    time: at,
    fieldsType: "FieldsV1",
    fieldsV1: fields,
    ...(subresource ? { subresource } : {}),
  };
}

const fluxStatusFields = {
  "f:status": {
    "f:conditions": {},
    "f:history": {},
    "f:inventory": { ".": {}, "f:entries": {} },
    "f:lastAppliedRevision": {},
    "f:lastAttemptedRevision": {},
    "f:lastHandledReconcileAt": {},
    "f:observedGeneration": {},
  },
};

/** A Kustomization per service, applied by the cluster's root Kustomization. */
export function realKustomization(input: {
  name: string;
  phase: FluxPhase;
  revision: string;
  applied: string;
}): KubeObject {
  const { name } = input;
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: {
      name,
      namespace: "flux-system",
      labels: {
        "kustomize.toolkit.fluxcd.io/name": "apps",
        "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
      },
      finalizers: ["finalizers.fluxcd.io"],
      managedFields: [
        fluxManaged("kustomize-controller", "kustomize.toolkit.fluxcd.io/v1", {
          "f:metadata": {
            "f:labels": {
              "f:kustomize.toolkit.fluxcd.io/name": {},
              "f:kustomize.toolkit.fluxcd.io/namespace": {},
            },
          },
          "f:spec": {
            "f:interval": {},
            "f:path": {},
            "f:prune": {},
            "f:sourceRef": { "f:kind": {}, "f:name": {} },
            "f:timeout": {},
            "f:wait": {},
          },
        }),
        fluxManaged(
          "gotk-kustomize-controller",
          "kustomize.toolkit.fluxcd.io/v1",
          fluxStatusFields,
          "status",
        ),
      ],
    },
    spec: {
      interval: "10m",
      retryInterval: "2m",
      path: `./overlays/staging/${name}`,
      prune: true,
      wait: true,
      timeout: "5m",
      targetNamespace: name,
      sourceRef: { kind: "GitRepository", name: "flux-system" },
      postBuild: { substitute: { cluster: "staging-1", region: "eu-west-1" } },
    },
    status: realKustomizationStatus(name, input.phase, input.revision, input.applied),
  };
}

/** A full HelmRelease v2 status: release history snapshots, attempted chart, values digest. */
export function realHelmReleaseStatus(
  phase: FluxPhase,
  chart: string,
  previous: string,
  generation: number,
): Record<string, unknown> {
  return phase === "ready"
    ? helmRelease.released(chart, generation)
    : helmRelease.upgrading(chart, previous, generation);
}

/** A HelmRelease per service, applied by its Kustomization. */
export function realHelmRelease(input: {
  name: string;
  parent: string;
  phase: FluxPhase;
  chart: string;
}): KubeObject {
  const { name } = input;
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: {
      name,
      namespace: name,
      labels: {
        "kustomize.toolkit.fluxcd.io/name": input.parent,
        "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
      },
      finalizers: ["finalizers.fluxcd.io"],
      managedFields: [
        fluxManaged("kustomize-controller", "helm.toolkit.fluxcd.io/v2", {
          "f:metadata": {
            "f:labels": {
              "f:kustomize.toolkit.fluxcd.io/name": {},
              "f:kustomize.toolkit.fluxcd.io/namespace": {},
            },
          },
          "f:spec": {
            "f:chart": { "f:spec": { "f:chart": {}, "f:sourceRef": {}, "f:version": {} } },
            "f:install": {},
            "f:interval": {},
            "f:upgrade": {},
            "f:values": {},
          },
        }),
        fluxManaged(
          "helm-controller",
          "helm.toolkit.fluxcd.io/v2",
          {
            "f:status": {
              "f:conditions": {},
              "f:helmChart": {},
              "f:history": {},
              "f:lastAttemptedConfigDigest": {},
              "f:lastAttemptedGeneration": {},
              "f:lastAttemptedReleaseAction": {},
              "f:lastAttemptedRevision": {},
              "f:observedGeneration": {},
              "f:storageNamespace": {},
            },
          },
          "status",
        ),
      ],
    },
    spec: {
      interval: "10m",
      chart: {
        spec: {
          chart: "service",
          version: "1.x",
          sourceRef: { kind: "HelmRepository", name: "acme", namespace: "flux-system" },
          interval: "1h",
        },
      },
      install: { remediation: { retries: 3 } },
      upgrade: { remediation: { retries: 3, remediateLastFailure: true }, cleanupOnFail: true },
      values: {
        image: { repository: `ghcr.io/acme/${name}`, tag: "1.4.2" },
        replicaCount: 3,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        ingress: { enabled: true, hosts: [`${name}.staging.acme.dev`] },
      },
    },
    status: realHelmReleaseStatus(input.phase, input.chart, "1.4.1", 1),
  };
}
