import { describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";
import type { FerryConfig } from "../../src/config/schema.js";
import { chainedApps, chainLine, chainTarget, healthyAt, runningPin } from "../../src/reports/chain.js";
import { driftedObjects, driftFingerprint, driftIssueBody, driftTitle } from "../../src/reports/drift.js";
import { appendHistory, withHistory } from "../../src/reports/issue-history.js";
import { CoalescingWriter, Lru, shared } from "../../src/reports/memory.js";
import type { EnvironmentRecord, ObjectRecord } from "../../src/reports/reconcile-check.js";
import { parseMemo, renderMemo } from "../../src/reports/record-block.js";
import { kustomization } from "../e2e/fixtures.js";
import { ferryYml } from "./support.js";

const A = "a".repeat(40);
const obj = (name: string, over: Partial<ObjectRecord> = {}): ObjectRecord => ({
  object: { kind: "Application", namespace: "argocd", name },
  revision: A,
  sync: "Synced",
  health: "Healthy",
  phase: "healthy",
  drifted: [],
  observedAt: "2026-11-02T10:00:00.000Z",
  sequence: 1,
  ...over,
});
const record = (...objects: ObjectRecord[]): EnvironmentRecord => ({
  objects: Object.fromEntries(objects.map((o) => [`c/Application/argocd/${o.object.name}`, o])),
});
const config = (): FerryConfig => {
  const parsed = parseFerryConfig(ferryYml());
  if (!parsed.ok) throw new Error("fixture config is invalid");
  return parsed.value;
};

describe("the memo hidden in a reconcile check", () => {
  it("round-trips through the check's text as an HTML comment", () => {
    const memo = { startedAt: 1, timedOut: true, record: record(obj("api", { message: "a -- b" })) };
    const text = renderMemo(memo);
    expect(text).toMatch(/^<!-- ferry:reconcile .* -->$/s);
    expect(text.slice(4, -3)).not.toContain("--");
    expect(parseMemo(`summary\n\n${text}`)).toEqual(memo);
  });

  it("sheds messages, then objects, to fit GitHub's 65,535-character cap; garbage reads as none", () => {
    const many = (n: number) =>
      record(...Array.from({ length: n }, (_, i) => obj(`app-${i}`, { message: "x".repeat(400) })));
    const text = renderMemo({ startedAt: 1, record: many(150) });
    expect(text.length).toBeLessThan(65_535);
    const objects = Object.values(parseMemo(text)?.record.objects ?? {});
    expect(objects).toHaveLength(150);
    expect(objects[0]?.message).toBeUndefined();
    // beyond that the record lives in memory only (docs/agent.md, limits)
    expect(parseMemo(renderMemo({ startedAt: 1, record: many(1000) }))?.record.objects).toEqual({});
    expect(parseMemo("<!-- ferry:reconcile {nope} -->")).toBeUndefined();
    expect(parseMemo(null)).toBeUndefined();
  });
});

describe("drift", () => {
  const drifted = obj("api", {
    phase: "drifted",
    sync: "OutOfSync",
    drifted: [{ group: "apps", kind: "Deployment", namespace: "api", name: "api" }],
  });

  it("fingerprints only what drifted, so unrelated changes leave the issue alone", () => {
    expect(driftFingerprint(record(obj("api")))).toBe("");
    expect(driftFingerprint(record(drifted, obj("web")))).toBe(driftFingerprint(record(drifted)));
    expect(driftFingerprint(record(drifted))).not.toBe(
      driftFingerprint(
        record({ ...drifted, drifted: [...drifted.drifted, { kind: "ConfigMap", name: "c" }] }),
      ),
    );
  });

  it("titles and lists the drifted resources per object, naming the cluster, the time and the links", () => {
    expect(driftTitle("production")).toBe("Drift in production");
    const body = driftIssueBody("production", driftedObjects(record(drifted)), {
      repoUrl: "https://github.com/acme/deploy",
      checkUrl: "https://github.com/acme/deploy/runs/9",
    });
    expect(body).toContain(
      `### Application argocd/api in c at [${A.slice(0, 7)}](https://github.com/acme/deploy/commit/${A})`,
    );
    expect(body).toContain(
      "Detected 2026-11-02 10:00 UTC · [Ferry / reconcile (production)](https://github.com/acme/deploy/runs/9)",
    );
    expect(body).toContain("- apps/Deployment api/api");
  });

  it("links the object's own page when the agent sends one", () => {
    const withUrl = { ...drifted, url: "https://argocd.acme.test/applications/argocd/api" };
    const body = driftIssueBody("production", driftedObjects(record(withUrl)), {});
    expect(body).toContain("[Open in Argo CD](https://argocd.acme.test/applications/argocd/api)");
  });

  it("keeps its history: a line per change, and the last list stays when it is resolved", () => {
    const first = withHistory(
      driftIssueBody("production", driftedObjects(record(drifted)), {}),
      undefined,
      "- one",
    );
    const second = withHistory(
      driftIssueBody("production", driftedObjects(record({ ...drifted, drifted: [] })), {}),
      first,
      "- two",
    );
    expect(second).toContain("### History\n\n- one\n- two");
    const closed = appendHistory(second, "- resolved");
    expect(closed.startsWith(second)).toBe(true);
    expect(closed).toContain("- one\n- two\n- resolved");
  });
});

describe("chain", () => {
  const staging = () => config().environments[0] as FerryConfig["environments"][number];
  const files = (tag: string) => [{ path: "overlays/staging/kustomization.yaml", text: kustomization(tag) }];

  it("chains apps that have an environment after this one", () => {
    expect(chainedApps(config(), "staging").map((a) => a.name)).toEqual(["api"]);
    expect(chainedApps(config(), "production")).toEqual([]);
  });

  it("reads the one tag the app runs; none when absent or mixed", () => {
    const app = config().apps[0] as FerryConfig["apps"][number];
    expect(runningPin(files("1.5.0"), staging(), app)).toEqual({ tag: "1.5.0" });
    expect(runningPin([], staging(), app)).toBeUndefined();
    const mixed = [
      ...files("1.5.0"),
      { path: "overlays/staging/b/kustomization.yaml", text: kustomization("1.6.0") },
    ];
    expect(runningPin(mixed, staging(), app)).toBeUndefined();
  });

  it("takes digest, build time, source and build links from the merged PR marker only when it names the same tag", () => {
    const marker = {
      app: "api",
      env: "staging",
      tag: "1.5.0",
      digest: "sha256:d",
      builtAt: "2026-01-01T00:00:00Z",
      sha: "s",
      sourceUrl: "https://github.com/acme/api",
      buildUrl: "https://github.com/acme/api/actions/runs/9",
      buildLabel: "workflow run #9",
    };
    expect(chainTarget({ tag: "1.5.0" }, marker, "2026-02-02T00:00:00Z")).toEqual({
      tag: "1.5.0",
      digest: "sha256:d",
      builtAt: "2026-01-01T00:00:00Z",
      sha: "s",
      sourceUrl: "https://github.com/acme/api",
      buildUrl: "https://github.com/acme/api/actions/runs/9",
      buildLabel: "workflow run #9",
      deployedBy: true,
    });
    expect(chainTarget({ tag: "1.4.0" }, marker, "2026-02-02T00:00:00Z")).toEqual({
      tag: "1.4.0",
      builtAt: "2026-02-02T00:00:00Z",
      deployedBy: false,
    });
  });

  it("words what the chain did not do as information, linking the open PR it left alone", () => {
    const pr = { number: 4, url: "https://github.com/acme/deploy/pull/4" };
    expect(
      chainLine("api", "production", "1.6.0", {
        status: "skipped",
        reason: "the open PR promotes 1.7.0, which is not older than 1.6.0",
        pr,
      }),
    ).toBe(
      "- api `1.6.0` → **production**: no new PR; the open PR [#4](https://github.com/acme/deploy/pull/4) promotes 1.7.0, which is not older than 1.6.0.",
    );
    expect(
      chainLine("api", "production", "1.5.0", { status: "skipped", reason: "x", pr, already: true }),
    ).toBe(
      "- api `1.5.0` → **production**: [#4](https://github.com/acme/deploy/pull/4) already proposes it.",
    );
    expect(
      chainLine("api", "production", "1.5.0-rc.1", {
        status: "skipped",
        reason: 'tag "1.5.0-rc.1" is a prerelease, and this environment does not allow prereleases.',
      }),
    ).toBe(
      '- api `1.5.0-rc.1` → **production**: no new PR; tag "1.5.0-rc.1" is a prerelease, and this environment does not allow prereleases.',
    );
  });

  it("is healthy at a revision only when every object there is healthy", () => {
    expect(healthyAt(record(obj("api"), obj("web")), A)).toBe(true);
    expect(healthyAt(record(obj("api"), obj("web", { phase: "syncing" })), A)).toBe(false);
    expect(healthyAt(record(obj("api", { revision: "b".repeat(40) })), A)).toBe(false);
  });
});

describe("memory", () => {
  it("coalesces writes per key: one in flight, one follow-up carrying the newest state", async () => {
    const writer = new CoalescingWriter();
    let state = 0;
    const written: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const write = () =>
      writer.write("k", async () => {
        const value = state;
        if (written.length === 0) await gate;
        written.push(value);
      });
    state = 1;
    const first = write();
    const rest = [2, 3, 4].map((v) => {
      state = v;
      return write();
    });
    release();
    await Promise.all([first, ...rest]);
    expect(written).toEqual([1, 4]);
  });

  it("shares one in-flight load per key and forgets failures; the LRU evicts the oldest", async () => {
    const lru = new Lru<string, Promise<number>>(2);
    let calls = 0;
    const load = () => shared(lru, "a", async () => ++calls);
    expect(await Promise.all([load(), load()])).toEqual([1, 1]);
    await expect(shared(lru, "b", async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await new Promise((r) => setTimeout(r, 0));
    expect(lru.has("b")).toBe(false);
    lru.set("c", Promise.resolve(3));
    lru.set("d", Promise.resolve(4));
    expect(lru.has("a")).toBe(false);
  });
});
