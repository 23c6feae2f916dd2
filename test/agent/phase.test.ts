import { describe, expect, it } from "vitest";
import {
  type ArgoApplication,
  argoApplicationState,
  argoConfigRepo,
  artifactOrigin,
  type FluxArtifactSource,
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
  digest,
  fluxHelmRelease,
  fluxKustomization,
  helmRelease,
  kustomization,
  ociRepository,
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

  it.each([
    [["Deployment/api"], "1 resource differs from git"],
    [["Deployment/api", "ConfigMap/api-config"], "2 resources differ from git"],
  ])(
    "words the drift message the reconcile check shows in the number it counts (%j)",
    (resources, message) => {
      expect(argoApplicationState(app(argo.drifted(R1, resources))).message).toBe(message);
    },
  );

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

  describe("source hydrator (Argo CD 3)", () => {
    const spec = {
      drySource: { repoURL: "https://github.com/acme/deploy", targetRevision: "main", path: "apps/api" },
      syncSource: { targetBranch: "environments/staging", path: "apps/api" },
    };
    const [D1, D2, H1, H2] = ["d1", "d2", "h1", "h2"].map(sha) as [string, string, string, string];
    const hydrated = (status: Record<string, unknown>) =>
      argoApplication({ name: "api", sourceHydrator: spec, status }) as ArgoApplication;
    const synced = (revision: string, hydrator: NonNullable<Parameters<typeof argoStatus>[0]["hydrator"]>) =>
      argoStatus({
        sync: "Synced",
        revision,
        health: "Healthy",
        operation: { phase: "Succeeded", revision },
        hydrator,
      });

    it.each([
      [
        "current operation",
        synced(H2, { spec, current: { phase: "Hydrated", drySHA: D2, hydratedSHA: H2 } }),
        D2,
      ],
      [
        "running hydration of a newer dry commit (reported as syncing it)",
        synced(H1, {
          spec,
          current: { phase: "Hydrating", drySHA: D2 },
          lastSuccessful: { drySHA: D1, hydratedSHA: H1 },
        }),
        D2,
      ],
      [
        "the last successful one when the current one is another",
        synced(H1, {
          spec,
          current: { phase: "Hydrated", drySHA: D2, hydratedSHA: H2 },
          lastSuccessful: { drySHA: D1, hydratedSHA: H1 },
        }),
        D1,
      ],
    ])("maps the synced hydrated commit to its dry commit through the %s", (_name, status, dry) => {
      expect(argoApplicationState(hydrated(status), "acme/deploy").revision).toBe(dry);
    });

    it("names no revision for a hydrated commit the status does not trace (e.g. merged from hydrateTo)", () => {
      const status = synced(sha("merge"), {
        spec,
        current: { phase: "Hydrated", drySHA: D1, hydratedSHA: H1 },
      });
      expect(argoApplicationState(hydrated(status), "acme/deploy")).toMatchObject({ phase: "healthy" });
      expect(argoApplicationState(hydrated(status), "acme/deploy")).not.toHaveProperty("revision");
    });

    it("reads the config repo from the dry source", () => {
      expect(argoConfigRepo(hydrated(argo.healthy(H1)))).toBe("acme/deploy");
    });
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

  it("maps an artifact revision to a commit through the resolver it is given", () => {
    const oci = `latest@sha256:${digest("x")}`;
    const commitOf = (rev: string | undefined) => (rev === oci ? R2 : undefined);
    expect(kustomizationState(k(kustomization.ready(oci)), commitOf)).toMatchObject({
      phase: "healthy",
      revision: R2,
    });
    const unmapped = kustomizationState(k(kustomization.ready(oci)));
    expect(unmapped).not.toHaveProperty("revision");
    expect(unmapped.message).toContain(`no revision reported: ${oci} names no commit of the config repo`);
  });

  it.each([
    [`latest@sha256:${digest("x")}`, `main@sha1:${R1}`, R1],
    [`sha1:${R1}`, undefined, R1],
    [`v2@sha256:${digest("y")}`, undefined, undefined],
  ])("artifact %s built from %s is commit %s", (revision, gitRevision, commit) => {
    const src = ociRepository({ name: "m", digest: digest("x"), ...(gitRevision ? { gitRevision } : {}) });
    (src.status as { artifact: { revision: string } }).artifact.revision = revision;
    expect(artifactOrigin(src as FluxArtifactSource)?.commit).toBe(commit);
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

  it("names the chart being attempted while upgrading or failing, and the released one when ready", () => {
    expect(helmReleaseState(hr(helmRelease.upgrading("1.4.3", "1.4.2")), parent).message).toContain(
      "chart api@1.4.3: Running 'upgrade'",
    );
    expect(helmReleaseState(hr(helmRelease.upgradeFailed("1.4.3", "1.4.2")), parent).message).toContain(
      "chart api@1.4.3: Helm upgrade failed",
    );
    expect(helmReleaseState(hr(helmRelease.released("1.4.3", 2)), parent).message).toContain(
      "chart api@1.4.3: ",
    );
    // A chart from an OCIRepository: the version carries the first 12 characters of its digest.
    const fromOci = helmReleaseState(
      hr(helmRelease.releasedFromOci("1.4.3", "9f2c8a1e3b5d7f9a0c2e4f6a")),
      parent,
    );
    expect(fromOci).toMatchObject({ phase: "healthy", revision: R2 });
    expect(fromOci.message).toContain("chart api@1.4.3+9f2c8a1e3b5d");
  });

  it("is not current while the released values are not the last attempted ones", () => {
    const status = { ...helmRelease.released("1.4.2", 1, "v1"), lastAttemptedConfigDigest: "sha256:0123" };
    expect(helmReleaseState(hr(status), parent)).toMatchObject({ phase: "syncing", revision: R2 });
  });

  it("has no revision without a parent", () => {
    expect(helmReleaseState(hr(helmRelease.released("1.4.2")))).not.toHaveProperty("revision");
  });
});
