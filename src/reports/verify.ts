import type { ReplayCache } from "./replay-cache.js";
import { type Report, reportSchema } from "./report.js";
import { signatureHeader, timestampHeader, verifySignature } from "./signature.js";

/** Reports signed longer ago than this are refused (the agent re-signs every attempt). */
export const maxReportAgeMs = 5 * 60_000;
/** Tolerated clock skew for timestamps ahead of the app's clock. */
export const maxFutureSkewMs = 60_000;

export type VerifyResult =
  | { ok: true; report: Report }
  | { ok: false; status: 400 | 401 | 403 | 409; reason: string; code: RefusalCode };

/** Why a report was refused, as a fixed word for metrics (the reason text may name a cluster). */
export type RefusalCode =
  | "unsigned"
  | "malformed"
  | "unknown-cluster"
  | "bad-signature"
  | "stale"
  | "invalid"
  | "cluster-not-allowed"
  | "replay";

export interface VerifyInput {
  /** Request headers as Node gives them (lower-case names) or any casing. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body exactly as received: the signature covers these bytes. */
  body: string;
  /** The shared secret of a cluster, or undefined when the cluster is unknown. */
  secretFor(cluster: string): string | undefined | Promise<string | undefined>;
  /**
   * Environments a cluster may speak for (ferry.yml `clusters`); omit to accept any. Called only
   * after the signature checks out, so it may read GitHub (the report names its config repo).
   */
  environmentsFor?(
    cluster: string,
    report: Report,
  ): readonly string[] | undefined | Promise<readonly string[] | undefined>;
  /** Current time in ms. */
  now: number;
  seen: ReplayCache;
}

/**
 * Authenticates an agent report. Order matters: nothing about freshness or content is revealed
 * before the signature checks out, except whether the cluster is known (403).
 * A replay of an accepted delivery answers 409, so an agent whose response was lost stops retrying.
 */
export async function verifyReport(input: VerifyInput): Promise<VerifyResult> {
  const timestamp = header(input.headers, timestampHeader);
  const signature = header(input.headers, signatureHeader);
  if (timestamp === undefined || signature === undefined) {
    return fail(401, "unsigned", "missing X-Ferry-Timestamp or X-Ferry-Signature header");
  }
  let json: unknown;
  try {
    json = JSON.parse(input.body);
  } catch {
    return fail(400, "malformed", "body is not JSON");
  }
  const cluster =
    typeof json === "object" && json !== null ? (json as { cluster?: unknown }).cluster : undefined;
  if (typeof cluster !== "string") return fail(400, "malformed", "body has no cluster");
  const secret = await input.secretFor(cluster);
  if (secret === undefined) return fail(403, "unknown-cluster", `unknown cluster "${cluster}"`);
  if (!verifySignature(secret, timestamp, input.body, signature)) {
    return fail(401, "bad-signature", "signature does not match the cluster's secret");
  }
  if (!/^\d{1,12}$/.test(timestamp)) return fail(401, "stale", "X-Ferry-Timestamp is not Unix seconds");
  const signedAt = Number(timestamp) * 1000;
  if (signedAt < input.now - maxReportAgeMs) return fail(401, "stale", "timestamp is older than 5 minutes");
  if (signedAt > input.now + maxFutureSkewMs) return fail(401, "stale", "timestamp is in the future");
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      400,
      "invalid",
      `invalid report: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim(),
    );
  }
  const allowed = await input.environmentsFor?.(cluster, parsed.data);
  if (allowed !== undefined && allowed.length === 0) {
    return fail(
      403,
      "cluster-not-allowed",
      `cluster "${cluster}" is not listed in the config repo's ferry.yml clusters`,
    );
  }
  if (allowed !== undefined && !allowed.includes(parsed.data.environment)) {
    return fail(
      403,
      "cluster-not-allowed",
      `cluster "${cluster}" does not report for environment "${parsed.data.environment}"`,
    );
  }
  // Keyed by signature: unique per (timestamp, body); kept as long as the timestamp is acceptable.
  const fresh = await input.seen.remember(
    `${cluster}:${signature}`,
    signedAt + maxReportAgeMs + maxFutureSkewMs,
    input.now,
  );
  if (!fresh) return fail(409, "replay", "report already received (replay)");
  return { ok: true, report: parsed.data };
}

function header(headers: VerifyInput["headers"], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function fail(status: 400 | 401 | 403 | 409, code: RefusalCode, reason: string): VerifyResult {
  return { ok: false, status, reason, code };
}
