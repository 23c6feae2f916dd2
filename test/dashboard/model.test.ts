import { describe, expect, it } from "vitest";
import { dashboardModel } from "../../src/dashboard/model.js";
import { config, facts, merged, overlays, run } from "./support.js";

const now = new Date("2026-11-23T10:05:00Z");

describe("dashboard model", () => {
  it("reads what each environment runs, the merge that brought it, and the open Ferry PR", () => {
    const brought = merged(
      { app: "api", env: "staging", tag: "1.5.0", from: "1.4.1" },
      "2026-11-23T09:00:00Z",
    );
    const model = dashboardModel(
      config(),
      facts({
        pairs: [
          {
            env: "staging",
            app: "api",
            merged: [brought],
            open: {
              number: 3,
              url: "u",
              body: '<!-- ferry:v1 {"app":"api","env":"staging","tag":"1.6.0","builtAt":"x"} -->',
            },
          },
          { env: "production", app: "api", merged: [] },
        ],
      }),
      now,
    );
    expect(model.apps[0]?.cells.staging).toEqual({
      pins: [{ tag: "1.5.0" }],
      commit: brought.mergeCommit,
      since: "2026-11-23T09:00:00Z",
      openPr: { number: 3, url: "u", tag: "1.6.0", rollback: false },
    });
    expect(model.apps[0]?.cells.production).toEqual({ pins: [{ tag: "1.4.1" }] });
  });

  it("lists several pins as they are, and none when the image is not found", () => {
    const files = [
      ...overlays({ staging: "1.5.0" }),
      { path: "overlays/staging/other.yaml", text: "image: ghcr.io/acme/api:1.5.1\n" },
    ];
    const model = dashboardModel(config(), facts({ files }), now);
    expect(model.apps[0]?.cells.staging?.pins).toEqual([{ tag: "1.5.0" }, { tag: "1.5.1" }]);
    expect(model.apps[0]?.cells.production?.pins).toEqual([]);
  });

  it("leaves out the environments an app does not go through", () => {
    const model = dashboardModel(
      config([{ name: "api", image: "ghcr.io/acme/api", environments: ["staging"] }]),
      facts(),
      now,
    );
    expect(Object.keys(model.apps[0]?.cells ?? {})).toEqual(["staging"]);
  });

  it.each([
    [{ status: "queued" as const, conclusion: undefined }, "waiting"],
    [{ status: "in_progress" as const, conclusion: undefined }, "syncing"],
    [{ status: "completed" as const, conclusion: "success" }, "healthy"],
    [{ status: "completed" as const, conclusion: "failure" }, "failed"],
  ])("names the phase of a check without a memo: %o → %s", (over, phase) => {
    const model = dashboardModel(config(), facts({ checks: [run({ env: "staging", ...over })] }), now);
    expect(model.environments[0]?.health?.phase).toBe(phase);
  });

  it("takes sync, health and the worst phase from the memo's objects at the check's commit", () => {
    const object = (
      name: string,
      phase: string,
      sync: string,
      health: string,
      revision = "c".repeat(40),
    ) => ({
      object: { kind: "Application" as const, namespace: "argocd", name },
      revision,
      sync,
      health,
      phase,
      drifted: [],
      observedAt: "2026-11-23T10:00:00Z",
      sequence: 1,
    });
    const memo = {
      startedAt: 0,
      record: {
        objects: {
          a: object("a", "healthy", "Synced", "Healthy"),
          b: object("b", "degraded", "Synced", "Degraded"),
          old: object("old", "failed", "OutOfSync", "Missing", "e".repeat(40)),
        },
      },
    } as never;
    const model = dashboardModel(
      config(),
      facts({ checks: [run({ env: "staging", memo, conclusion: "failure" })] }),
      now,
    );
    expect(model.environments[0]?.health).toMatchObject({
      phase: "degraded",
      sync: "Synced",
      health: "Degraded/Healthy",
    });
  });

  it("says timed out for a check the reconcile timeout failed", () => {
    const memo = { startedAt: 0, timedOut: true, record: { objects: {} } } as never;
    const model = dashboardModel(
      config(),
      facts({ checks: [run({ env: "staging", memo, conclusion: "failure" })] }),
      now,
    );
    expect(model.environments[0]?.health?.phase).toBe("timed out");
  });

  it("shows the soak only while it runs, and only where promotion goes onward", () => {
    const healthy = facts({ checks: [run({ env: "staging", completedAt: "2026-11-23T10:02:00Z" })] });
    expect(dashboardModel(config(), healthy, now).environments[0]?.soakUntil).toBe(
      "2026-11-23T10:12:00.000Z",
    );
    expect(
      dashboardModel(config(), healthy, new Date("2026-11-23T10:13:00Z")).environments[0]?.soakUntil,
    ).toBeUndefined();
    const production = facts({ checks: [run({ env: "production" })] });
    const soaking = config(undefined, {
      environments: [
        { name: "staging", paths: ["overlays/staging/**"] },
        { name: "production", paths: ["overlays/production/**"], after: "staging", soak: "1h" },
      ],
    });
    expect(dashboardModel(soaking, production, now).environments[1]?.soakUntil).toBeUndefined();
  });

  it("links the environment's open drift issue, found by its title", () => {
    const model = dashboardModel(
      config(),
      facts({ driftIssues: [{ number: 7, title: "Drift in production", url: "d" }] }),
      now,
    );
    expect(model.environments.map((e) => e.drift)).toEqual([undefined, { number: 7, url: "d" }]);
  });

  describe("actions", () => {
    it("offers the tag staging runs to production once staging is healthy", () => {
      expect(dashboardModel(config(), facts(), now).actions).toEqual([]);
      const healthy = dashboardModel(config(), facts({ checks: [run({ env: "staging" })] }), now);
      expect(healthy.actions).toEqual([
        { kind: "promote", app: "api", env: "production", tag: "1.5.0", from: ["staging"], running: "1.4.1" },
      ]);
    });

    it("offers nothing from an environment whose 'Unhealthy in <env>' issue is open, though its check passed", () => {
      const unhealthy = dashboardModel(
        config(),
        facts({
          checks: [run({ env: "staging" })],
          healthIssues: [{ number: 8, title: "Unhealthy in staging", url: "h" }],
        }),
        now,
      );
      expect(unhealthy.environments.map((e) => e.unhealthy)).toEqual([{ number: 8, url: "h" }, undefined]);
      expect(unhealthy.actions).toEqual([]);
    });

    it("offers it without a report where no cluster reports, with the digest the upstream pins", () => {
      const digest = `sha256:${"d".repeat(64)}`;
      const files = [
        {
          path: "overlays/staging/kustomization.yaml",
          text: `images:\n  - name: ghcr.io/acme/api\n    newTag: "1.5.0"\n    digest: ${digest}\n`,
        },
        ...overlays({ production: "1.4.1" }),
      ];
      const model = dashboardModel(config(undefined, { clusters: [] }), facts({ files }), now);
      expect(model.actions).toEqual([
        {
          kind: "promote",
          app: "api",
          env: "production",
          tag: "1.5.0",
          digest,
          from: ["staging"],
          running: "1.4.1",
        },
      ]);
    });

    it("offers nothing when production runs it already, or an open Ferry PR carries it", () => {
      const same = facts({
        files: overlays({ staging: "1.5.0", production: "1.5.0" }),
        checks: [run({ env: "staging" })],
      });
      expect(dashboardModel(config(), same, now).actions).toEqual([]);
      const open = facts({
        checks: [run({ env: "staging" })],
        pairs: [
          { env: "staging", app: "api", merged: [] },
          {
            env: "production",
            app: "api",
            merged: [],
            open: {
              number: 4,
              url: "u",
              body: '<!-- ferry:v1 {"app":"api","env":"production","tag":"1.5.0","builtAt":"x"} -->',
            },
          },
        ],
      });
      expect(dashboardModel(config(), open, now).actions).toEqual([]);
    });

    it("offers a rollback where an earlier Ferry promotion brought another tag", () => {
      const older = merged({ app: "api", env: "staging", tag: "1.4.1" }, "2026-11-22T09:00:00Z");
      const newer = merged({ app: "api", env: "staging", tag: "1.5.0" }, "2026-11-23T09:00:00Z");
      const pairs = [
        { env: "staging", app: "api", merged: [newer, older] },
        { env: "production", app: "api", merged: [] },
      ];
      expect(dashboardModel(config(), facts({ pairs }), now).actions).toEqual([
        { kind: "rollback", app: "api", env: "staging", running: "1.5.0", to: "1.4.1" },
      ]);
    });

    it("counts only markers that name the PR's own environment and app", () => {
      const pairs = [
        {
          env: "staging",
          app: "api",
          merged: [merged({ app: "web", env: "production", tag: "0.0.1" }, "2026-11-23T09:00:00Z")],
        },
        { env: "production", app: "api", merged: [] },
      ];
      const model = dashboardModel(config(), facts({ pairs }), now);
      expect(model.actions).toEqual([]);
      expect(model.history).toEqual([]);
    });
  });

  it("keeps the last 20 promotions, newest first, with who merged them", () => {
    const list = Array.from({ length: 25 }, (_, i) =>
      merged(
        { app: "api", env: "staging", tag: `1.${i}.0`, ...(i % 5 === 4 ? { rollback: true } : {}) },
        new Date(Date.UTC(2026, 10, 1, i)).toISOString(),
        i % 2 ? "alice" : "bob",
      ),
    );
    const model = dashboardModel(
      config(),
      facts({ pairs: [{ env: "staging", app: "api", merged: list }] }),
      now,
    );
    expect(model.history).toHaveLength(20);
    expect(model.history[0]).toMatchObject({ tag: "1.24.0", rollback: true, mergedBy: "bob" });
    expect(model.history.at(-1)).toMatchObject({ tag: "1.5.0", rollback: false, mergedBy: "alice" });
  });
});
