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

describe('signature known-answer vectors (docs/agent.md: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>)', () => {
  // Computed outside Ferry, with OpenSSL:
  //   printf '%s' "$TIMESTAMP.$BODY" | openssl dgst -sha256 -hmac "$SECRET"
  const vectors = [
    {
      secret: "prod-eu-1-secret-0123456789",
      timestamp: "1793613600",
      body: '{"cluster":"prod-eu-1"}',
      signature: "sha256=57adf141397b446af9cbad114166b1e8ffe03eeea0deae281dace4f89db8f75b",
    },
    {
      secret: "prod-eu-1-secret-0123456789",
      timestamp: "1793613600",
      body: "",
      signature: "sha256=344edbbf2991b7d32339dbd50d3baf253a5799f2d69bced680025bf513331d1b",
    },
  ];

  it.each(vectors)("vector %# signs as the documented format does", (v) => {
    expect(sign(v.secret, v.timestamp, v.body)).toBe(v.signature);
    expect(verifySignature(v.secret, v.timestamp, v.body, v.signature)).toBe(true);
  });

  it('refuses a signature over another separator ("<timestamp>:<body>")', () => {
    const colon = "sha256=46f4e2179b2ea650cfb6b804c953f90a3015fb3c576d6189d02ab86732a566f4";
    expect(
      verifySignature("prod-eu-1-secret-0123456789", "1793613600", '{"cluster":"prod-eu-1"}', colon),
    ).toBe(false);
  });

  it("accepts a whole report an agent in another language signed by the documented format", async () => {
    const wire =
      '{"cluster":"prod-eu-1","configRepo":"acme/deploy","environment":"production","object":{"kind":"Application","namespace":"argocd","name":"api"},"revision":"0123456789abcdef0123456789abcdef01234567","sync":"Synced","health":"Healthy","phase":"healthy","drifted":[],"observedAt":"2026-11-02T09:59:58.000Z","sequence":1793000000000}';
    const headers = {
      "X-Ferry-Timestamp": "1793613600",
      "X-Ferry-Signature": "sha256=5f9f4faa50d0d7110226fb9eb8b75d373f053df0cfd112db22fa766124156b8e",
    };
    expect(await verifyReport(input(headers, { body: wire }))).toEqual({ ok: true, report });
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
