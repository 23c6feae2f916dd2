/**
 * Sigstore bundles and trusted roots made on the spot, no captured secrets: a GitHub-instance
 * root (its own CA, organisation `GitHub, Inc.`, and a timestamp authority) and a
 * public-good-like root (@sigstore/mock's CA with a CT log, and a transparency log). A bundle is
 * a DSSE envelope over an in-toto SLSA v1 statement, signed with node:crypto by a key whose
 * certificate carries GitHub's Fulcio extensions, as actions/attest-build-provenance writes it.
 */
// @peculiar/x509 needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { createHash, generateKeyPairSync, randomInt, sign, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { initializeCA, initializeCTLog, initializeTLog, initializeTSA } from "@sigstore/mock";

export const fulcioOid = {
  issuer: "1.3.6.1.4.1.57264.1.8",
  signerUri: "1.3.6.1.4.1.57264.1.9",
  signerDigest: "1.3.6.1.4.1.57264.1.10",
  runner: "1.3.6.1.4.1.57264.1.11",
  sourceUri: "1.3.6.1.4.1.57264.1.12",
  sourceDigest: "1.3.6.1.4.1.57264.1.13",
  sourceRef: "1.3.6.1.4.1.57264.1.14",
  sourceId: "1.3.6.1.4.1.57264.1.15",
  ownerUri: "1.3.6.1.4.1.57264.1.16",
  ownerId: "1.3.6.1.4.1.57264.1.17",
  configUri: "1.3.6.1.4.1.57264.1.18",
  trigger: "1.3.6.1.4.1.57264.1.20",
  runUri: "1.3.6.1.4.1.57264.1.21",
} as const;

/** What the build claims: the workflow's identity, as GitHub's OIDC token would state it. */
export interface BuildClaims {
  /** owner/repo that ran the build. */
  repo: string;
  repoId: number;
  /** Workflow path of the signer; for a reusable workflow, the callee's `owner/repo/path`. */
  signer?: string;
  workflow: string;
  ref: string;
  sha: string;
  runner: "github-hosted" | "self-hosted";
  trigger: string;
  issuer: string;
}

export const defaultClaims: BuildClaims = {
  repo: "acme/api",
  repoId: 4242,
  workflow: ".github/workflows/build.yml",
  ref: "refs/heads/main",
  sha: "a".repeat(40),
  runner: "github-hosted",
  trigger: "push",
  issuer: "https://token.actions.githubusercontent.com",
};

export interface BundleOptions {
  /** The attested image digest, `sha256:HEX`. */
  digest: string;
  claims?: Partial<BuildClaims>;
  predicateType?: string;
  /** Change the payload after signing. */
  tamper?: boolean;
  /** Leave out the timestamp (GitHub instance) or the tlog entry (public good). */
  untimed?: boolean;
}

export interface TestInstance {
  /** One line of `gh attestation trusted-root` output. */
  root: object;
  bundle(options: BundleOptions): Promise<object>;
}

type Ext = { oid: string; value: string };

/** A whole-second clock just ahead of now: the mock TSA writes fractions the verifier refuses. */
function wholeSecond(): Date {
  return new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
}

function utf8Der(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > 127) {
    const length = bytes.length > 255 ? [0x82, bytes.length >> 8, bytes.length & 0xff] : [0x81, bytes.length];
    return Buffer.concat([Buffer.from([0x0c, ...length]), bytes]);
  }
  return Buffer.concat([Buffer.from([0x0c, bytes.length]), bytes]);
}

function extensionsFor(claims: BuildClaims): Ext[] {
  const server = "https://github.com";
  const signer = claims.signer ?? `${claims.repo}/${claims.workflow}`;
  const [owner] = claims.repo.split("/");
  return [
    { oid: fulcioOid.issuer, value: claims.issuer },
    { oid: fulcioOid.signerUri, value: `${server}/${signer}@${claims.ref}` },
    { oid: fulcioOid.signerDigest, value: claims.sha },
    { oid: fulcioOid.runner, value: claims.runner },
    { oid: fulcioOid.sourceUri, value: `${server}/${claims.repo}` },
    { oid: fulcioOid.sourceDigest, value: claims.sha },
    { oid: fulcioOid.sourceRef, value: claims.ref },
    { oid: fulcioOid.sourceId, value: String(claims.repoId) },
    { oid: fulcioOid.ownerUri, value: `${server}/${owner}` },
    { oid: fulcioOid.ownerId, value: "1" },
    { oid: fulcioOid.configUri, value: `${server}/${claims.repo}/${claims.workflow}@${claims.ref}` },
    { oid: fulcioOid.trigger, value: claims.trigger },
    { oid: fulcioOid.runUri, value: `${server}/${claims.repo}/actions/runs/7/attempts/1` },
  ];
}

function statement(options: BundleOptions, claims: BuildClaims): Buffer {
  const hex = options.digest.replace(/^sha256:/, "");
  return Buffer.from(
    JSON.stringify({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "ghcr.io/acme/api", digest: { sha256: hex } }],
      predicateType: options.predicateType ?? "https://slsa.dev/provenance/v1",
      predicate: {
        buildDefinition: {
          buildType: "https://actions.github.io/buildtypes/workflow/v1",
          externalParameters: {
            workflow: { ref: claims.ref, repository: `https://github.com/${claims.repo}` },
          },
        },
        runDetails: { builder: { id: `https://github.com/${claims.repo}/${claims.workflow}@${claims.ref}` } },
      },
    }),
  );
}

const payloadType = "application/vnd.in-toto+json";

/** DSSE pre-authentication encoding: what the signature covers. */
function pae(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

function signEnvelope(options: BundleOptions, claims: BuildClaims) {
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const payload = statement(options, claims);
  const sig = sign("sha256", pae(payloadType, payload), keys.privateKey);
  const sent = options.tamper ? Buffer.from(payload.toString().replace("acme", "acmf")) : payload;
  return {
    keys,
    payload,
    sig,
    envelope: {
      payload: sent.toString("base64"),
      payloadType,
      signatures: [{ sig: sig.toString("base64"), keyid: "" }],
    },
  };
}

function b64(bytes: ArrayBufferView | ArrayBuffer): string {
  const view =
    bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Buffer.from(view).toString("base64");
}

const mediaType = "application/vnd.dev.sigstore.bundle.v0.3+json";
const rootMediaType = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
const longAgo = "2020-01-01T00:00:00Z";

/**
 * A GitHub-instance root: a CA named `GitHub, Inc.` and a timestamp authority, no logs; bundles
 * carry an RFC 3161 timestamp only, as private repositories' attestations do.
 */
export async function githubInstance(organization = "GitHub, Inc."): Promise<TestInstance> {
  const clock = wholeSecond();
  const crypto = webcrypto;
  x509.cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" };
  const caKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const caName = `CN=Fulcio Intermediate l2, O=${organization.replaceAll(",", "\\,")}`;
  const notBefore = new Date(clock.getTime() - 86_400_000);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: "01",
      name: caName,
      notBefore,
      notAfter: new Date(clock.getTime() + 10 * 365 * 86_400_000),
      signingAlgorithm: alg,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    },
    crypto,
  );
  const tsa = await initializeTSA(mockKeys(), clock);
  const root = {
    mediaType: rootMediaType,
    tlogs: [],
    ctlogs: [],
    certificateAuthorities: [
      {
        subject: { organization, commonName: "Fulcio Intermediate l2" },
        uri: "https://fulcio.githubapp.com",
        certChain: { certificates: [{ rawBytes: b64(caCert.rawData) }] },
        validFor: { start: longAgo },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization, commonName: "TSA Timestamping" },
        uri: "https://timestamp.githubapp.com",
        certChain: {
          certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }],
        },
        validFor: { start: longAgo },
      },
    ],
  };
  return {
    root,
    async bundle(options) {
      const claims = { ...defaultClaims, ...options.claims };
      const signed = signEnvelope(options, claims);
      const spki = signed.keys.publicKey.export({ type: "spki", format: "der" });
      const leafKey = await crypto.subtle.importKey(
        "spki",
        spki,
        { name: "ECDSA", namedCurve: "P-256" },
        true,
        ["verify"],
      );
      const leaf = await x509.X509CertificateGenerator.create(
        {
          serialNumber: randomInt(1, 2 ** 31).toString(16),
          subject: "",
          issuer: caCert.subject,
          notBefore: clock,
          notAfter: new Date(clock.getTime() + 10 * 60_000),
          signingAlgorithm: alg,
          publicKey: leafKey,
          signingKey: caKeys.privateKey,
          extensions: [
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
            new x509.SubjectAlternativeNameExtension(
              [{ type: "url", value: extensionsFor(claims)[1]?.value ?? "" }],
              true,
            ),
            ...extensionsFor(claims).map((e) => new x509.Extension(e.oid, false, utf8Der(e.value))),
          ],
        },
        crypto,
      );
      const timestamp = await tsa.timestamp({
        artifactHash: createHash("sha256").update(signed.sig).digest(),
        hashAlgorithmOID: "2.16.840.1.101.3.4.2.1",
        nonce: randomInt(1, 2 ** 31),
        policyOID: "1.2.3.4",
        certReq: true,
      });
      return {
        mediaType,
        verificationMaterial: {
          certificate: { rawBytes: b64(leaf.rawData) },
          tlogEntries: [],
          timestampVerificationData: {
            rfc3161Timestamps: options.untimed ? [] : [{ signedTimestamp: b64(timestamp) }],
          },
        },
        dsseEnvelope: signed.envelope,
      };
    },
  };
}

/**
 * A public-good-like root from @sigstore/mock: its CA (organisation `sigstore.mock`) embeds
 * SCTs from a CT log, and bundles carry a transparency-log entry with an inclusion promise.
 */
export async function publicGoodInstance(): Promise<TestInstance> {
  const clock = wholeSecond();
  const ctLog = await initializeCTLog(mockKeys(), clock);
  const ca = await initializeCA(mockKeys(), ctLog, clock);
  const tlogKeys = mockKeys();
  const tlog = await initializeTLog("https://rekor.sigstore.mock", tlogKeys, clock);
  const logKey = (key: Buffer) => ({
    rawBytes: key.toString("base64"),
    keyDetails: "PKIX_ECDSA_P256_SHA_256",
    validFor: { start: longAgo },
  });
  const root = {
    mediaType: rootMediaType,
    tlogs: [
      {
        baseUrl: "https://rekor.sigstore.mock",
        hashAlgorithm: "SHA2_256",
        publicKey: logKey(tlog.publicKey),
        logId: { keyId: createHash("sha256").update(tlog.publicKey).digest("base64") },
      },
    ],
    ctlogs: [
      {
        baseUrl: "https://ctfe.sigstore.mock",
        hashAlgorithm: "SHA2_256",
        publicKey: logKey(ctLog.publicKey),
        logId: { keyId: b64(ctLog.logID) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: "sigstore.mock", commonName: "sigstore" },
        uri: "https://fulcio.sigstore.mock",
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start: longAgo },
      },
    ],
    timestampAuthorities: [],
  };
  return {
    root,
    async bundle(options) {
      const claims = { ...defaultClaims, ...options.claims };
      const signed = signEnvelope(options, claims);
      const spki = signed.keys.publicKey.export({ type: "spki", format: "der" });
      const exts = extensionsFor(claims);
      const issued = await ca.issueCertificate({
        publicKey: spki,
        subjectAltName: exts[1]?.value ?? "",
        extensions: exts,
      });
      const cert = Buffer.from(b64(issued), "base64");
      const pem = `-----BEGIN CERTIFICATE-----\n${cert.toString("base64")}\n-----END CERTIFICATE-----\n`;
      const logged = await tlog.log({
        apiVersion: "0.0.1",
        kind: "dsse",
        spec: {
          envelopeHash: { algorithm: "sha256", value: createHash("sha256").update("e").digest("hex") },
          payloadHash: {
            algorithm: "sha256",
            value: createHash("sha256").update(signed.payload).digest("hex"),
          },
          signatures: [
            { signature: signed.sig.toString("base64"), verifier: Buffer.from(pem).toString("base64") },
          ],
        },
      });
      const entry = Object.values(logged)[0] as unknown as {
        body: string;
        integratedTime: number;
        logID: string;
        logIndex: number;
        verification: {
          signedEntryTimestamp: string;
          inclusionProof: { treeSize: number; rootHash: string; checkpoint: string };
        };
      };
      const proof = entry.verification.inclusionProof;
      return {
        mediaType,
        verificationMaterial: {
          certificate: { rawBytes: cert.toString("base64") },
          tlogEntries: options.untimed
            ? []
            : [
                {
                  logIndex: String(entry.logIndex),
                  logId: { keyId: Buffer.from(entry.logID, "hex").toString("base64") },
                  kindVersion: { kind: "dsse", version: "0.0.1" },
                  integratedTime: String(entry.integratedTime),
                  inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp },
                  inclusionProof: {
                    logIndex: "0",
                    rootHash: Buffer.from(proof.rootHash, "hex").toString("base64"),
                    treeSize: String(proof.treeSize),
                    hashes: [],
                    checkpoint: { envelope: proof.checkpoint },
                  },
                  canonicalizedBody: entry.body,
                },
              ],
          timestampVerificationData: { rfc3161Timestamps: [] },
        },
        dsseEnvelope: signed.envelope,
      };
    },
  };
}

function mockKeys() {
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

/** A random image digest, `sha256:HEX`. */
export function randomDigest(): string {
  return `sha256:${createHash("sha256").update(String(Math.random())).digest("hex")}`;
}

/** The roots as `gh attestation trusted-root` prints them: one JSON document a line. */
export function trustedRootLines(...instances: TestInstance[]): string {
  return `${instances.map((i) => JSON.stringify(i.root)).join("\n")}\n`;
}
