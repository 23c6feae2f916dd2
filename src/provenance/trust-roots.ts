import { createHash } from "node:crypto";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { type TrustMaterial, toTrustMaterial, type VerifierOptions } from "@sigstore/verify";

/** One Sigstore instance Ferry trusts: public good (sigstore.dev) or GitHub's own. */
export interface TrustRoot {
  /** Organisations of its certificate authorities: a leaf issued by one of them picks this root. */
  organizations: string[];
  material: TrustMaterial;
  /**
   * A root without transparency logs is GitHub's instance (private repositories): a signed
   * timestamp is the only proof of time. A root with logs wants an entry and SCTs as well.
   */
  thresholds: VerifierOptions;
  /** sha256 of the root's JSON, part of every cached verdict's key. */
  digest: string;
}

export type RootsResult = { ok: true; value: TrustRoot[] } | { ok: false; errors: string };

/**
 * Trusted roots as `gh attestation trusted-root` prints them: one JSON document a line. Pure;
 * the caller reads the file and keeps the last good set.
 */
export function parseTrustedRoots(text: string): RootsResult {
  const roots: TrustRoot[] = [];
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  for (const [i, line] of lines.entries()) {
    try {
      const json = JSON.parse(line) as unknown;
      const root = TrustedRoot.fromJSON(json);
      const organizations = root.certificateAuthorities
        .map((ca) => ca.subject?.organization ?? "")
        .filter((o) => o !== "");
      if (organizations.length === 0) return { ok: false, errors: `line ${i + 1}: no certificate authority` };
      const logged = root.tlogs.length > 0;
      roots.push({
        organizations: [...new Set(organizations)],
        material: toTrustMaterial(root),
        thresholds: logged
          ? { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }
          : { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 },
        digest: createHash("sha256").update(line.trim()).digest("hex").slice(0, 16),
      });
    } catch (error) {
      return {
        ok: false,
        errors: `line ${i + 1} is not a Sigstore trusted root: ${(error as Error).message}`,
      };
    }
  }
  if (roots.length === 0) return { ok: false, errors: "no trusted root in the file" };
  return { ok: true, value: roots };
}

/** The root whose authority issued a certificate, by the issuer's organisation, as `gh attestation verify` picks it. */
export function rootFor(roots: readonly TrustRoot[], issuerOrganization: string): TrustRoot | undefined {
  return roots.find((r) => r.organizations.includes(issuerOrganization));
}
