import { describe, expect, it } from "vitest";
import {
  type ArgoApplication,
  argoApplicationState,
  argoConfigRepo,
  type FluxHelmRelease,
  type FluxKustomization,
  fluxRevision,
  helmReleaseState,
  kustomizationState,
} from "../../src/agent/phase.js";
import {
  argo,
  argoApplication,
  argoStatus,
  fluxHelmRelease,
  fluxKustomization,
  helmRelease,
  kustomization,
  sha,
} from "../support/kube/fixtures.js";

const R1 = sha(1);
const R2 = sha(2);
const app = (status: Record<string, unknown>) => argoApplication({ name: "api", status }) as ArgoApplication;

describe("Argo CD Application → phase", () => {
  it.each([
    [
      "syncing",
      argo.syncing(R2),
      { phase: "syncing", sync: "OutOfSync", health: "Progressing", revision: R2 },
    ],
    [
      "progressing after sync",
      argo.progressing(R2),
      { phase: "syncing", sync: "Synced", health: "Progressing" },
    ],
    ["healthy", argo.healthy(R2), { phase: "healthy", sync: "Synced", health: "Healthy", revision: R2 }],
    [
      "degraded",
      argo.degraded(R2),
      { phase: "degraded", health: "Degraded", message: 'Deployment "api" exceeded its progress deadline' },
    ],
    ["failed sync", argo.failed(R2), { phase: "failed", revision: R2 }],
    [
      "comparison error",
      argo.comparisonError(),
      { phase: "unknown", sync: "Unknown", message: expect.stringContaining("repository not found") },
    ],
    [
      "new commit seen, sync not started",
      argoStatus({
        sync: "OutOfSync",
        revision: R2,
        health: "Healthy",
        operation: { phase: "Succeeded", revision: R1 },
      }),
      { phase: "syncing", revision: R2, drifted: [] },
    ],
    ["suspended", argoStatus({ sync: "Synced", revision: R1, health: "Suspended" }), { phase: "syncing" }],
    ["missing", argoStatus({ sync: "Synced", revision: R1, health: "Missing" }), { phase: "degraded" }],
  ])("%s", (_name, status, expected) => {
    expect(argoApplicationState(app(status), "acme/deploy")).toMatchObject(expected);
  });

  it("calls OutOfSync at the last synced revision drift, listing resources by sync status", () => {
    const state = argoApplicationState(app(argo.drifted(R1, ["Deployment/api", "ConfigMap/api-config"])));
    expect(state).toMatchObject({ phase: "drifted", sync: "OutOfSync", revision: R1 });
    expect(state.drifted).toEqual([
      { group: "apps", kind: "Deployment", namespace: "api", name: "api" },
      { kind: "ConfigMap", namespace: "api", name: "api-config" },
    ]);
  });

  it("takes the revision of the config-repo source of a multi-source Application", () => {
    const chartRev = "1.4.2";
    const multi = argoApplication({
      name: "api",
      sources: [
        { repoURL: "https://charts.acme.dev", chart: "api", targetRevision: "1.4.2" },
        {
          repoURL: "git@github.com:acme/deploy.git",
          path: "values/staging",
          targetRevision: "main",
          ref: "values",
        },
      ],
      status: argoStatus({
        sync: "Synced",
        revisions: [chartRev, R2],
        health: "Healthy",
        operation: { phase: "Succeeded", revisions: [chartRev, R2] },
      }),
    }) as ArgoApplication;
    expect(argoApplicationState(multi, "acme/deploy")).toMatchObject({ phase: "healthy", revision: R2 });
    // Without a config repo there is no telling which source it is: no guess.
    expect(argoApplicationState(multi)).not.toHaveProperty("revision");
    expect(argoApplicationState(multi, "acme/other")).not.toHaveProperty("revision");
  });

  it("reads the config repo from a single git source", () => {
    expect(argoConfigRepo(app(argo.healthy(R1)))).toBe("acme/deploy");
  });
});

describe("Flux Kustomization → phase", () => {
  const k = (status: Record<string, unknown>, generation?: number) => {
    const obj = fluxKustomization({ name: "apps", status }) as FluxKustomization;
    if (generation !== undefined && obj.metadata) obj.metadata.generation = generation;
    return obj;
  };

  it.each([
    ["ready", kustomization.ready(R2), { phase: "healthy", sync: "Synced", health: "Healthy", revision: R2 }],
    [
      "reconciling a new revision",
      kustomization.reconciling(R2, R1),
      { phase: "syncing", sync: "OutOfSync", revision: R2 },
    ],
    [
      "build failed",
      kustomization.buildFailed(R2, R1),
      { phase: "failed", revision: R2, message: expect.stringContaining("kustomize build failed") },
    ],
    [
      "health check failed",
      kustomization.healthCheckFailed(R2),
      { phase: "degraded", health: "Degraded", revision: R2 },
    ],
    ["stalled", kustomization.stalled(R2), { phase: "failed", revision: R2 }],
  ])("%s", (_name, status, expected) => {
    expect(kustomizationState(k(status))).toMatchObject(expected);
  });

  it("does not trust a Ready condition written for an older generation", () => {
    expect(kustomizationState(k(kustomization.ready(R1, 1), 2))).toMatchObject({ phase: "syncing" });
  });

  it.each([
    [`main@sha1:${R1}`, R1],
    [`sha1:${R1}`, R1],
    [`v1.2.0@sha1:${R1}`, R1],
    [`main/${R1}`, R1],
    ["sha256:abc", undefined],
    [undefined, undefined],
  ])("parses revision %s", (text, expected) => {
    expect(fluxRevision(text)).toBe(expected);
  });
});

describe("Flux HelmRelease → phase", () => {
  const parent = fluxKustomization({ name: "apps", status: kustomization.ready(R2) }) as FluxKustomization;
  const hr = (status: Record<string, unknown>) =>
    fluxHelmRelease({
      name: "api",
      parent: { name: "apps", namespace: "flux-system" },
      status,
    }) as FluxHelmRelease;

  it("maps the chart version to a commit through the parent Kustomization", () => {
    const state = helmReleaseState(hr(helmRelease.released("1.4.2")), parent);
    expect(state).toMatchObject({ phase: "healthy", revision: R2 });
    expect(state.message).toContain("chart api@1.4.2");
  });

  it.each([
    ["upgrading", helmRelease.upgrading("1.4.3", "1.4.2"), "syncing"],
    ["upgrade failed", helmRelease.upgradeFailed("1.4.3", "1.4.2"), "failed"],
  ])("%s", (_name, status, phase) => {
    expect(helmReleaseState(hr(status), parent)).toMatchObject({ phase, revision: R2 });
  });

  it("has no revision without a parent", () => {
    expect(helmReleaseState(hr(helmRelease.released("1.4.2")))).not.toHaveProperty("revision");
  });
});
