/**
 * After a reconcile check has concluded for a commit: later reports at that commit during the
 * soak and after it (docs/agent.md, "After the verdict").
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/reports/report.js";
import { ferryYml, report, startWorld, until, type World } from "../reports/support.js";
import { argo, argoApplication } from "../support/kube/fixtures.js";
import { resources } from "../support/kube/server.js";

const apps = resources.applications;
let world: World;
afterEach(async () => {
  await world?.close();
});

const runs = (w: World, sha: string) =>
  w.stack.github.checkRuns("acme/deploy", sha).filter((c) => c.name === "Ferry / reconcile (staging)");
const verdicts = (w: World, sha: string) =>
  runs(w, sha).map((c) => (c.status === "completed" ? `completed:${c.conclusion}` : c.status));
const productionPrs = (w: World) =>
  w.stack.github.pulls("acme/deploy").filter((p) => p.head.ref === "ferry/production/api");
const healthIssues = (w: World) =>
  w.stack.github.issues("acme/deploy").filter((i) => i.title === "Unhealthy in staging");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let sequence = Date.now();
/** A report at `sha`, newer than every one before it. */
const at = (sha: string, over: Partial<Report> = {}) =>
  report({ revision: sha, sequence: ++sequence, ...over });
const progressing = { phase: "syncing", sync: "Synced", health: "Progressing" } as const;
const degraded = {
  phase: "degraded",
  health: "Degraded",
  message: 'Deployment "api" exceeded its progress deadline',
} as const;

describe("a concluded reconcile check", () => {
  it("stays concluded: a later Progressing at its revision does not reopen it", async () => {
    world = await startWorld(ferryYml({ soak: "1h" }));
    const sha = await world.mergeStaging();
    expect((await world.post(at(sha))).status).toBe(202);
    expect((await world.post(at(sha, progressing))).status).toBe(202);
    await world.stack.idle();
    expect(verdicts(world, sha)).toEqual(["completed:success"]);
    expect(world.check(sha)?.output.title).toBe("api 1.5.0 healthy in staging (staging-1)");
    // the table shows what the cluster said since; the verdict stands
    expect(world.check(sha)?.output.summary).toContain(
      "| Application argocd/api | syncing | Synced | Progressing |",
    );

    // a failure is not reopened either; only a healthy report replaces it
    const next = await world.mergeStaging("1.6.0");
    await world.post(at(next, degraded));
    await world.post(at(next, progressing));
    expect(verdicts(world, next)).toEqual(["completed:failure"]);
    expect(world.check(next)?.output.title).toBe("api 1.6.0 degraded in staging (staging-1)");
    await world.post(at(next));
    expect(verdicts(world, next)).toEqual(["completed:failure", "completed:success"]);
  });
});

describe("during the soak", () => {
  it("Degraded fails the soak, with the reason, in a new check run; no production PR opens", async () => {
    world = await startWorld(ferryYml({ soak: "400ms" }));
    const sha = await world.mergeStaging();
    await world.post(at(sha));
    expect(verdicts(world, sha)).toEqual(["completed:success"]);
    expect((await world.post(at(sha, degraded))).status).toBe(202);
    // a completed run is never rewritten to another conclusion: the new verdict is a new run
    expect(verdicts(world, sha)).toEqual(["completed:success", "completed:failure"]);
    const failed = world.check(sha);
    expect(failed?.output.title).toBe("api 1.5.0 degraded in staging (staging-1)");
    expect(failed?.output.summary).toContain(
      'Soak failed: Application argocd/api is degraded: Deployment "api" exceeded its progress deadline',
    );
    await sleep(600);
    await world.stack.idle();
    expect(productionPrs(world)).toHaveLength(0);

    // healthy again: a new success, and a new soak of its own
    await world.post(at(sha));
    expect(verdicts(world, sha)).toEqual(["completed:success", "completed:failure", "completed:success"]);
    expect(world.check(sha)?.output.summary).not.toContain("Soak failed");
    await until(() => productionPrs(world).length === 1, "the production PR after the new soak");
  });

  it("a Progressing blip shorter than PROGRESSING_GRACE does not interrupt it", async () => {
    world = await startWorld(ferryYml({ soak: "800ms" }));
    const sha = await world.mergeStaging();
    world.kube.upsert(
      apps,
      argoApplication({ name: "api", environment: "staging", status: argo.healthy(sha) }),
    );
    world.agent("staging-1", { progressingGraceMs: 5000 });
    await until(() => verdicts(world, sha).includes("completed:success"), "healthy");
    world.kube.patchStatus(apps, "argocd", "api", argo.progressing(sha)); // an autoscaler adds pods
    await sleep(100);
    world.kube.patchStatus(apps, "argocd", "api", argo.healthy(sha));
    await until(() => productionPrs(world).length === 1, "the production PR after the soak");
    expect(verdicts(world, sha)).toEqual(["completed:success"]);
    expect(world.check(sha)?.output.summary).not.toContain("Soak paused");
  });

  it("Progressing past PROGRESSING_GRACE pauses it; it resumes once healthy again", async () => {
    world = await startWorld(ferryYml({ soak: "600ms" }));
    const sha = await world.mergeStaging();
    world.kube.upsert(
      apps,
      argoApplication({ name: "api", environment: "staging", status: argo.healthy(sha) }),
    );
    world.agent("staging-1", { progressingGraceMs: 100 });
    await until(() => verdicts(world, sha).includes("completed:success"), "healthy");
    world.kube.patchStatus(apps, "argocd", "api", argo.progressing(sha)); // a rollout that hangs
    const paused = await until(
      () => world.check(sha)?.output.summary?.includes("Soak paused") && world.check(sha),
      "the soak paused",
    );
    expect(paused.output.summary).toContain("Application argocd/api is Progressing");
    await sleep(900); // well past the soak's end had it kept running
    await world.stack.idle();
    expect(productionPrs(world)).toHaveLength(0);
    expect(verdicts(world, sha)).toEqual(["completed:success"]);

    world.kube.patchStatus(apps, "argocd", "api", argo.healthy(sha));
    await until(() => productionPrs(world).length === 1, "the production PR once the soak ends");
    expect(verdicts(world, sha)).toEqual(["completed:success"]);
  });
});

describe("a restart during the soak", () => {
  it("goes on from the check's memo: the next report re-arms the soak, which then promotes", async () => {
    world = await startWorld(ferryYml({ soak: "700ms" }));
    const sha = await world.mergeStaging();
    const healthy = at(sha);
    await world.post(healthy);
    await world.stack.restart(); // the soak timer, a job of the in-process queue, is gone
    // the agent resends its state (e.g. a new leader): no change for the check
    const again = await world.post({
      ...healthy,
      sequence: ++sequence,
      observedAt: new Date().toISOString(),
    });
    expect(again.status).toBe(202); // no change for the check; its job re-arms the soak
    await until(() => productionPrs(world).length === 1, "the production PR after the soak");
    expect(verdicts(world, sha)).toEqual(["completed:success"]);
  });
});

describe("after the soak", () => {
  it("Degraded and Progressing go to the 'Unhealthy in <env>' issue; the verified check stands", async () => {
    world = await startWorld(ferryYml({ soak: "0s" }));
    const sha = await world.mergeStaging();
    await world.post(at(sha));
    await until(() => productionPrs(world).length === 1, "the production PR");

    expect((await world.post(at(sha, degraded))).status).toBe(202);
    const [issue] = healthIssues(world);
    expect(issue?.state).toBe("open");
    expect(issue?.labels).toContain("ferry:health");
    expect(issue?.body).toContain("Application argocd/api");
    expect(issue?.body).toContain('Deployment "api" exceeded its progress deadline');
    expect(verdicts(world, sha)).toEqual(["completed:success"]);

    await world.post(at(sha, progressing));
    expect(healthIssues(world)).toHaveLength(1);
    expect(healthIssues(world)[0]?.body).toContain("Progressing");
    expect(verdicts(world, sha)).toEqual(["completed:success"]);

    await world.post(at(sha));
    expect(healthIssues(world)[0]?.state).toBe("closed");
    const closed = healthIssues(world)[0]?.body ?? "";
    expect(closed).toContain(`✅ **staging** is healthy again at [${sha.slice(0, 7)}](`);
    // Closing keeps what was unhealthy, and a history line per change.
    expect(closed).toContain("Application argocd/api in staging-1");
    expect(
      closed
        .slice(closed.indexOf("### History"))
        .split("\n")
        .filter((l) => l.startsWith("- ")),
    ).toHaveLength(3);
    expect(verdicts(world, sha)).toEqual(["completed:success"]);
    await world.stack.idle();
    expect(productionPrs(world)).toHaveLength(1);
  });
});
