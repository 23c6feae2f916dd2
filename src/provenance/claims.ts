import { ASN1Obj, X509Certificate } from "@sigstore/core";

/** Fulcio's certificate extensions for GitHub Actions (sigstore/fulcio docs/oid-info.md). */
const oid = {
  issuer: "1.3.6.1.4.1.57264.1.8",
  signerUri: "1.3.6.1.4.1.57264.1.9",
  runner: "1.3.6.1.4.1.57264.1.11",
  sourceUri: "1.3.6.1.4.1.57264.1.12",
  sourceDigest: "1.3.6.1.4.1.57264.1.13",
  sourceRef: "1.3.6.1.4.1.57264.1.14",
  sourceId: "1.3.6.1.4.1.57264.1.15",
  trigger: "1.3.6.1.4.1.57264.1.20",
  runUri: "1.3.6.1.4.1.57264.1.21",
} as const;

/** What the signing certificate says about the build, decoded and split into comparable parts. */
export interface BuildClaims {
  /** Organisation of the certificate's issuer: which Sigstore instance signed it. */
  issuerOrganization: string;
  issuer: string;
  /** Web origin of the GitHub that ran the build, e.g. `https://github.com`. */
  server: string;
  /** `owner/repo` the build ran in, and its numeric id. */
  repository: string;
  repositoryId: number | undefined;
  /** `owner/repo/path` of the workflow that signed, and the ref it was taken at. */
  workflow: string;
  workflowRef: string;
  ref: string;
  commit: string;
  runner: string;
  trigger: string;
  runUrl: string;
}

export type ClaimsResult = { ok: true; value: BuildClaims } | { ok: false; errors: string };

/**
 * The claims of a leaf certificate (DER). Extensions are DER UTF8Strings: decoded before any
 * comparison, and each URI parsed whole rather than matched as a prefix.
 */
export function readClaims(der: Buffer): ClaimsResult {
  let cert: X509Certificate;
  let issuerOrganization: string;
  try {
    cert = X509Certificate.parse(der as Buffer<ArrayBuffer>);
    issuerOrganization = organizationOf(cert.tbsCertificate.subs[3]);
  } catch (error) {
    return { ok: false, errors: `the signing certificate cannot be read (${(error as Error).message})` };
  }
  const text = (id: string): string | undefined => {
    const ext = cert.extension(id);
    if (!ext) return undefined;
    try {
      return ASN1Obj.parseBuffer(ext.value as Buffer<ArrayBuffer>).value.toString("utf8");
    } catch {
      return undefined;
    }
  };
  const missing = Object.entries(oid)
    .filter(([, id]) => text(id) === undefined)
    .map(([name]) => name);
  if (missing.length > 0)
    return {
      ok: false,
      errors: `the signing certificate is not from a GitHub Actions workflow (no ${missing.join(", ")})`,
    };
  const source = parseRepoUri(text(oid.sourceUri) as string);
  const signer = parseWorkflowUri(text(oid.signerUri) as string);
  if (!source || !signer)
    return { ok: false, errors: "the certificate's repository or workflow URI is malformed" };
  if (signer.server !== source.server)
    return { ok: false, errors: "the signing workflow and the source repository are on different servers" };
  const id = Number(text(oid.sourceId));
  return {
    ok: true,
    value: {
      issuerOrganization,
      issuer: text(oid.issuer) as string,
      server: source.server,
      repository: source.repository,
      repositoryId: Number.isSafeInteger(id) && id > 0 ? id : undefined,
      workflow: signer.workflow,
      workflowRef: signer.ref,
      ref: text(oid.sourceRef) as string,
      commit: text(oid.sourceDigest) as string,
      runner: text(oid.runner) as string,
      trigger: text(oid.trigger) as string,
      runUrl: text(oid.runUri) as string,
    },
  };
}

const segment = "[A-Za-z0-9_.-]+";

/** `https://github.com/acme/api` → server and `acme/api`; anything else → undefined. */
function parseRepoUri(uri: string): { server: string; repository: string } | undefined {
  const m = new RegExp(`^(https://[^/@]+)/(${segment}/${segment})$`).exec(uri);
  return m ? { server: m[1] as string, repository: m[2] as string } : undefined;
}

/** `https://github.com/acme/ci/.github/workflows/build.yml@refs/heads/main` → parts. */
function parseWorkflowUri(uri: string): { server: string; workflow: string; ref: string } | undefined {
  const m = new RegExp(`^(https://[^/@]+)/(${segment}/${segment}/\\.github/workflows/[^@]+)@(.+)$`).exec(uri);
  return m ? { server: m[1] as string, workflow: m[2] as string, ref: m[3] as string } : undefined;
}

const organizationOid = "2.5.4.10";

/** The organisation (O) of a Name (the TBS certificate's fourth field): a SEQUENCE of SETs of { OID, value }. */
function organizationOf(name: ASN1Obj | undefined): string {
  for (const rdn of name?.subs ?? [])
    for (const attribute of rdn.subs)
      if (attribute.subs[0]?.toOID() === organizationOid)
        return attribute.subs[1]?.value.toString("utf8") ?? "";
  return "";
}
