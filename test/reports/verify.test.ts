import { describe, expect, it } from "vitest";
import { MemoryReplayCache } from "../../src/reports/replay-cache.js";
import type { Report } from "../../src/reports/report.js";
import { sign, signedHeaders, verifySignature } from "../../src/reports/signature.js";
import { verifyReport } from "../../src/reports/verify.js";

const secret = "s3cret-for-prod-eu-1";
const now = Date.parse("2026-11-02T10:00:00Z");
const report: Report = {
  cluster: "prod-eu-1",
  configRepo: "acme/deploy",
  environment: "production",
  object: { kind: "Application", namespace: "argocd", name: "api" },
  revision: "0123456789abcdef0123456789abcdef01234567",
  sync: "Synced",
  health: "Healthy",
  phase: "healthy",
  drifted: [],
  observedAt: "2026-11-02T09:59:58.000Z",
  sequence: 1_793_000_000_000,
};
const body = JSON.stringify(report);

function input(headers: Record<string, string>, overrides: Partial<Parameters<typeof verifyReport>[0]> = {}) {
  return {
    headers,
    body,
    secretFor: (cluster: string) => (cluster === "prod-eu-1" ? secret : undefined),
    now,
    seen: new MemoryReplayCache(),
    ...overrides,
  };
}

describe("signature", () => {
  it("is sha256=<hex HMAC over timestamp.body> and verifies in constant time", () => {
    const signature = sign(secret, "1793000000", body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(secret, "1793000000", body, signature)).toBe(true);
    expect(verifySignature(secret, "1793000001", body, signature)).toBe(false);
    expect(verifySignature("other-secret-value", "1793000000", body, signature)).toBe(false);
    expect(verifySignature(secret, "1793000000", body, "sha256=short")).toBe(false);
  });
});

describe("verifyReport", () => {
  it("accepts a fresh, correctly signed report from a known cluster", async () => {
    const result = await verifyReport(input(signedHeaders(secret, body, now)));
    expect(result).toEqual({ ok: true, report });
  });

  it("reads headers in any casing, as Node lower-cases them", async () => {
    const lower = Object.fromEntries(
      Object.entries(signedHeaders(secret, body, now)).map(([k, v]) => [k.toLowerCase(), v]),
    );
    expect((await verifyReport(input(lower))).ok).toBe(true);
  });

  it.each([
    [
      "forged signature",
      {
        "X-Ferry-Timestamp": String(now / 1000),
        "X-Ferry-Signature": sign("forged-secret-xx", String(now / 1000), body),
      },
    ],
    ["missing signature", { "X-Ferry-Timestamp": String(now / 1000) }],
    ["missing timestamp", { "X-Ferry-Signature": sign(secret, String(now / 1000), body) }],
    ["stale timestamp", signedHeaders(secret, body, now - 5 * 60_000 - 1000)],
    ["future timestamp", signedHeaders(secret, body, now + 2 * 60_000)],
  ])("refuses a %s with 401", async (_case, headers) => {
    const result = await verifyReport(input(headers as Record<string, string>));
    expect(result).toMatchObject({ ok: false, status: 401 });
  });

  it("refuses a body changed after signing with 401", async () => {
    const headers = signedHeaders(secret, body, now);
    const tampered = body.replace('"healthy"', '"degraded"');
    expect(await verifyReport(input(headers, { body: tampered }))).toMatchObject({ ok: false, status: 401 });
  });

  it("accepts a timestamp within the skew allowance", async () => {
    expect((await verifyReport(input(signedHeaders(secret, body, now + 30_000)))).ok).toBe(true);
    expect((await verifyReport(input(signedHeaders(secret, body, now - 4 * 60_000)))).ok).toBe(true);
  });

  it("refuses a replayed delivery with 409, and a re-signed copy is a new delivery", async () => {
    const seen = new MemoryReplayCache();
    const headers = signedHeaders(secret, body, now);
    expect((await verifyReport(input(headers, { seen }))).ok).toBe(true);
    expect(await verifyReport(input(headers, { seen, now: now + 1000 }))).toMatchObject({
      ok: false,
      status: 409,
    });
    const resigned = signedHeaders(secret, body, now + 1000);
    expect((await verifyReport(input(resigned, { seen, now: now + 1000 }))).ok).toBe(true);
  });

  it("refuses an unknown cluster with 403", async () => {
    const other = JSON.stringify({ ...report, cluster: "rogue" });
    const result = await verifyReport(input(signedHeaders(secret, other, now), { body: other }));
    expect(result).toEqual({
      ok: false,
      status: 403,
      reason: 'unknown cluster "rogue"',
      code: "unknown-cluster",
    });
  });

  it("refuses an environment the cluster does not speak for with 403", async () => {
    const result = await verifyReport(
      input(signedHeaders(secret, body, now), { environmentsFor: () => ["staging"] }),
    );
    expect(result).toMatchObject({ ok: false, status: 403 });
  });

  it("refuses malformed bodies with 400", async () => {
    for (const bad of ["not json", JSON.stringify({ cluster: "prod-eu-1", phase: "great" })]) {
      const result = await verifyReport(input(signedHeaders(secret, bad, now), { body: bad }));
      expect(result).toMatchObject({ ok: false, status: 400 });
    }
  });
});

describe("MemoryReplayCache", () => {
  it("forgets entries once expired and evicts the oldest beyond its bound", async () => {
    const cache = new MemoryReplayCache(2);
    expect(await cache.remember("a", 100, 0)).toBe(true);
    expect(await cache.remember("a", 100, 50)).toBe(false);
    expect(await cache.remember("a", 200, 100)).toBe(true);
    await cache.remember("b", 300, 100);
    await cache.remember("c", 300, 100);
    expect(cache.size).toBe(2);
    expect(await cache.remember("a", 300, 100)).toBe(true);
  });
});
