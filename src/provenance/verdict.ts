import type { ProvenanceEvidence } from "./verify-attestation.js";

/** What Ferry concluded about one digest under one policy. */
export type ProvenanceVerdict =
  | { status: "verified"; evidence: ProvenanceEvidence; attestationsUrl: string }
  /** GitHub knows no attestation of the digest yet. */
  | { status: "missing"; reason: string }
  /** Attestations exist, and none satisfies the policy: the reason of the closest one. */
  | { status: "failed"; reason: string; evidence?: ProvenanceEvidence }
  /** Ferry cannot check here: GitHub Enterprise Server, or no trusted root. */
  | { status: "unavailable"; reason: string };

/** How long a verdict may be reused: a digest is immutable, so a pass holds; the rest may change soon. */
export function verdictTtlMs(verdict: ProvenanceVerdict, missingTtlMs = 2 * 60_000): number {
  if (verdict.status === "verified") return 30 * 24 * 3_600_000;
  if (verdict.status === "unavailable") return 0;
  return missingTtlMs;
}
