import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/reports/duration.js";
import {
  type EnvironmentRecord,
  queuedCheck,
  reconcileCheck,
  timeoutCheck,
} from "../../src/reports/reconcile-check.js";
import type { Report } from "../../src/reports/report.js";

const A = "a".repeat(40);
const B = "b".repeat(40);

function report(overrides: Partial<Report> = {}): Report {
  return {
    cluster: "stg-1",
    configRepo: "acme/deploy",
    environment: "staging",
    object: { kind: "Application", namespace: "argocd", name: "api" },
    revision: A,
    sync: "Synced",
    health: "Healthy",
    phase: "healthy",
    drifted: [],
    observedAt: "2026-11-02T10:00:00.000Z",
    sequence: 100,
    ...overrides,
  };
}

function recordOf(...reports: Report[]): EnvironmentRecord {
  let record: EnvironmentRecord | undefined;
  for (const r of reports) {
    const decision = reconcileCheck(r, record);
    if ("skip" in decision) throw new Error(decision.skip);
    record = decision.record;
  }
  return record as EnvironmentRecord;
}

describe("reconcileCheck", () => {
  const subject = { app: "api", tag: "1.5.0" };
  it.each([
    ["syncing", "OutOfSync", "Progressing", "in_progress", undefined, "api 1.5.0 syncing in staging (stg-1)"],
    ["healthy", "Synced", "Healthy", "completed", "success", "api 1.5.0 healthy in staging (stg-1)"],
    ["degraded", "Synced", "Degraded", "completed", "failure", "api 1.5.0 degraded in staging (stg-1)"],
    ["failed", "OutOfSync", "Healthy", "completed", "failure", "api 1.5.0 failed to sync in staging (stg-1)"],
    [
      "unknown",
      "Unknown",
      "Unknown",
      "in_progress",
      undefined,
      "api 1.5.0: status unknown in staging (stg-1)",
    ],
  ] as const)(
    "maps phase %s to a %s check titled with the app, tag, environment and cluster",
    (phase, sync, health, status, conclusion, title) => {
      const decision = reconcileCheck(report({ phase, sync, health }), undefined, { subject });
      expect(decision).toMatchObject({ name: "Ferry / reconcile (staging)", headSha: A, status, title });
      if ("skip" in decision) return;
      expect(decision.conclusion).toBe(conclusion);
      expect(decision.summary).toContain("| stg-1 | Application argocd/api |");
    },
  );

  it("names the commit when it knows no app and tag (a change merged by hand)", () => {
    expect(reconcileCheck(report(), undefined)).toMatchObject({
      title: "aaaaaaa healthy in staging (stg-1)",
    });
  });

  it("tells two clusters of one environment apart, in the title and in the table", () => {
    const decision = reconcileCheck(report({ cluster: "stg-2", sequence: 101 }), recordOf(report()), {
      subject,
    });
    if ("skip" in decision) throw new Error(decision.skip);
    expect(decision.title).toBe("api 1.5.0 healthy in staging (stg-1, stg-2)");
    expect(decision.summary).toContain("| stg-1 | Application argocd/api | healthy |");
    expect(decision.summary).toContain("| stg-2 | Application argocd/api | healthy |");
  });

  it("links the commit it reports on when it knows the repository's web URL", () => {
    const decision = reconcileCheck(report(), undefined, {
      subject,
      repoUrl: "https://github.com/acme/deploy",
    });
    if ("skip" in decision) throw new Error(decision.skip);
    expect(decision.summary.split("\n")[0]).toBe(
      `At [aaaaaaa](https://github.com/acme/deploy/commit/${A}), as reported by stg-1 at 2026-11-02 10:00 UTC.`,
    );
  });

  it.each([
    [1, "Drift in staging (stg-1): 1 resource differs from git"],
    [2, "Drift in staging (stg-1): 2 resources differ from git"],
  ])("says %i drifted resources in words that agree", (n, title) => {
    const drifted = [
      { group: "apps", kind: "Deployment", namespace: "api", name: "api" },
      { kind: "ConfigMap", namespace: "api", name: "api-config" },
    ].slice(0, n);
    const decision = reconcileCheck(
      report({ sequence: 101, phase: "drifted", sync: "OutOfSync", drifted }),
      recordOf(report()),
    );
    expect(decision).toMatchObject({ title });
  });

  it("names the app and tag of a drifted commit when the merged PR says them", () => {
    const drifted = [{ group: "apps", kind: "Deployment", namespace: "api", name: "api" }];
    const decision = reconcileCheck(
      report({ sequence: 101, phase: "drifted", sync: "OutOfSync", drifted }),
      recordOf(report()),
      { subject },
    );
    expect(decision).toMatchObject({
      title: `${subject.app} ${subject.tag} drifted in staging (stg-1): 1 resource differs from git`,
    });
  });

  it.each([
    [
      "no revision",
      undefined,
      "Not verified in staging (stg-1): healthy, no revision of acme/deploy reported",
    ],
    [
      "another repo's revision",
      B,
      "Not verified in staging (stg-1): healthy at bbbbbbb, which acme/deploy does not have",
    ],
  ] as const)(
    "never concludes a check on a commit the report is not about (%s)",
    (_name, revision, title) => {
      for (const phase of ["healthy", "failed", "degraded", "drifted"] as const) {
        const decision = reconcileCheck(report({ revision, phase }), undefined, {
          target: { repo: "acme/deploy", sha: A },
        });
        expect(decision).toMatchObject({ headSha: A, status: "in_progress" });
        expect(decision).not.toHaveProperty("conclusion");
      }
      const healthy = reconcileCheck(report({ revision }), undefined, {
        target: { repo: "acme/deploy", sha: A },
      });
      expect(healthy).toMatchObject({ title });
      if (!("skip" in healthy)) expect(healthy.summary).toContain("ferry.dev/config-repo");
      // the same report about the target commit concludes it
      expect(reconcileCheck(report(), undefined, { target: { repo: "acme/deploy", sha: A } })).toMatchObject({
        status: "completed",
        conclusion: "success",
      });
    },
  );

  it("fails on drift and lists the drifted resources", () => {
    const drifted = report({
      sequence: 101,
      phase: "drifted",
      sync: "OutOfSync",
      drifted: [
        { group: "apps", kind: "Deployment", namespace: "api", name: "api" },
        { kind: "ConfigMap", namespace: "api", name: "api-config" },
      ],
    });
    const decision = reconcileCheck(drifted, recordOf(report()));
    expect(decision).toMatchObject({
      status: "completed",
      conclusion: "failure",
      title: "Drift in staging (stg-1): 2 resources differ from git",
    });
    if ("skip" in decision) return;
    expect(decision.summary).toContain("- apps/Deployment api/api");
    expect(decision.summary).toContain("- ConfigMap api/api-config");
  });

  it("never lets an older report overwrite a newer one (by sequence)", () => {
    const previous = recordOf(report({ sequence: 200, phase: "degraded", health: "Degraded" }));
    expect(reconcileCheck(report({ sequence: 150 }), previous)).toEqual({
      skip: "older than the recorded state of Application argocd/api",
    });
  });

  it("orders by git when the app knows the revisions' order, whatever the sequence", () => {
    const previous = recordOf(report({ revision: B, sequence: 100 }));
    const compareRevisions = (a: string, b: string) => (a === A && b === B ? -1 : a === B && b === A ? 1 : 0);
    const older = report({ revision: A, sequence: 500, phase: "syncing", health: "Progressing" });
    expect(reconcileCheck(older, previous, { compareRevisions })).toHaveProperty("skip");
    expect(reconcileCheck(older, previous)).not.toHaveProperty("skip");
  });

  it("skips a report that changes nothing and a duplicate delivery", () => {
    const previous = recordOf(report());
    expect(reconcileCheck(report({ sequence: 101 }), previous)).toHaveProperty("skip");
    expect(reconcileCheck(report(), previous)).toHaveProperty("skip");
  });

  it("posts a failure with an unknown revision on the environment's latest commit (headSha undefined)", () => {
    const decision = reconcileCheck(
      report({ revision: undefined, phase: "failed", sync: "Unknown", message: "repository not found" }),
      undefined,
    );
    expect(decision).toMatchObject({ headSha: undefined, conclusion: "failure" });
    if ("skip" in decision) return;
    expect(decision.title).toBe("Sync failed in staging (stg-1) before a revision was known");
    expect(decision.summary).toContain("repository not found");
  });

  it("aggregates every object at the same revision: the worst one decides", () => {
    const web = { kind: "Application" as const, namespace: "argocd", name: "web" };
    const previous = recordOf(report({ object: web, phase: "syncing", health: "Progressing" }));
    const decision = reconcileCheck(report(), previous);
    expect(decision).toMatchObject({ status: "in_progress" });
    if ("skip" in decision) return;
    const done = reconcileCheck(report({ object: web, sequence: 300 }), decision.record);
    expect(done).toMatchObject({ status: "completed", conclusion: "success" });
  });
});

describe("queuedCheck and timeoutCheck", () => {
  it("queues at merge", () => {
    expect(queuedCheck("staging", A)).toMatchObject({
      name: "Ferry / reconcile (staging)",
      status: "queued",
      headSha: A,
      title: "Waiting for staging to sync aaaaaaa",
    });
    expect(queuedCheck("staging", A, { app: "api", tag: "1.5.0" }).title).toBe(
      "Waiting for staging to sync api 1.5.0 (aaaaaaa)",
    );
  });

  it("fails a check still open after reconcileTimeout, and says when it will be due otherwise", () => {
    const base = { environment: "staging", revision: A, startedAt: 0, timeout: "15m" };
    expect(timeoutCheck({ ...base, status: "in_progress", now: 14 * 60_000 })).toEqual({
      skip: "not yet due",
      dueAt: 900_000,
    });
    expect(timeoutCheck({ ...base, status: "queued", now: 15 * 60_000 })).toMatchObject({
      status: "completed",
      conclusion: "failure",
      title: "Not healthy in staging after 15m",
    });
    expect(
      timeoutCheck({ ...base, status: "queued", now: 15 * 60_000, subject: { app: "api", tag: "1.5.0" } }),
    ).toMatchObject({ title: "api 1.5.0 not healthy in staging after 15m" });
    expect(timeoutCheck({ ...base, status: "completed", now: 99 * 60_000 })).toHaveProperty("skip");
  });

  it("parses ferry.yml durations", () => {
    expect([parseDuration("500ms"), parseDuration("5s"), parseDuration("15m"), parseDuration("1h")]).toEqual([
      500, 5000, 900_000, 3_600_000,
    ]);
    expect(parseDuration("5 minutes")).toBeUndefined();
  });
});
