import { afterEach, describe, expect, it } from "vitest";
import { type Agent, startAgent } from "../../src/agent/agent.js";
import { agentHealth } from "../../src/agent/health.js";
import { startHealthServer } from "../../src/agent/health-server.js";
import { ReportReceiver } from "../support/kube/report-receiver.js";
import { KubeTestServer } from "../support/kube/server.js";
import { advanceUntil, FakeClock, waitFor } from "./helpers.js";

const limits = { informerFailureMs: 300_000, electionStallMs: 45_000 };
const election = { enabled: true, leader: true, lastAttemptAt: 1_000_000 };
const synced = { name: "applications", synced: true, failingSince: undefined };

describe("agentHealth", () => {
  it("is ready once every informer has listed, live unless a watch fails too long or the lease loop stalls", () => {
    const now = 1_000_000;
    expect(agentHealth([synced], election, limits, now)).toMatchObject({
      live: true,
      ready: true,
      leader: true,
    });
    const starting = agentHealth([{ ...synced, synced: false }], election, limits, now);
    expect(starting).toMatchObject({ live: true, ready: false, informers: { applications: "starting" } });
    const briefly = agentHealth([{ ...synced, failingSince: now - 60_000 }], election, limits, now);
    expect(briefly).toMatchObject({ live: true, ready: true, informers: { applications: "failing" } });
    const long = agentHealth([{ ...synced, failingSince: now - 301_000 }], election, limits, now);
    expect(long).toMatchObject({
      live: false,
      ready: false,
      problems: ["applications: watch failing for 301s"],
    });
    const stalled = agentHealth([synced], { ...election, lastAttemptAt: now - 46_000 }, limits, now);
    expect(stalled).toMatchObject({ live: false, problems: ["leader election: no lease attempt for 46s"] });
    const single = agentHealth([synced], { enabled: false, leader: true, lastAttemptAt: 0 }, limits, now);
    expect(single.live).toBe(true);
  });
});

describe("the agent's probes", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("answer 503 before the first list, 200 once synced and leading, 503 on /healthz after a watch fails for 5 minutes", async () => {
    const clock = new FakeClock();
    const kube = await KubeTestServer.start();
    const receiver = await ReportReceiver.start({ "stg-1": "stg-1-shared-secret-0123" });
    kube.failNext({ status: 500, count: 1, match: (r) => r.path.includes("/applications") });
    const agent: Agent = startAgent({
      ferryUrl: receiver.url,
      cluster: "stg-1",
      secret: "stg-1-shared-secret-0123",
      kubeconfig: kube.kubeconfig(),
      namespace: "ferry",
      identity: "agent-a",
      informerBackoff: { baseMs: 1000, maxMs: 8000 },
      random: () => 1,
      clock,
      watch: ["applications"],
    });
    const probes = await startHealthServer({ port: 0, host: "127.0.0.1", health: () => agent.health() });
    cleanups.push(
      () => kube.close(),
      () => receiver.close(),
      () => agent.stop(),
      () => probes.close(),
    );
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${probes.port}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    // The first list failed: not ready, still live (a brief failure is no reason to restart).
    await waitFor(() => agent.health().informers.applications === "failing", "the failed list");
    expect((await get("/readyz")).status).toBe(503);
    expect((await get("/healthz")).status).toBe(200);

    await advanceUntil(clock, () => agent.health().ready && agent.isLeader, "synced and leading");
    expect(await get("/readyz")).toMatchObject({
      status: 200,
      body: { leader: true, informers: { applications: "synced" } },
    });

    // The API server starts failing every list: after 5 minutes the liveness probe asks for a restart.
    kube.failNext({ status: 500, count: 10_000, match: (r) => r.path.includes("/applications") });
    kube.dropAllWatches();
    await waitFor(() => agent.health().informers.applications === "failing", "the failing watch");
    await advanceUntil(clock, () => !agent.health().live, "liveness failing", {
      stepMs: 5000,
      maxMs: 400_000,
    });
    const unhealthy = await get("/healthz");
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.body.problems).toEqual([
      expect.stringMatching(/^applications: watch failing for \d+s$/),
    ]);
  });
});
