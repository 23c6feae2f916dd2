import { describe, expect, it } from "vitest";
import { formatDuration } from "../../src/reports/duration.js";
import { outcome, type Stage, soakNote, stageOf } from "../../src/reports/soak.js";

describe("stageOf", () => {
  const now = 1_000_000;
  it.each([
    [{ status: "queued" as const }, "open"],
    [{ status: "in_progress" as const }, "open"],
    [{ status: "completed" as const, conclusion: "failure" as const }, "failed"],
    [{ status: "completed" as const, conclusion: "success" as const }, "soaking"],
    [
      {
        status: "completed" as const,
        conclusion: "success" as const,
        soak: { state: "running" as const, dueAt: now + 1 },
      },
      "soaking",
    ],
    [
      {
        status: "completed" as const,
        conclusion: "success" as const,
        soak: { state: "paused" as const, left: 5 },
      },
      "paused",
    ],
    // time is up (e.g. read back after a restart before the timer ran), or promoted
    [
      {
        status: "completed" as const,
        conclusion: "success" as const,
        soak: { state: "running" as const, dueAt: now },
      },
      "verified",
    ],
    [
      { status: "completed" as const, conclusion: "success" as const, soak: { state: "done" as const } },
      "verified",
    ],
  ])("%o → %s", (check, stage) => {
    expect(stageOf(check, now)).toBe(stage);
  });
});

describe("outcome: stage × the worst phase at the commit", () => {
  const rows: [Stage, string, string, string, string][] = [
    // stage       healthy               syncing          degraded         drifted
    ["open", "conclude start", "conclude", "conclude", "conclude"],
    ["failed", "conclude start", "keep", "conclude", "conclude"],
    ["soaking", "keep", "keep pause", "conclude fail", "conclude fail"],
    ["paused", "keep resume", "keep", "conclude fail", "conclude fail"],
    ["verified", "keep", "keep", "keep", "conclude"],
  ];
  it.each(rows)("%s", (stage, healthy, syncing, degraded, drifted) => {
    const show = (phase: Parameters<typeof outcome>[1]) => {
      const o = outcome(stage, phase);
      return [o.conclude ? "conclude" : "keep", o.soak].filter(Boolean).join(" ");
    };
    expect([show("healthy"), show("syncing"), show("degraded"), show("drifted")]).toEqual([
      healthy,
      syncing,
      degraded,
      drifted,
    ]);
    // unknown is unsettled like syncing; a failed sync is unhealthy like degraded
    expect(outcome(stage, "unknown")).toEqual(outcome(stage, "syncing"));
    expect(outcome(stage, "failed")).toEqual(outcome(stage, "degraded"));
  });
});

describe("soak notes", () => {
  const object = {
    object: { kind: "Application" as const, namespace: "argocd", name: "api" },
    revision: "a".repeat(40),
    sync: "Synced" as const,
    health: "Degraded" as const,
    phase: "degraded" as const,
    message: "Deployment <b>api</b> exceeded\nits progress deadline",
    drifted: [],
    observedAt: "2026-11-02T10:00:00.000Z",
    sequence: 1,
  };
  it("say why, with the agent's message as plain text, and how long is left", () => {
    expect(soakNote("fail", { environment: "staging", object })).toBe(
      "### Promotion\nSoak failed: Application argocd/api is degraded: Deployment &lt;b&gt;api&lt;/b&gt; exceeded its progress deadline. Nothing is promoted from this commit.",
    );
    expect(soakNote("resume", { environment: "staging", left: 572_400 })).toContain("for another 9m 32s.");
  });

  it("formats durations as people read them", () => {
    expect([500, 45_000, 120_000, 3_600_000, 3_900_000].map(formatDuration)).toEqual([
      "500ms",
      "45s",
      "2m",
      "1h",
      "1h 5m",
    ]);
  });
});
