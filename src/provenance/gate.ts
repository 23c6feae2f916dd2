import type { VerifiedProvenance } from "./evidence-text.js";
import type { ProvenancePolicy } from "./policy.js";
import type { ProvenanceVerdict } from "./verdict.js";

export type GateDecision =
  | { action: "promote"; provenance?: VerifiedProvenance }
  /** Not attested yet: the attest step may still be running after the package was published. */
  | { action: "wait" }
  | { action: "refuse"; reason: string };

/**
 * Whether a build's digest may be promoted under the policy, given the verdict on it (none
 * when there is no digest to check) and how long Ferry has waited for an attestation. Pure.
 */
export function gateBuild(args: {
  policy: ProvenancePolicy;
  digest: string | undefined;
  verdict: ProvenanceVerdict | undefined;
  waitedMs: number;
  maxWaitMs: number;
  /** The id of the repository the build event came from, which the certificate must name too. */
  sourceId?: number | undefined;
}): GateDecision {
  const { policy, digest, verdict } = args;
  const required = policy.mode === "required";
  if (policy.mode === "off") return { action: "promote" };
  if (digest === undefined || verdict === undefined)
    return required
      ? {
          action: "refuse",
          reason:
            "provenance is required, but the build names no image digest to check; announce builds with registry_package events or a ferry-build dispatch that carries the digest",
        }
      : { action: "promote" };
  switch (verdict.status) {
    case "verified": {
      const id = verdict.evidence.repositoryId;
      if (args.sourceId !== undefined && id !== args.sourceId)
        return {
          action: "refuse",
          reason: `the attestation names repository id ${id ?? "none"}, not ${args.sourceId}, the id of ${policy.repository} that announced the build`,
        };
      return { action: "promote", provenance: verdict };
    }
    case "missing":
      if (!required) return { action: "promote" };
      if (args.waitedMs < args.maxWaitMs) return { action: "wait" };
      return {
        action: "refuse",
        reason: `${verdict.reason}${Number.isFinite(args.waitedMs) ? `, ${Math.round(args.waitedMs / 60_000)} min after the build` : ""}; add actions/attest-build-provenance to the build (docs/provenance.md), then run it again`,
      };
    case "failed":
      return {
        action: "refuse",
        reason: `its build provenance does not satisfy ferry.yml: ${verdict.reason}`,
      };
    case "unavailable":
      return required ? { action: "refuse", reason: verdict.reason } : { action: "promote" };
  }
}
