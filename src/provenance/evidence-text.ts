import { codeSpan, httpsHost, link } from "../markdown.js";
import type { ProvenanceVerdict } from "./verdict.js";

export type VerifiedProvenance = Extract<ProvenanceVerdict, { status: "verified" }>;

/**
 * One line of markdown a reviewer reads: which workflow built the digest, from which commit and
 * ref, on which runner, with links to the run and the attestations. Pure; every value is quoted,
 * and links go only to the GitHub host the certificate names, over https.
 */
export function provenanceLine(verified: VerifiedProvenance): string {
  const e = verified.evidence;
  const host = httpsHost(e.server);
  const commit = /^[0-9a-f]{40}$/.test(e.commit) ? e.commit.slice(0, 7) : "unknown commit";
  return [
    `built by ${codeSpan(e.workflow)}`,
    `from ${codeSpan(commit)} on ${codeSpan(e.ref)}`,
    `(${e.trigger === "" ? "unknown event" : codeSpan(e.trigger)}, ${codeSpan(e.runner)} runner)`,
    `— ${link("run", e.runUrl, host)}, ${link("attestation", verified.attestationsUrl, host)}`,
  ].join(" ");
}
