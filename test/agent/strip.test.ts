import { describe, expect, it } from "vitest";
import {
  type ArgoApplication,
  argoApplicationState,
  argoConfigRepo,
  artifactOrigin,
  type FluxArtifactSource,
  type FluxHelmRelease,
  type FluxKustomization,
  fluxParent,
  helmReleaseState,
  kustomizationState,
} from "../../src/agent/phase.js";
import { strip } from "../../src/agent/strip.js";
import {
  argo,
  argoApplication,
  argoStatus,
  configRepoURL,
  digest,
  externalArtifact,
  fluxHelmRelease,
  fluxKustomization,
  helmRelease,
  kustomization,
  ociRepository,
  sha,
} from "../support/kube/fixtures.js";
import { realArgoApplication, realHelmRelease, realKustomization } from "../support/kube/realistic.js";
import type { KubeObject } from "../support/kube/server.js";

const R1 = sha(1);
const R2 = sha(2);
const sources = [
  { repoURL: "https://github.com/acme/platform.git", path: "addons", targetRevision: "main" },
  { repoURL: configRepoURL, path: "overlays/staging", targetRevision: "main" },
];
const hydrator = {
  drySource: { repoURL: configRepoURL, targetRevision: "main", path: "apps/api" },
  syncSource: { targetBranch: "environments/staging", path: "apps/api" },
};
const annotated = (o: KubeObject) => {
  o.metadata.annotations = { ...o.metadata.annotations, "ferry.dev/environment": "qa", "other.io/x": "y" };
  return o;
};

const applications: [string, KubeObject][] = [
  ...Object.entries({
    syncing: argo.syncing(R1),
    progressing: argo.progressing(R1),
    healthy: argo.healthy(R1),
    degraded: argo.degraded(R1),
    failed: argo.failed(R1),
    drifted: argo.drifted(R1, ["Deployment/api", "ConfigMap/api-config"]),
    comparisonError: argo.comparisonError(),
  }).map(([name, status]): [string, KubeObject] => [
    name,
    annotated(argoApplication({ name: "api", status })),
  ]),
  ["multi-source", argoApplication({ name: "m", sources, status: argo.multiSource(sources, [sha(9), R1]) })],
  [
    "hydrator",
    argoApplication({
      name: "h",
      sourceHydrator: hydrator,
      status: argoStatus({
        sync: "Synced",
        revision: R2,
        health: "Healthy",
        operation: { phase: "Succeeded", revision: R2 },
        hydrator: { spec: hydrator, current: { phase: "Hydrated", drySHA: R1, hydratedSHA: R2 } },
      }),
    }),
  ],
  ["realistic", realArgoApplication({ name: "app-1", namespace: "team-1", phase: "healthy", revision: R1 })],
  [
    "realistic, progressing",
    realArgoApplication({ name: "app-2", namespace: "team-1", phase: "progressing", revision: R1 }),
  ],
];

describe("strip: what is kept maps to the same state", () => {
  it.each(applications)("Argo CD Application: %s", (_name, app) => {
    const stripped = strip("Application", app) as ArgoApplication;
    for (const repo of [undefined, "acme/deploy", "acme/other"]) {
      expect(argoApplicationState(stripped, repo)).toEqual(
        argoApplicationState(app as ArgoApplication, repo),
      );
    }
    expect(argoConfigRepo(stripped)).toEqual(argoConfigRepo(app as ArgoApplication));
    expect(stripped.metadata?.annotations).toEqual(
      app.metadata.annotations?.["ferry.dev/environment"] ? { "ferry.dev/environment": "qa" } : undefined,
    );
  });

  const oci = `latest@sha256:${digest("m")}`;
  const commitOf = (rev: string | undefined) => (rev === oci ? R2 : undefined);
  it.each([
    ["ready", kustomization.ready(R1)],
    ["reconciling", kustomization.reconciling(R2, R1)],
    ["build failed", kustomization.buildFailed(R2, R1)],
    ["health check failed", kustomization.healthCheckFailed(R1)],
    ["stalled", kustomization.stalled(R1)],
    ["from an OCI artifact", kustomization.ready(oci)],
  ])("Flux Kustomization: %s", (_name, status) => {
    const k = fluxKustomization({ name: "apps", sourceRef: { kind: "OCIRepository", name: "m" }, status });
    const stripped = strip("Kustomization", k) as FluxKustomization;
    expect(kustomizationState(stripped, commitOf)).toEqual(
      kustomizationState(k as FluxKustomization, commitOf),
    );
    expect(stripped.spec?.sourceRef).toEqual({ kind: "OCIRepository", name: "m" });
  });

  it.each([
    ["released", helmRelease.released("1.4.2")],
    ["upgrading", helmRelease.upgrading("1.4.3", "1.4.2")],
    ["upgrade failed", helmRelease.upgradeFailed("1.4.3", "1.4.2")],
    ["from OCI", helmRelease.releasedFromOci("1.4.3", digest("chart"))],
  ])("Flux HelmRelease: %s", (_name, status) => {
    const parent = fluxKustomization({ name: "apps", status: kustomization.ready(R1) });
    const hr = fluxHelmRelease({ name: "api", parent: { name: "apps", namespace: "flux-system" }, status });
    const stripped = strip("HelmRelease", hr) as FluxHelmRelease;
    const strippedParent = strip("Kustomization", parent) as FluxKustomization;
    expect(helmReleaseState(stripped, strippedParent)).toEqual(
      helmReleaseState(hr as FluxHelmRelease, parent as FluxKustomization),
    );
    expect(fluxParent(stripped)).toEqual({ name: "apps", namespace: "flux-system" });
  });

  it.each([
    [
      "OCIRepository",
      ociRepository({
        name: "m",
        digest: digest("m"),
        gitRevision: `main@sha1:${R1}`,
        gitSource: configRepoURL,
      }),
    ],
    ["ExternalArtifact", externalArtifact({ name: "e", revision: `sha1:${R1}` })],
  ] as const)("%s", (kind, src) => {
    expect(artifactOrigin(strip(kind, src) as FluxArtifactSource)).toEqual(
      artifactOrigin(src as FluxArtifactSource),
    );
  });
});

describe("strip: size", () => {
  it.each([
    [
      "Application",
      realArgoApplication({ name: "app-1", namespace: "team-1", phase: "healthy", revision: R1 }),
    ],
    ["Kustomization", realKustomization({ name: "svc-1", phase: "ready", revision: R1, applied: R1 })],
    ["HelmRelease", realHelmRelease({ name: "svc-1", parent: "svc-1", phase: "ready", chart: "1.4.2" })],
  ] as const)("keeps a small part of a real %s", (kind, obj) => {
    const full = JSON.stringify(obj).length;
    const kept = JSON.stringify(strip(kind, obj)).length;
    expect(full).toBeGreaterThan(3000);
    expect(kept).toBeLessThan(900);
  });
});
