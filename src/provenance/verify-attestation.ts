import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity, Verifier } from "@sigstore/verify";
import { type BuildClaims, readClaims } from "./claims.js";
import { matchesAny, type ProvenancePolicy, slsaProvenanceV1 } from "./policy.js";
import { rootFor, type TrustRoot } from "./trust-roots.js";

const inTotoPayload = "application/vnd.in-toto+json";
const inTotoStatement = "https://in-toto.io/Statement/v1";

/** What a verified attestation shows a reviewer: who built the digest, from what. */
export interface ProvenanceEvidence {
  repository: string;
  /** GitHub's id of that repository, from the certificate. */
  repositoryId?: number | undefined;
  workflow: string;
  ref: string;
  commit: string;
  runner: string;
  trigger: string;
  runUrl: string;
  server: string;
}

export type AttestationVerdict =
  | { ok: true; evidence: ProvenanceEvidence }
  | { ok: false; reason: string; evidence?: ProvenanceEvidence };

/**
 * One attestation (a Sigstore bundle) against the digest and the policy: the signature and its
 * timestamp against the root that issued the certificate, the in-toto subject (the verifier
 * itself does not compare it), the predicate type, then every claim of the certificate.
 */
export function verifyAttestation(
  bundleJson: unknown,
  digest: string,
  policy: ProvenancePolicy,
  roots: readonly TrustRoot[],
): AttestationVerdict {
  let bundle: ReturnType<typeof bundleFromJSON>;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (error) {
    return { ok: false, reason: `not a Sigstore bundle (${(error as Error).message})` };
  }
  const material = bundle.verificationMaterial.content;
  const der =
    material.$case === "certificate"
      ? material.certificate.rawBytes
      : material.$case === "x509CertificateChain"
        ? material.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  if (!der) return { ok: false, reason: "the bundle carries no signing certificate" };
  const claims = readClaims(Buffer.from(der));
  if (!claims.ok) return { ok: false, reason: claims.errors };
  const evidence = evidenceOf(claims.value);
  const root = rootFor(roots, claims.value.issuerOrganization);
  if (!root)
    return {
      ok: false,
      reason: `no trusted root for certificates issued by "${claims.value.issuerOrganization}"`,
      evidence,
    };
  try {
    new Verifier(root.material, root.thresholds).verify(toSignedEntity(bundle));
  } catch (error) {
    return { ok: false, reason: `the signature does not verify (${(error as Error).message})`, evidence };
  }
  if (bundle.content.$case !== "dsseEnvelope")
    return { ok: false, reason: "the bundle signs no in-toto statement", evidence };
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== inTotoPayload)
    return {
      ok: false,
      reason: `the payload is ${envelope.payloadType}, not an in-toto statement`,
      evidence,
    };
  const statement = parseStatement(envelope.payload);
  if (!statement) return { ok: false, reason: "the in-toto statement cannot be read", evidence };
  const hex = digest.replace(/^sha256:/, "");
  if (!statement.subjects.includes(hex))
    return { ok: false, reason: `the attestation is for another digest, not ${digest}`, evidence };
  if (statement.predicateType !== slsaProvenanceV1)
    return {
      ok: false,
      reason: `the predicate is ${statement.predicateType}, not SLSA provenance v1`,
      evidence,
    };
  const broken = checkClaims(claims.value, policy);
  return broken ? { ok: false, reason: broken, evidence } : { ok: true, evidence };
}

/** The first policy field the claims break, in words; undefined when they satisfy it. */
export function checkClaims(c: BuildClaims, policy: ProvenancePolicy): string | undefined {
  if (c.issuer !== policy.issuer) return `issued for ${c.issuer}, not ${policy.issuer}`;
  if (c.repository.toLowerCase() !== policy.repository.toLowerCase())
    return `built in ${c.repository}, not in ${policy.repository}`;
  if (policy.repositoryId !== undefined && c.repositoryId !== policy.repositoryId)
    return `built in a repository with id ${c.repositoryId ?? "unknown"}, not ${policy.repositoryId} (${policy.repository} was re-created or renamed)`;
  if (!matchesAny(policy.workflows, c.workflow))
    return `signed by workflow ${c.workflow}, which is not one of ${policy.workflows.join(", ")}`;
  if (!matchesAny(policy.refs, c.ref)) return `built from ${c.ref}, not from ${policy.refs.join(" or ")}`;
  if (!policy.triggers.includes(c.trigger))
    return `triggered by ${c.trigger}, not by ${policy.triggers.join(", ")}`;
  if (policy.githubHostedRunners && c.runner !== "github-hosted")
    return `built on a ${c.runner} runner; the policy requires GitHub-hosted runners`;
  return undefined;
}

function evidenceOf(c: BuildClaims): ProvenanceEvidence {
  return {
    repository: c.repository,
    repositoryId: c.repositoryId,
    workflow: `${c.workflow}@${c.workflowRef}`,
    ref: c.ref,
    commit: c.commit,
    runner: c.runner,
    trigger: c.trigger,
    runUrl: c.runUrl,
    server: c.server,
  };
}

function parseStatement(payload: Buffer): { subjects: string[]; predicateType: string } | undefined {
  try {
    const json = JSON.parse(payload.toString("utf8")) as {
      _type?: unknown;
      subject?: { digest?: { sha256?: unknown } }[];
      predicateType?: unknown;
    };
    if (json._type !== inTotoStatement || !Array.isArray(json.subject)) return undefined;
    return {
      subjects: json.subject.flatMap((s) => (typeof s?.digest?.sha256 === "string" ? [s.digest.sha256] : [])),
      predicateType: typeof json.predicateType === "string" ? json.predicateType : "",
    };
  } catch {
    return undefined;
  }
}
