import { afterEach, describe, expect, it, vi } from "vitest";
import { ferryYml, report, startWorld, until, type World } from "../reports/support.js";
import {
  argo,
  argoApplication,
  argoStatus,
  kustomization as flux,
  fluxKustomization,
} from "../support/kube/fixtures.js";
import { resources } from "../support/kube/server.js";
import { kustomization } from "./fixtures.js";

const apps = resources.applications;
const ks = resources.kustomizations;
let world: World;
afterEach(async () => {
  await world?.close();
});

const statusOf = (w: World, sha: string, env = "staging") => {
  const c = w.check(sha, env);
  return c && (c.status === "completed" ? `completed:${c.conclusion}` : c.status);
};
const waitStatus = (w: World, sha: string, want: string, env = "staging") =>
  until(
    () => statusOf(w, sha, env) === want && w.check(sha, env),
    `${env} check ${want} on ${sha.slice(0, 7)}`,
  );
/** Every `Ferry / reconcile (<env>)` run on a commit, oldest first: the check's history. */
const runs = (w: World, sha: string, env = "staging") =>
  w.stack.github.checkRuns("acme/deploy", sha).filter((c) => c.name === `Ferry / reconcile (${env})`);
const ferryPrs = (w: World, env: string) =>
  w.stack.github.pulls("acme/deploy").filter((p) => p.state === "open" && p.head.ref === `ferry/${env}/api`);

describe("reconcile checks from the real agent", () => {
  it("Argo CD: merge → queued, syncing → in_progress, healthy → success; the production PR opens", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging("1.5.0");
    const queued = await waitStatus(world, sha, "queued");
    expect(queued.output.title).toBe(`Waiting for staging to sync api 1.5.0 (${sha.slice(0, 7)})`);

    world.kube.upsert(
      apps,
      argoApplication({ name: "api", environment: "staging", status: argo.syncing(sha) }),
    );
    world.agent();
    const syncing = await waitStatus(world, sha, "in_progress");
    expect(syncing.output.title).toBe("api 1.5.0 syncing in staging (staging-1)");
    expect(syncing.output.summary).toContain(
      "| staging-1 | Application argocd/api | syncing | OutOfSync | Progressing |",
    );
    expect(ferryPrs(world, "production")).toHaveLength(0);

    world.kube.patchStatus(apps, "argocd", "api", argo.progressing(sha));
    await until(
      () => world.check(sha)?.output.summary?.includes("| Synced | Progressing |"),
      "progressing row",
    );
    world.kube.patchStatus(apps, "argocd", "api", argo.healthy(sha));
    const healthy = await waitStatus(world, sha, "completed:success");
    // The title names the app, the tag, the environment and the cluster.
    expect(healthy.output.title).toBe("api 1.5.0 healthy in staging (staging-1)");
    // one run per commit, updated in place; the memo that rebuilds the record rides along hidden
    expect(world.stack.github.checkRuns("acme/deploy", sha)).toHaveLength(1);
    expect(healthy.output.text).toMatch(/^<!-- ferry:reconcile \{.*"phase":"healthy".*\} -->$/s);

    const [prod] = await until(
      () => ferryPrs(world, "production").length === 1 && ferryPrs(world, "production"),
      "production PR",
    );
    await world.stack.idle();
    expect(prod?.title).toBe("Promote api 1.5.0 to production");
    // the healthy check says what the chain did
    expect(world.check(sha)?.output.summary).toContain(
      `- api \`1.5.0\` → **production**: Ferry opened [#${prod?.number}](`,
    );
    // The production PR leads with the evidence: the check, the commit and the staging PR, linked.
    const web = `http://${world.stack.github.host}/acme/deploy`;
    const staging = world.stack.github.pulls("acme/deploy").find((p) => p.head.ref === "ferry/staging/api");
    const run = world.check(sha);
    expect(prod?.body?.split("\n")[0]).toBe(
      `✅ **1.5.0 ran healthy in staging**: [Ferry / reconcile (staging)](${web}/runs/${run?.id}) passed on [${sha.slice(0, 7)}](${web}/commit/${sha}), deployed by [#${staging?.number}](${web}/pull/${staging?.number}).`,
    );
    expect(prod?.body).toContain("| `overlays/production/kustomization.yaml` | 8 | `1.4.1` | `1.5.0` |");
    // digest and build time come from the merged staging PR's marker
    expect(prod?.body).toContain(`"digest":"sha256:${"d".repeat(64)}"`);
    expect(
      world.stack.github.readFile(
        "acme/deploy",
        "ferry/production/api",
        "overlays/production/kustomization.yaml",
      ),
    ).toBe(kustomization("1.5.0"));
  });

  it("the production PR carries on the source's links: the changes from the running tag, and the release notes", async () => {
    world = await startWorld();
    world.stack.github.createRelease("acme/api", {
      tag: "1.5.0",
      body: "## What's new\n- faster start-up, thanks @bob (#12)",
    });
    const sha = await world.mergeStaging("1.5.0");
    expect((await world.post(report({ revision: sha }))).status).toBe(202);
    const [prod] = await until(
      () => ferryPrs(world, "production").length === 1 && ferryPrs(world, "production"),
      "production PR",
    );
    const body = prod?.body ?? "";
    expect(body).toContain("Changes: [1.4.1 → 1.5.0](https://github.example/acme/api/compare/1.4.1...1.5.0)");
    expect(body).toContain("<details><summary>Release notes for 1.5.0</summary>");
    expect(body).toContain("- faster start-up, thanks @bob (#12)\n```");
  });

  it("Argo CD: degraded and failed syncs fail the check with the controller's message", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging();
    world.kube.upsert(
      apps,
      argoApplication({ name: "api", environment: "staging", status: argo.syncing(sha) }),
    );
    world.agent();
    await waitStatus(world, sha, "in_progress");
    world.kube.patchStatus(apps, "argocd", "api", argo.degraded(sha));
    const degraded = await waitStatus(world, sha, "completed:failure");
    expect(degraded.output.title).toBe("api 1.5.0 degraded in staging (staging-1)");
    expect(degraded.output.summary).toContain('Deployment "api" exceeded its progress deadline');

    world.kube.patchStatus(apps, "argocd", "api", argo.failed(sha));
    await until(
      () => world.check(sha)?.output.title === "api 1.5.0 failed to sync in staging (staging-1)",
      "failed title",
    );
    expect(world.check(sha)?.output.summary).toContain("one or more objects failed to apply");
    expect(ferryPrs(world, "production")).toHaveLength(0);
  });

  it("Flux: reconciling → in_progress, Ready → success; HealthCheckFailed and BuildFailed after it → the health issue", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging("1.5.0-rc.1"); // a prerelease: production's tag rules refuse the chain
    world.kube.upsert(
      ks,
      fluxKustomization({
        name: "apps",
        environment: "staging",
        configRepo: "acme/deploy",
        status: flux.reconciling(sha),
      }),
    );
    world.agent();
    await waitStatus(world, sha, "in_progress");
    world.kube.patchStatus(ks, "flux-system", "apps", flux.ready(sha));
    const ready = await waitStatus(world, sha, "completed:success");
    expect(ready.output.summary).toContain("| Kustomization flux-system/apps | healthy | Synced | Healthy |");
    await world.stack.idle();
    expect(ferryPrs(world, "production")).toHaveLength(0);
    const note = await until(
      () => world.check(sha)?.output.summary?.split("### Promotion")[1],
      "promotion note",
    );
    expect(note).toContain("- api `1.5.0-rc.1` → **production**: no new PR; ");
    expect(note).toContain("prerelease");

    // After the soak (0s here) the verdict stands; later failures go to the health issue.
    const healthIssue = () =>
      world.stack.github.issues("acme/deploy").find((i) => i.title === "Unhealthy in staging");
    world.kube.patchStatus(ks, "flux-system", "apps", flux.healthCheckFailed(sha));
    await until(() => healthIssue()?.body?.includes("Degraded (degraded)"), "health check failure");
    world.kube.patchStatus(ks, "flux-system", "apps", flux.buildFailed(sha, sha));
    await until(() => healthIssue()?.body?.includes("kustomize build failed"), "build failure");
    expect(statusOf(world, sha)).toBe("completed:success");
    expect(world.check(sha)?.output.summary).toContain("| Kustomization flux-system/apps | failed |");
  });

  it("Argo CD source hydrator: the check goes on the dry commit Ferry merged, not the hydrated one", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging();
    const hydrated = "c".repeat(40); // the commit the hydrator wrote to environments/staging
    const sourceHydrator = {
      drySource: {
        repoURL: "https://github.com/acme/deploy.git",
        targetRevision: "main",
        path: "overlays/staging",
      },
      syncSource: { targetBranch: "environments/staging", path: "overlays/staging" },
    };
    world.kube.upsert(
      apps,
      argoApplication({
        name: "api",
        environment: "staging",
        sourceHydrator,
        status: argoStatus({
          sync: "Synced",
          revision: hydrated,
          health: "Healthy",
          operation: { phase: "Succeeded", revision: hydrated },
          hydrator: {
            spec: sourceHydrator,
            current: { phase: "Hydrated", drySHA: sha, hydratedSHA: hydrated },
            lastSuccessful: { drySHA: sha, hydratedSHA: hydrated },
          },
        }),
      }),
    );
    world.agent();
    const healthy = await waitStatus(world, sha, "completed:success");
    expect(healthy.output.title).toBe("api 1.5.0 healthy in staging (staging-1)");
    expect(healthy.output.summary).toContain(`[${sha.slice(0, 7)}](`);
  });

  it("drift opens one issue, updates it as the drift changes and closes it when back in sync", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging();
    world.kube.upsert(
      apps,
      argoApplication({ name: "api", environment: "staging", status: argo.healthy(sha) }),
    );
    world.agent("staging-1", { argoCdUrl: "https://argocd.acme.test/" });
    await waitStatus(world, sha, "completed:success");
    const driftIssues = () =>
      world.stack.github.issues("acme/deploy").filter((i) => i.title === "Drift in staging");

    world.kube.patchStatus(apps, "argocd", "api", argo.drifted(sha, ["Deployment/api"]));
    const [issue] = await until(() => driftIssues().length === 1 && driftIssues(), "drift issue");
    expect(issue?.state).toBe("open");
    expect(issue?.labels).toContain("ferry:drift");
    expect(issue?.body).toContain("- apps/Deployment api/api");
    const web = `http://${world.stack.github.host}/acme/deploy`;
    expect(issue?.body).toContain(
      `### Application argocd/api in staging-1 at [${sha.slice(0, 7)}](${web}/commit/${sha})`,
    );
    expect(issue?.body).toMatch(
      new RegExp(
        `Detected \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC · \\[Ferry / reconcile \\(staging\\)\\]\\(${web}/runs/\\d+\\) · \\[Open in Argo CD\\]\\(https://argocd\\.acme\\.test/applications/argocd/api\\)`,
      ),
    );
    const drifted = await waitStatus(world, sha, "completed:failure");
    expect(drifted.output.title).toBe(
      "api 1.5.0 drifted in staging (staging-1): 1 resource differs from git",
    );
    expect(drifted.output.summary).toContain("- apps/Deployment api/api");
    // What the chain did is information about a healthy environment: not shown on the drift failure.
    expect(drifted.output.summary).not.toContain("### Promotion");

    world.kube.patchStatus(
      apps,
      "argocd",
      "api",
      argo.drifted(sha, ["Deployment/api", "ConfigMap/api-config"]),
    );
    await until(() => driftIssues()[0]?.body?.includes("ConfigMap api/api-config"), "issue updated");
    expect(driftIssues()).toHaveLength(1);

    world.kube.patchStatus(apps, "argocd", "api", argo.healthy(sha));
    await until(() => driftIssues()[0]?.state === "closed", "issue closed");
    expect(driftIssues()).toHaveLength(1);
    expect(statusOf(world, sha)).toBe("completed:success");
    const closed = driftIssues()[0]?.body ?? "";
    // Closing keeps the list of what drifted, and its history, with the resolution appended.
    expect(closed).toContain("- apps/Deployment api/api");
    expect(closed).toContain("- ConfigMap api/api-config");
    const history = closed
      .slice(closed.indexOf("### History"))
      .split("\n")
      .filter((l) => l.startsWith("- "));
    expect(history).toHaveLength(3);
    expect(history[0]).toMatch(/1 resource differs from git in staging-1/);
    expect(history[1]).toMatch(/2 resources differ from git in staging-1/);
    expect(history[2]).toContain(
      `✅ **staging** is back in sync with git at [${sha.slice(0, 7)}](${web}/commit/${sha})`,
    );
    // each verdict is its own run: healthy, drifted (updated in place as the drift grew), healthy
    expect(runs(world, sha).map((r) => [r.conclusion, r.output.title])).toEqual([
      ["success", "api 1.5.0 healthy in staging (staging-1)"],
      ["failure", "api 1.5.0 drifted in staging (staging-1): 2 resources differ from git"],
      ["success", "api 1.5.0 healthy in staging (staging-1)"],
    ]);
  });

  // Octokit paces issue creation 3 s apart (its notifications group), each retry included: 6 tries.
  it("GitHub failing while opening the drift issue: the report's job retries later and opens it once", {
    timeout: 60_000,
  }, async () => {
    world = await startWorld();
    const sha = await world.mergeStaging();
    const drifted = [{ group: "apps", kind: "Deployment", namespace: "api", name: "api" }];
    const drift = report({ revision: sha, sync: "OutOfSync", phase: "drifted", drifted });
    // More 502s than Octokit retries within one run of the job (1 + 3).
    world.stack.github.failNext({ path: "POST /repos/{owner}/{repo}/issues", status: 502, times: 5 });
    expect((await world.post(drift)).status).toBe(202);
    expect(world.stack.github.requests.filter((r) => r.injected)).toHaveLength(5);
    expect(
      world.stack.github.issues("acme/deploy").filter((i) => i.title === "Drift in staging"),
    ).toHaveLength(1);
  });

  it("an early sync error with no revision shows on the latest merged Ferry commit without concluding it", async () => {
    world = await startWorld(ferryYml({ reconcileTimeout: "1500ms" }));
    const sha = await world.mergeStaging();
    world.kube.upsert(
      apps,
      argoApplication({
        name: "api",
        environment: "staging",
        status: argoStatus({
          sync: "Unknown",
          health: "Missing",
          operation: { phase: "Error", message: "rpc error: repository not accessible" },
        }),
      }),
    );
    const agent = world.agent();
    await until(() => world.check(sha)?.output.summary?.includes("repository not accessible"), "the error");
    await agent.idle();
    const shown = world.check(sha);
    expect(shown?.status).toBe("in_progress");
    expect(shown?.output.title).toBe(
      "Not verified in staging (staging-1): sync failed, no revision of acme/deploy reported",
    );
    // the check ends by the reconcile timeout, never on a state that was not about this commit
    const timedOut = await waitStatus(world, sha, "completed:failure");
    expect(timedOut.output.title).toBe("api 1.5.0 not healthy in staging after 1500ms");
  });

  it("a multi-source Application with no config-repo annotation never turns the latest merge green", async () => {
    world = await startWorld(ferryYml(), { FERRY_DEFAULT_CONFIG_REPO: "acme/deploy" });
    const sha = await world.mergeStaging();
    const platformRev = "e".repeat(40); // a commit of another repository
    const sources = [
      { repoURL: "https://github.com/acme/platform.git", path: "addons", targetRevision: "main" },
      { repoURL: "https://github.com/acme/deploy.git", path: "overlays/staging", targetRevision: "main" },
    ];
    world.kube.upsert(
      apps,
      argoApplication({
        name: "api",
        environment: "staging",
        sources,
        status: argo.multiSource(sources, [platformRev, sha]),
      }),
    );
    const unsure = world.agent();
    await until(() => world.check(sha)?.status !== "queued", "the agent's report");
    await unsure.idle();
    await world.stack.idle();
    expect(statusOf(world, sha)).toBe("in_progress");
    expect(world.check(sha)?.output.title).toBe(
      "Not verified in staging (staging-1): healthy, no revision of acme/deploy reported",
    );
    expect(world.check(sha)?.output.summary).toContain("ferry.dev/config-repo");
    expect(ferryPrs(world, "production")).toHaveLength(0);

    // Told which repository is the config repo, the agent reports the matching source's commit.
    await unsure.stop();
    world.agent("staging-1", { configRepo: "acme/deploy" });
    const healthy = await waitStatus(world, sha, "completed:success");
    expect(healthy.output.title).toBe("api 1.5.0 healthy in staging (staging-1)");
    expect(healthy.output.summary).toContain(`[${sha.slice(0, 7)}](`);
  });

  it("a queued check that never turns healthy fails after reconcileTimeout", async () => {
    world = await startWorld(ferryYml({ reconcileTimeout: "300ms" }));
    const sha = await world.mergeStaging();
    await waitStatus(world, sha, "queued");
    const timedOut = await waitStatus(world, sha, "completed:failure");
    expect(timedOut.output.title).toBe("api 1.5.0 not healthy in staging after 300ms");
    // a late syncing report does not reopen it; a final answer replaces it
    expect(
      (
        await world.post(
          report({ revision: sha, phase: "syncing", sync: "OutOfSync", health: "Progressing" }),
        )
      ).status,
    ).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:failure");
    expect((await world.post(report({ revision: sha }))).status).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:success");
    // the timed-out verdict stays readable as the run before the healthy one
    expect(runs(world, sha).map((r) => [r.conclusion, r.output.title])).toEqual([
      ["failure", "api 1.5.0 not healthy in staging after 300ms"],
      ["success", "api 1.5.0 healthy in staging (staging-1)"],
    ]);
  });

  it("a timeout is re-armed from the check's memo after a restart", async () => {
    world = await startWorld(ferryYml({ reconcileTimeout: "5m" }));
    const sha = await world.mergeStaging();
    const queued = await waitStatus(world, sha, "queued");
    const queuedAt = queued.started_at;
    expect(queuedAt).toBeTruthy();
    await world.stack.restart(); // the in-memory timer is gone
    // GitHub is the database: say in the check's memo that the merge was six minutes ago
    const memo = /<!-- ferry:reconcile (\{.*\}) -->/s.exec(queued.output.text ?? "")?.[1] ?? "{}";
    const text = JSON.stringify({ ...JSON.parse(memo), startedAt: Date.now() - 6 * 60_000 });
    queued.output.text = `<!-- ferry:reconcile ${text} -->`;
    const syncing = report({ revision: sha, phase: "syncing", sync: "OutOfSync", health: "Progressing" });
    expect((await world.post(syncing)).status).toBe(202);
    // counted from the memo's start, the 5 minutes are over: it fails now, not 5 minutes from the restart
    const timedOut = await waitStatus(world, sha, "completed:failure");
    expect(timedOut.output.title).toBe("api 1.5.0 not healthy in staging after 5m");
    // the run Ferry started at the merge, concluded: not a new one from the restart
    expect(timedOut.id).toBe(queued.id);
    expect(timedOut.started_at).toBe(queuedAt);
  });

  it("a revision the config repo does not have shows on the latest merged Ferry commit, never as success", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging();
    const foreign = "f".repeat(40);
    const answer = await world.post(report({ revision: foreign }));
    expect(answer.status).toBe(202);
    await world.stack.idle();
    expect(statusOf(world, sha)).toBe("in_progress");
    expect(world.check(sha)?.output.title).toBe(
      "Not verified in staging (staging-1): healthy at fffffff, which acme/deploy does not have",
    );
    expect(ferryPrs(world, "production")).toHaveLength(0);
    // a failure at an unknown revision is shown, but not concluded on this commit either
    await world.post(
      report({
        revision: foreign,
        phase: "failed",
        sync: "OutOfSync",
        message: "boom",
        sequence: Date.now() + 1,
      }),
    );
    expect(statusOf(world, sha)).toBe("in_progress");
    expect(world.check(sha)?.output.title).toBe(
      "Not verified in staging (staging-1): sync failed at fffffff, which acme/deploy does not have",
    );
    // the real commit's report concludes it
    expect((await world.post(report({ revision: sha, sequence: Date.now() + 2 }))).status).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:success");
    // and another object's report about no commit of the repo leaves that conclusion alone
    const other = { kind: "Application" as const, namespace: "argocd", name: "web" };
    const answer2 = await world.post(report({ object: other, phase: "degraded", health: "Degraded" }));
    expect(answer2.status).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:success");
  });

  it("soak: the production PR opens only after staging has stayed healthy for the soak", async () => {
    world = await startWorld(ferryYml({ soak: "400ms" }));
    const sha = await world.mergeStaging();
    await world.stack.idle(); // the merge's own webhooks (the queued check) come first
    const reads = () => world.stack.github.requests.filter((r) => r.graphqlOperation === "FerryPair").length;
    const before = reads();
    expect((await world.post(report({ revision: sha }))).status).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:success");
    // answered healthy, and promotion left to the soak timer: nothing read or opened yet
    expect(reads()).toBe(before);
    expect(ferryPrs(world, "production")).toHaveLength(0);
    await until(() => ferryPrs(world, "production").length === 1, "production PR after the soak");
    // a repeated healthy report (e.g. after an agent restart) is no new transition: nothing to promote
    const afterFirst = reads();
    expect(
      (await world.post(report({ revision: sha, sequence: Date.now() + 5, health: "Healthy" }))).status,
    ).toBe(202);
    await world.stack.idle();
    expect(reads()).toBe(afterFirst);
    expect(
      world.stack.github.pulls("acme/deploy").filter((p) => p.head.ref === "ferry/production/api"),
    ).toHaveLength(1);
  });
});

describe("report authentication and ordering", () => {
  const noGitHubCalls = (w: World) => w.stack.github.requests.filter((r) => !r.path.startsWith("/app"));

  it("refuses forged (401), stale (401), unknown-cluster (403), malformed (400) and replayed (409) reports, logging each", async () => {
    world = await startWorld();
    const sha = world.stack.github.resolve("acme/deploy", "main") as string;
    const warn = vi.spyOn(world.stack.ferry.probot.log, "warn");
    world.stack.github.resetRequests();

    const forged = await world.post(report({ revision: sha }), { secret: "not-the-cluster-secret-000" });
    expect(forged.status).toBe(401);
    const stale = await world.post(report({ revision: sha }), { at: Date.now() - 6 * 60_000 });
    expect(stale.status).toBe(401);
    const unknown = await world.post(report({ cluster: "rogue-1", revision: sha }), {
      secret: "rogue-secret-0123456789",
    });
    expect(unknown.status).toBe(403);
    const malformed = await world.post({ ...report(), phase: "exploded" } as never);
    expect(malformed.status).toBe(400);
    expect(noGitHubCalls(world)).toEqual([]);
    const reasons = warn.mock.calls.map((c) => String(c[1]));
    expect(reasons).toEqual([
      "report refused (401): signature does not match the cluster's secret",
      "report refused (401): timestamp is older than 5 minutes",
      'report refused (403): unknown cluster "rogue-1"',
      expect.stringMatching(/^report refused \(400\): invalid report: phase/),
    ]);

    // a cluster with a secret but not allowed this environment by ferry.yml
    const wrongEnv = await world.post(report({ environment: "production", revision: sha }));
    expect(wrongEnv.status).toBe(403);

    const body = JSON.stringify(report({ revision: sha }));
    const { signedHeaders } = await import("../../src/reports/signature.js");
    const headers = signedHeaders("staging-1-secret-0123456789", body, Date.now());
    const send = () => fetch(`${world.stack.ferry.url}/ferry/v1/reports`, { method: "POST", headers, body });
    expect((await send()).status).toBe(202);
    const replayed = await send();
    expect(replayed.status).toBe(409);
    expect(String(warn.mock.calls.at(-1)?.[1])).toBe(
      "report refused (409): report already received (replay)",
    );
  });

  it("an older report never overwrites a newer state", async () => {
    world = await startWorld(ferryYml({ soak: "1h" }));
    const older = world.stack.github.resolve("acme/deploy", "main") as string;
    const sha = await world.mergeStaging();
    const seq = Date.now();
    expect((await world.post(report({ revision: sha, sequence: seq + 7 }))).status).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:success");
    // warm: a changed report costs one request (the check update; Progressing pauses the soak)
    await world.stack.idle(); // the production PR the chain opened has its own checks
    world.stack.github.resetRequests();
    const progressing = {
      revision: sha,
      sequence: seq + 8,
      phase: "syncing",
      health: "Progressing",
    } as const;
    expect((await world.post(report(progressing))).status).toBe(202);
    // (other handlers may still be reading; only the report's own requests are counted)
    const own = world.stack.github.requests.filter(
      (r) =>
        r.method !== "GET" ||
        r.query.includes("check_name") ||
        r.route === "GET /repos/{owner}/{repo}/commits/{ref}",
    );
    // the verdict stands (Progressing pauses the soak): the same run, its output rewritten
    expect(own.map((r) => r.route)).toEqual(["PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"]);
    expect(runs(world, sha).map((r) => `${r.status}:${r.conclusion}`)).toEqual(["completed:success"]);
    expect((await world.post(report({ revision: sha, sequence: seq + 10 }))).status).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:success");
    const late = await world.post(
      report({
        revision: sha,
        sequence: seq + 5,
        phase: "syncing",
        sync: "OutOfSync",
        health: "Progressing",
      }),
    );
    expect(late.status).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:success");

    // a report about an older commit arriving after the newer one is recorded
    world.stack.github.resetRequests();
    const stale = await world.post(
      report({ revision: older, sequence: seq + 20, phase: "degraded", health: "Degraded" }),
    );
    expect(stale.status).toBe(202);
    expect(world.check(older)).toBeUndefined();
    expect(world.stack.github.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("after a restart the record is read back from the check run: a duplicate is skipped, drift still closes", async () => {
    world = await startWorld();
    const sha = await world.mergeStaging();
    const seq = Date.now();
    expect((await world.post(report({ revision: sha, sequence: seq }))).status).toBe(202);
    const drifted = [{ group: "apps", kind: "Deployment", namespace: "api", name: "api" }];
    const drift = report({ revision: sha, sequence: seq + 1, sync: "OutOfSync", phase: "drifted", drifted });
    expect((await world.post(drift)).status).toBe(202);
    expect(
      world.stack.github
        .issues("acme/deploy")
        .filter((i) => i.state === "open" && i.labels.includes("ferry:drift")),
    ).toHaveLength(1);

    await world.stack.restart();
    world.stack.github.resetRequests();
    const again = await world.post({ ...drift, observedAt: new Date().toISOString() });
    expect(again.status).toBe(202);
    const writes = world.stack.github.requests.filter(
      (r) => r.method !== "GET" && !r.path.startsWith("/app"),
    );
    expect(writes).toEqual([]);

    expect((await world.post(report({ revision: sha, sequence: seq + 2 }))).status).toBe(202);
    expect(statusOf(world, sha)).toBe("completed:success");
    expect(
      world.stack.github
        .issues("acme/deploy")
        .filter((i) => i.state === "open" && i.labels.includes("ferry:drift")),
    ).toHaveLength(0);
  });
});
