import { afterEach, describe, expect, it } from "vitest";
import { type Agent, type AgentOptions, startAgent } from "../../src/agent/agent.js";
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
import { ReportReceiver } from "../support/kube/report-receiver.js";
import { KubeTestServer, resources } from "../support/kube/server.js";
import { advanceUntil, FakeClock, settle, waitFor } from "./helpers.js";

const cluster = "stg-1";
const secret = "stg-1-shared-secret-0123";
const R1 = sha(1);
const R2 = sha(2);
const apps = resources.applications;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  options: Partial<AgentOptions> = {},
  gone: "http" | "event" = "http",
  clock = new FakeClock(),
) {
  const kube = await KubeTestServer.start({ gone });
  const receiver = await ReportReceiver.start({ [cluster]: secret });
  cleanups.push(
    () => kube.close(),
    () => receiver.close(),
  );
  const start = (more: Partial<AgentOptions> = {}): Agent => {
    const agent = startAgent({
      ferryUrl: receiver.url,
      cluster,
      secret,
      kubeconfig: kube.kubeconfig(),
      environment: "staging",
      namespace: "ferry",
      identity: "agent-a",
      leaderElection: false,
      healthyHoldMs: 5000,
      retry: { baseMs: 1000, maxMs: 8000 },
      informerBackoff: { baseMs: 1000, maxMs: 8000 },
      random: () => 1,
      clock,
      ...options,
      ...more,
    });
    cleanups.push(() => agent.stop());
    return agent;
  };
  return { clock, kube, receiver, start };
}

const phases = (receiver: ReportReceiver, name: string) => receiver.for(name).map((r) => r.phase);

describe("agent: Argo CD", () => {
  it("reports each transition, healthy only after the hold, with revision and config repo", async () => {
    const { clock, kube, receiver, start } = await setup();
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    start();
    const first = await waitFor(() => receiver.latest("api"), "syncing report");
    expect(first).toMatchObject({
      cluster,
      configRepo: "acme/deploy",
      environment: "staging",
      object: { kind: "Application", namespace: "argocd", name: "api" },
      revision: R1,
      sync: "OutOfSync",
      health: "Progressing",
      phase: "syncing",
      drifted: [],
    });

    kube.patchStatus(apps, "argocd", "api", argo.progressing(R1));
    await waitFor(() => receiver.for("api").length === 2, "progressing");
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await settle();
    clock.advance(4999);
    await settle();
    expect(receiver.for("api")).toHaveLength(2);
    clock.advance(1);
    await waitFor(() => receiver.latest("api")?.phase === "healthy", "healthy after hold");

    kube.patchStatus(apps, "argocd", "api", argo.degraded(R1));
    await waitFor(() => receiver.latest("api")?.phase === "degraded", "degraded");
    expect(receiver.latest("api")?.message).toContain("progress deadline");
    expect(phases(receiver, "api")).toEqual(["syncing", "syncing", "healthy", "degraded"]);
    const sequences = receiver.for("api").map((r) => r.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
  });

  it("reports a failed sync, drift with its resources, and an early error without a revision", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    kube.upsert(apps, argoApplication({ name: "api", status: argo.healthy(R1) }));
    kube.upsert(apps, argoApplication({ name: "web", environment: "qa", status: argo.comparisonError() }));
    start();
    await waitFor(
      () => receiver.latest("api")?.phase === "healthy" && receiver.latest("web"),
      "initial state",
    );
    expect(receiver.latest("web")).toMatchObject({ phase: "unknown", environment: "qa", sync: "Unknown" });
    expect(receiver.latest("web")).not.toHaveProperty("revision");

    kube.patchStatus(apps, "argocd", "api", argo.drifted(R1, ["Deployment/api"]));
    const drift = await waitFor(() => receiver.reports.find((r) => r.phase === "drifted"), "drift");
    expect(drift.drifted).toEqual([{ group: "apps", kind: "Deployment", namespace: "api", name: "api" }]);

    kube.patchStatus(apps, "argocd", "api", argo.failed(R2));
    const failed = await waitFor(() => receiver.reports.find((r) => r.phase === "failed"), "failed sync");
    expect(failed).toMatchObject({ revision: R2, message: expect.stringContaining("failed to apply") });
  });

  it("reports only changes of sync, health, revision or phase, and suppresses a healthy flap", async () => {
    const { clock, kube, receiver, start } = await setup();
    kube.upsert(apps, argoApplication({ name: "api", status: argo.progressing(R1) }));
    start();
    await waitFor(() => receiver.latest("api"), "first report");
    const noise = argo.progressing(R1) as { health: { message?: string } };
    noise.health.message = "Waiting for rollout to finish: 1 of 2 updated replicas are available...";
    kube.patchStatus(apps, "argocd", "api", noise);
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await settle();
    clock.advance(2000);
    kube.patchStatus(apps, "argocd", "api", argo.progressing(R1));
    await settle(60);
    clock.advance(10_000);
    await settle(60);
    expect(phases(receiver, "api")).toEqual(["syncing"]);
  });
});

describe("agent: Progressing after Healthy at the same revision", () => {
  it("is reported only once it has lasted PROGRESSING_GRACE; a shorter blip sends nothing", async () => {
    // The app refuses reports signed more than 60 s ahead: start the fake clock in the past.
    const { clock, kube, receiver, start } = await setup(
      { healthyHoldMs: 0, progressingGraceMs: 60_000 },
      "http",
      new FakeClock(Date.now() - 240_000),
    );
    kube.upsert(apps, argoApplication({ name: "api", status: argo.healthy(R1) }));
    start();
    await waitFor(() => receiver.latest("api")?.phase === "healthy", "healthy");

    // An autoscaler adds pods: Progressing for 59 s, then Healthy again.
    kube.patchStatus(apps, "argocd", "api", argo.progressing(R1));
    await settle();
    clock.advance(59_000);
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await settle(60);
    clock.advance(60_000);
    await settle(60);
    expect(phases(receiver, "api")).toEqual(["healthy"]);

    // A rollout that stays Progressing is reported once the grace has passed.
    kube.patchStatus(apps, "argocd", "api", argo.progressing(R1));
    await settle();
    clock.advance(59_999);
    await settle();
    expect(phases(receiver, "api")).toEqual(["healthy"]);
    clock.advance(1);
    await waitFor(() => receiver.latest("api")?.phase === "syncing", "progressing past the grace");
    expect(receiver.latest("api")).toMatchObject({ revision: R1, health: "Progressing" });

    // Degraded is never held, and a new revision's Progressing is a sync, reported at once.
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await waitFor(() => receiver.latest("api")?.phase === "healthy", "healthy again");
    kube.patchStatus(apps, "argocd", "api", argo.degraded(R1));
    await waitFor(() => receiver.latest("api")?.phase === "degraded", "degraded at once");
    kube.patchStatus(apps, "argocd", "api", argo.progressing(R2));
    await waitFor(() => receiver.latest("api")?.revision === R2, "a new revision at once");
    expect(receiver.latest("api")?.phase).toBe("syncing");
  });
});

describe("agent: Argo CD ComparisonError", () => {
  it("reports unknown at once and a failure with the controller's message once the grace has passed", async () => {
    // The app refuses reports signed more than 60 s ahead: start the fake clock in the past.
    const { clock, kube, receiver, start } = await setup(
      { healthyHoldMs: 0 },
      "http",
      new FakeClock(Date.now() - 240_000),
    );
    kube.upsert(apps, argoApplication({ name: "api", status: argo.comparisonError() }));
    start(); // default grace: 2 minutes
    await waitFor(() => receiver.latest("api"), "first report");
    expect(receiver.latest("api")).toMatchObject({ phase: "unknown", sync: "Unknown" });
    // The controller rewrites its status meanwhile (a new reconciledAt); the grace runs on.
    clock.advance(60_000);
    kube.patchStatus(apps, "argocd", "api", {
      ...argo.comparisonError(),
      reconciledAt: "2026-11-02T10:01:00Z",
    });
    await settle();
    clock.advance(59_999);
    await settle();
    expect(phases(receiver, "api")).toEqual(["unknown"]);
    clock.advance(1);
    const failed = await waitFor(
      () => receiver.latest("api")?.phase === "failed" && receiver.latest("api"),
      "failure",
    );
    expect(failed).not.toHaveProperty("revision");
    expect(failed.message).toContain("for 2m: Failed to load target state");
    expect(failed.message).toContain("repository not found");

    // Fixed: healthy again; a new error starts a new grace.
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await waitFor(() => receiver.latest("api")?.phase === "healthy", "healthy");
    kube.patchStatus(apps, "argocd", "api", argo.comparisonError());
    await waitFor(() => receiver.latest("api")?.phase === "unknown", "unknown again");
    clock.advance(119_000);
    await settle();
    expect(receiver.latest("api")?.phase).toBe("unknown");
    clock.advance(1_000);
    await waitFor(() => receiver.latest("api")?.phase === "failed", "failure again");
  });

  it("takes its grace from COMPARISON_ERROR_GRACE", async () => {
    const { clock, kube, receiver, start } = await setup({ healthyHoldMs: 0, comparisonErrorGraceMs: 5_000 });
    kube.upsert(apps, argoApplication({ name: "api", status: argo.comparisonError() }));
    start();
    await waitFor(() => receiver.latest("api"), "first report");
    clock.advance(5_000);
    const failed = await waitFor(
      () => receiver.latest("api")?.phase === "failed" && receiver.latest("api"),
      "failure",
    );
    expect(failed.message).toContain("for 5s:");
  });
});

describe("agent: which source is the config repo", () => {
  const platform = {
    repoURL: "https://github.com/acme/platform.git",
    path: "addons",
    targetRevision: "main",
  };
  const RP = sha("platform");
  const multi = (name: string, configURL: string, more: { configRepo?: string } = {}) => {
    const sources = [platform, { repoURL: configURL, path: "overlays/staging", targetRevision: "main" }];
    return argoApplication({ name, sources, ...more, status: argo.multiSource(sources, [RP, R1]) });
  };

  it("reports the revision of the source whose repoURL is the config repo, however the URL is written", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0, configRepo: "acme/deploy" });
    const forms = [
      "https://github.com/Acme/Deploy",
      "ssh://git@github.com/acme/deploy.git/",
      "git@github.com:acme/deploy.git",
      "https://github.com/acme/deploy/",
    ];
    for (const [i, url] of forms.entries()) kube.upsert(apps, multi(`app-${i}`, url));
    // An annotation may name the repo by URL as well; the report carries owner/repo.
    kube.upsert(
      apps,
      multi("annotated", "git@github.com:acme/deploy", { configRepo: "https://github.com/acme/deploy.git" }),
    );
    const agent = start();
    const names = [...forms.keys()].map((i) => `app-${i}`).concat("annotated");
    await waitFor(() => names.every((n) => receiver.latest(n)), "a report per Application");
    await agent.idle();
    for (const name of names) {
      expect(receiver.latest(name), name).toMatchObject({ revision: R1, phase: "healthy" });
    }
    expect(receiver.latest("annotated")?.configRepo).toBe("acme/deploy");
    expect(receiver.refusals).toEqual([]);
  });

  it("names no revision, and says why, when it cannot tell which source is the config repo", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    kube.upsert(apps, multi("anonymous", "https://github.com/acme/deploy.git"));
    start();
    const anonymous = await waitFor(() => receiver.latest("anonymous"), "report");
    expect(anonymous).not.toHaveProperty("revision");
    expect(anonymous).not.toHaveProperty("configRepo");
    expect(anonymous.message).toContain("ferry.dev/config-repo");
    expect(anonymous.message).toContain("FERRY_CONFIG_REPO");
  });

  it("names no revision when none of the sources is the config repo", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0, configRepo: "acme/deploy" });
    kube.upsert(apps, multi("elsewhere", "https://bot:s3cret-token@github.com/acme/deploy-archive.git"));
    start();
    const elsewhere = await waitFor(() => receiver.latest("elsewhere"), "report");
    expect(elsewhere).not.toHaveProperty("revision");
    expect(elsewhere).toMatchObject({ configRepo: "acme/deploy" });
    expect(elsewhere.message).toContain("none of its 2 sources is acme/deploy");
    expect(elsewhere.message).toContain("https://github.com/acme/deploy-archive.git");
    expect(elsewhere.message).not.toContain("s3cret");
  });
});

describe("agent: Flux", () => {
  it("reports Kustomization transitions and maps a HelmRelease's chart to its parent's commit", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    kube.upsert(
      resources.kustomizations,
      fluxKustomization({ name: "apps", status: kustomization.reconciling(R1) }),
    );
    kube.upsert(
      resources.helmReleases,
      fluxHelmRelease({
        name: "api",
        parent: { name: "apps", namespace: "flux-system" },
        status: helmRelease.upgrading("1.4.2", "1.4.1"),
      }),
    );
    start();
    await waitFor(() => receiver.latest("apps") && receiver.latest("api"), "initial");
    expect(receiver.latest("apps")).toMatchObject({
      object: { kind: "Kustomization" },
      phase: "syncing",
      revision: R1,
    });

    kube.patchStatus(resources.kustomizations, "flux-system", "apps", kustomization.ready(R1));
    kube.patchStatus(resources.helmReleases, "api", "api", helmRelease.released("1.4.2"));
    // Events of the two informers may come in either order; the HelmRelease settles at the parent's commit.
    await waitFor(
      () => receiver.latest("api")?.phase === "healthy" && receiver.latest("api")?.revision === R1,
      "HelmRelease healthy at the parent's commit",
    );
    await waitFor(() => receiver.latest("apps")?.phase === "healthy", "Kustomization ready");
    expect(receiver.latest("api")).toMatchObject({ object: { kind: "HelmRelease" } });
    expect(receiver.latest("api")?.message).toContain("api@1.4.2");

    // A new commit applied by the parent moves the HelmRelease's revision with it.
    kube.patchStatus(resources.kustomizations, "flux-system", "apps", kustomization.ready(R2));
    await waitFor(() => receiver.latest("api")?.revision === R2, "HelmRelease at the parent's new commit");

    kube.patchStatus(resources.kustomizations, "flux-system", "apps", kustomization.buildFailed(sha(3), R2));
    await waitFor(() => receiver.latest("apps")?.phase === "failed", "build failed");
    expect(receiver.latest("apps")).toMatchObject({
      revision: sha(3),
      message: expect.stringContaining("kustomize build failed"),
    });
    kube.patchStatus(resources.helmReleases, "api", "api", helmRelease.upgradeFailed("1.4.3", "1.4.2"));
    await waitFor(() => receiver.latest("api")?.phase === "failed", "upgrade failed");
  });
});

describe("agent: Argo CD source hydrator", () => {
  const hydrator = {
    drySource: { repoURL: configRepoURL, targetRevision: "main", path: "apps/api" },
    syncSource: { targetBranch: "environments/staging", path: "apps/api" },
  };
  const D1 = sha("dry-1");
  const D2 = sha("dry-2");
  const H1 = sha("hydrated-1");
  const hydrated = (
    current: {
      phase: "Hydrating" | "Failed" | "Hydrated";
      drySHA?: string;
      hydratedSHA?: string;
      message?: string;
    },
    synced?: string,
  ) =>
    argoStatus({
      sync: synced === undefined ? "OutOfSync" : "Synced",
      ...(synced === undefined ? {} : { revision: synced }),
      health: "Healthy",
      ...(synced === undefined ? {} : { operation: { phase: "Succeeded" as const, revision: synced } }),
      hydrator: {
        spec: hydrator,
        current,
        ...(current.phase === "Hydrated" && current.drySHA && current.hydratedSHA
          ? { lastSuccessful: { drySHA: current.drySHA, hydratedSHA: current.hydratedSHA } }
          : {}),
      },
    });

  it("reports against the dry commit that produced the hydrated one Argo CD synced", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    kube.upsert(
      apps,
      argoApplication({
        name: "api",
        sourceHydrator: hydrator,
        status: hydrated({ phase: "Hydrating", drySHA: D1 }),
      }),
    );
    start();
    await waitFor(() => receiver.latest("api"), "hydrating");
    expect(receiver.latest("api")).toMatchObject({
      phase: "syncing",
      revision: D1,
      configRepo: "acme/deploy",
    });

    kube.patchStatus(apps, "argocd", "api", hydrated({ phase: "Hydrated", drySHA: D1, hydratedSHA: H1 }, H1));
    await waitFor(() => receiver.latest("api")?.phase === "healthy", "healthy");
    expect(receiver.latest("api")).toMatchObject({ revision: D1 });

    // A dry commit that changes no manifests keeps the hydrated commit: it is applied as well.
    kube.patchStatus(apps, "argocd", "api", hydrated({ phase: "Hydrated", drySHA: D2, hydratedSHA: H1 }, H1));
    await waitFor(() => receiver.latest("api")?.revision === D2, "no-op hydration");
    expect(receiver.latest("api")).toMatchObject({ phase: "healthy" });

    const D3 = sha("dry-3");
    const message = `Failed to hydrate revision "${D3}": failed to render manifests: kustomize build failed`;
    kube.patchStatus(apps, "argocd", "api", hydrated({ phase: "Failed", drySHA: D3, message }, H1));
    await waitFor(() => receiver.latest("api")?.phase === "failed", "hydration failure");
    expect(receiver.latest("api")).toMatchObject({ revision: D3, message });
  });
});

describe("agent: Flux artifacts from OCI and external sources", () => {
  const oci = resources.ociRepositories;
  const X1 = digest("manifests-1");
  const X2 = digest("manifests-2");

  it("maps <tag>@sha256:<digest> to the git commit the artifact was built from", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0, configRepo: "acme/deploy" });
    const source = { kind: "OCIRepository" as const, name: "deploy-manifests" };
    kube.upsert(
      oci,
      ociRepository({
        name: "deploy-manifests",
        digest: X1,
        gitRevision: `main@sha1:${R1}`,
        gitSource: configRepoURL,
      }),
    );
    kube.upsert(
      resources.kustomizations,
      fluxKustomization({
        name: "apps",
        sourceRef: source,
        status: kustomization.ready(`latest@sha256:${X1}`),
      }),
    );
    start();
    await waitFor(() => receiver.latest("apps")?.revision === R1, "healthy at the artifact's commit");
    expect(receiver.latest("apps")).toMatchObject({ phase: "healthy" });

    // The source moves on before the Kustomization applies it: what was applied keeps its commit.
    kube.upsert(
      oci,
      ociRepository({
        name: "deploy-manifests",
        digest: X2,
        gitRevision: `main@sha1:${R2}`,
        gitSource: configRepoURL,
      }),
    );
    kube.patchStatus(
      resources.kustomizations,
      "flux-system",
      "apps",
      kustomization.reconciling(`latest@sha256:${X2}`, `latest@sha256:${X1}`),
    );
    await waitFor(() => receiver.latest("apps")?.phase === "syncing", "syncing the new artifact");
    expect(receiver.latest("apps")?.revision).toBe(R2);
    kube.patchStatus(
      resources.kustomizations,
      "flux-system",
      "apps",
      kustomization.ready(`latest@sha256:${X2}`),
    );
    await waitFor(() => receiver.latest("apps")?.phase === "healthy", "healthy at the new commit");
    expect(receiver.latest("apps")?.revision).toBe(R2);
  });

  it("names no revision for an artifact built from another repository or from no git commit", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0, configRepo: "acme/deploy" });
    kube.upsert(
      oci,
      ociRepository({
        name: "platform",
        digest: X1,
        gitRevision: `main@sha1:${R1}`,
        gitSource: "https://github.com/acme/platform",
      }),
    );
    kube.upsert(oci, ociRepository({ name: "unlabelled", digest: X2 }));
    for (const name of ["platform", "unlabelled"]) {
      const x = name === "platform" ? X1 : X2;
      kube.upsert(
        resources.kustomizations,
        fluxKustomization({
          name,
          sourceRef: { kind: "OCIRepository", name },
          status: kustomization.ready(`latest@sha256:${x}`),
        }),
      );
    }
    start();
    await waitFor(() => receiver.latest("platform") && receiver.latest("unlabelled"), "reports");
    for (const name of ["platform", "unlabelled"]) {
      expect(receiver.latest(name), name).not.toHaveProperty("revision");
      expect(receiver.latest(name)?.message, name).toContain("no revision reported");
    }
  });

  it("maps an ExternalArtifact's sha1:<sha> and <tag>@sha256:<digest> revisions", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0, configRepo: "acme/deploy" });
    const ext = resources.externalArtifacts;
    kube.upsert(ext, externalArtifact({ name: "plain", revision: `sha1:${R1}` }));
    kube.upsert(
      ext,
      externalArtifact({ name: "packed", revision: `v2@sha256:${X2}`, gitRevision: `sha1:${R2}` }),
    );
    for (const [name, revision] of [
      ["plain", `sha1:${R1}`],
      ["packed", `v2@sha256:${X2}`],
    ] as const) {
      kube.upsert(
        resources.kustomizations,
        fluxKustomization({
          name,
          sourceRef: { kind: "ExternalArtifact", name },
          status: kustomization.ready(revision),
        }),
      );
    }
    start();
    await waitFor(() => receiver.latest("plain") && receiver.latest("packed")?.revision, "reports");
    expect(receiver.latest("plain")).toMatchObject({ phase: "healthy", revision: R1 });
    expect(receiver.latest("packed")).toMatchObject({ phase: "healthy", revision: R2 });
  });
});

describe("agent: watch faults", () => {
  it.each([
    ["a watch dropped mid-stream", (kube: KubeTestServer) => kube.heal()],
    ["410 Gone over HTTP", (kube: KubeTestServer) => kube.heal({ expire: true })],
  ])("reports the correct state after %s", async (_name, heal) => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    start();
    await waitFor(
      () => receiver.latest("api") && kube.watchCount(apps) === 1,
      "first report, then the watch",
    );
    kube.partition();
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await settle();
    expect(receiver.for("api")).toHaveLength(1);
    heal(kube);
    await waitFor(() => receiver.latest("api")?.phase === "healthy", "state after reconnect");
  });

  it("relists after a 410 ERROR event and forgets deleted objects", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0 }, "event");
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    kube.upsert(apps, argoApplication({ name: "old", status: argo.healthy(R1) }));
    start();
    await waitFor(() => receiver.latest("api") && receiver.latest("old"), "first reports");
    kube.partition();
    kube.delete(apps, "argocd", "old");
    kube.patchStatus(apps, "argocd", "api", argo.degraded(R1));
    kube.heal({ expire: true });
    await waitFor(() => receiver.latest("api")?.phase === "degraded", "state after relist");
    expect(kube.requests.filter((r) => r.path.endsWith("/applications") && !r.watch)).toHaveLength(2);
  });

  it("restarts its informers with backoff after the API server restarts", async () => {
    const { clock, kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    const agent = start();
    await waitFor(() => receiver.latest("api"), "first report");
    await kube.restart(50);
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await settle();
    await advanceUntil(clock, () => receiver.latest("api")?.phase === "healthy", "state after restart", {
      stepMs: 250,
    });
    expect(agent.stats().informerRestarts).toBeGreaterThanOrEqual(1);
  });

  it("says once that a resource is not served, reports the rest, and picks it up once installed", async () => {
    const warnings: { message: string; resource?: unknown }[] = [];
    const logger = {
      info() {},
      error() {},
      warn: (message: string, fields?: Record<string, unknown>) =>
        warnings.push({ message, resource: fields?.resource }),
    };
    // Five minutes pass on the fake clock: start it in the past, or reports would be signed "in the future".
    const { clock, kube, receiver, start } = await setup(
      { healthyHoldMs: 0, configRepo: "acme/deploy", logger },
      "http",
      new FakeClock(Date.now() - 270_000),
    );
    kube.unserve(resources.ociRepositories); // Flux before 2.6, or no Flux source CRDs at all
    kube.unserve(resources.externalArtifacts);
    const X1 = digest("m1");
    kube.upsert(apps, argoApplication({ name: "api", status: argo.healthy(R1) }));
    kube.upsert(
      resources.kustomizations,
      fluxKustomization({
        name: "apps",
        sourceRef: { kind: "OCIRepository", name: "manifests" },
        status: kustomization.ready(`latest@sha256:${X1}`),
      }),
    );
    start();
    await waitFor(() => receiver.latest("api") && receiver.latest("apps"), "reports");
    expect(receiver.latest("apps")).not.toHaveProperty("revision");
    const notServed = () => warnings.filter((w) => w.message.includes("not served"));
    await waitFor(() => notServed().length === 2, "one warning per missing resource");
    expect(
      notServed()
        .map((w) => w.resource)
        .sort(),
    ).toEqual(["externalartifacts", "ocirepositories"]);

    kube.serve(resources.ociRepositories);
    kube.upsert(
      resources.ociRepositories,
      ociRepository({
        name: "manifests",
        digest: X1,
        gitRevision: `main@sha1:${R1}`,
        gitSource: configRepoURL,
      }),
    );
    clock.advance(5 * 60_000);
    await waitFor(() => receiver.latest("apps")?.revision === R1, "the artifact's commit");
    await waitFor(
      () => kube.requests.filter((r) => r.path.endsWith("/externalartifacts")).length === 2,
      "a second look",
    );
    expect(notServed()).toHaveLength(2); // still missing, not said again
  });

  it("restarts an informer stopped by a 500", async () => {
    const { clock, kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    start();
    await waitFor(() => receiver.latest("api"), "first report");
    kube.failNext({ status: 500, count: 2, match: (r) => r.path.endsWith("/applications") });
    kube.dropAllWatches();
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await advanceUntil(clock, () => receiver.latest("api")?.phase === "healthy", "state after 500s", {
      stepMs: 250,
    });
  });
});

describe("agent: delivery", () => {
  it("retries while the app is unreachable and delivers the still-current state", async () => {
    const { clock, kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    await receiver.closeSocket();
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    const agent = start();
    await waitFor(() => agent.stats().requests >= 1, "first attempt");
    await advanceUntil(clock, () => agent.stats().requests >= 2, "a retry", { stepMs: 250 });
    await receiver.open();
    await advanceUntil(clock, () => receiver.latest("api"), "delivery after the app is back", {
      stepMs: 500,
    });
    expect(receiver.latest("api")).toMatchObject({ phase: "syncing", revision: R1 });
  });

  it("coalesces per object while the app answers 503: the latest state wins", async () => {
    const { clock, kube, receiver, start } = await setup({ healthyHoldMs: 0 });
    receiver.failWith = 503;
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    const agent = start();
    await waitFor(() => receiver.requests >= 1, "first attempt");
    kube.patchStatus(apps, "argocd", "api", argo.progressing(R1));
    kube.patchStatus(apps, "argocd", "api", argo.degraded(R1));
    kube.patchStatus(apps, "argocd", "api", argo.syncing(R2));
    kube.patchStatus(apps, "argocd", "api", argo.healthy(R2));
    await waitFor(() => agent.stats().queued === 5, "all states queued");
    expect(receiver.requests).toBe(1); // one request in flight per object, even while failing
    receiver.failWith = undefined;
    await advanceUntil(clock, () => receiver.latest("api"), "delivery", { stepMs: 500 });
    await agent.idle();
    expect(receiver.for("api").map((r) => [r.phase, r.revision])).toEqual([["healthy", R2]]);
    expect(agent.stats()).toMatchObject({ queued: 5, coalesced: 4, delivered: 1 });
  });
});

describe("agent: leader election", () => {
  it("reports from one leader only; the other takes over when the leader stops renewing", async () => {
    const { clock, kube, receiver, start } = await setup({
      healthyHoldMs: 0,
      leaderElection: true,
      leaseDurationMs: 15_000,
      leaseRetryPeriodMs: 2_000,
    });
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    const a = start({ identity: "agent-a" });
    await waitFor(() => a.isLeader, "a leads");
    const b = start({ identity: "agent-b" });
    await waitFor(() => receiver.latest("api"), "leader reports");
    await advanceUntil(
      clock,
      () => kube.requests.filter((r) => r.method === "GET" && r.path.includes("leases")).length >= 6,
      "renewals",
    );
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);

    kube.patchStatus(apps, "argocd", "api", argo.healthy(R1));
    await waitFor(() => receiver.latest("api")?.phase === "healthy", "healthy from the leader");
    expect(b.stats().requests).toBe(0);

    await a.stop({ release: false }); // a crash: the lease is left to expire
    const before = receiver.reports.length;
    await advanceUntil(clock, () => b.isLeader, "b takes over", { stepMs: 1000 });
    expect(kube.get(resources.leases, "ferry", "ferry-agent")?.spec).toMatchObject({
      holderIdentity: "agent-b",
      leaseTransitions: 1,
    });
    // The new leader resends the current state: it cannot know what a delivered.
    await waitFor(() => receiver.reports.length > before, "resend");
    expect(receiver.latest("api")).toMatchObject({ phase: "healthy" });
    expect(b.stats().requests).toBeGreaterThan(0);
  });

  it("hands over at once when the leader releases the lease on shutdown", async () => {
    const { clock, start, kube } = await setup({ leaderElection: true, leaseRetryPeriodMs: 2_000 });
    const a = start({ identity: "agent-a" });
    await waitFor(() => a.isLeader, "a leads");
    const b = start({ identity: "agent-b" });
    await a.stop();
    expect(kube.get(resources.leases, "ferry", "ferry-agent")?.spec).toMatchObject({ holderIdentity: "" });
    await advanceUntil(clock, () => b.isLeader, "b takes over", { stepMs: 500, maxMs: 4000 });
  });
});

describe("agent: attribution and refusals", () => {
  it("reports only objects it can attribute to an environment", async () => {
    const { kube, receiver, start } = await setup({ healthyHoldMs: 0, environment: undefined });
    kube.upsert(apps, argoApplication({ name: "annotated", environment: "qa", status: argo.syncing(R1) }));
    kube.upsert(apps, argoApplication({ name: "anonymous", status: argo.syncing(R1) }));
    const agent = start();
    await waitFor(() => receiver.latest("annotated"), "annotated object reported");
    await agent.idle();
    expect(receiver.reports.map((r) => [r.object.name, r.environment])).toEqual([["annotated", "qa"]]);
  });

  it("does not retry a report the app refuses as unauthenticated", async () => {
    const { clock, kube, receiver, start } = await setup({
      healthyHoldMs: 0,
      secret: "not-the-shared-secret",
    });
    kube.upsert(apps, argoApplication({ name: "api", status: argo.syncing(R1) }));
    const agent = start();
    await waitFor(() => agent.stats().rejected === 1, "refusal");
    clock.advance(60_000);
    await settle();
    expect(receiver.refusals).toEqual([
      { status: 401, reason: "signature does not match the cluster's secret" },
    ]);
    expect(agent.stats()).toMatchObject({ requests: 1, delivered: 0 });
  });
});
