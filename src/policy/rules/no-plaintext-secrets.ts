import type { Finding } from "../../findings.js";
import type { PolicyRule } from "../rule.js";
import { containersOf, describeContainer, isRecord } from "../workloads.js";

/**
 * High-signal patterns only: each matches a credential format with a fixed prefix, so a hit is
 * almost never a false positive. Messages name the kind, never the value.
 */
const secretPatterns: readonly { name: string; pattern: RegExp }[] = [
  { name: "a private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { name: "a GitHub token", pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b/ },
  { name: "a GitHub fine-grained token", pattern: /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b/ },
  { name: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { name: "a Slack token", pattern: /\bxox[bpars]-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b/ },
];

/** What kind of secret `text` looks like, if any. */
export function secretKind(text: string): string | undefined {
  return secretPatterns.find(({ pattern }) => pattern.test(text))?.name;
}

/** Base64 in a Secret is not encryption: use SealedSecret, ExternalSecret or SOPS instead. */
export const noPlaintextSecrets: PolicyRule = {
  id: "no-plaintext-secrets",
  description:
    "No Secret with data or stringData in git, and no container env value or ConfigMap value that looks like a private key or a GitHub, AWS or Slack token.",
  fix: "keep the value in a SealedSecret or ExternalSecret and reference it",
  defaultSeverity: "error",
  check(object, ctx) {
    const findings: Finding[] = [];
    if (object.kind === "Secret" && object.apiVersion === "v1") {
      for (const key of ["data", "stringData"] as const) {
        const value = object[key];
        if (isRecord(value) && Object.keys(value).length > 0) {
          findings.push(
            ctx.report(
              [key],
              `Secret holds plaintext ${key} (base64 is not encryption)`,
              "use a SealedSecret or ExternalSecret",
            ),
          );
        }
      }
    }
    if (object.kind === "ConfigMap" && object.apiVersion === "v1" && isRecord(object.data)) {
      for (const [key, value] of Object.entries(object.data)) {
        const kind = typeof value === "string" ? secretKind(value) : undefined;
        if (kind !== undefined) {
          findings.push(ctx.report(["data", key], `ConfigMap key "${key}" holds what looks like ${kind}`));
        }
      }
    }
    for (const at of containersOf(object)) {
      const env = at.container.env;
      if (!Array.isArray(env)) continue;
      env.forEach((entry, index) => {
        if (!isRecord(entry) || typeof entry.value !== "string") return;
        const kind = secretKind(entry.value);
        if (kind === undefined) return;
        const name = typeof entry.name === "string" ? entry.name : `#${index}`;
        findings.push(
          ctx.report(
            [...at.path, "env", index, "value"],
            `${describeContainer(at)} env ${name} holds what looks like ${kind}`,
            "use valueFrom.secretKeyRef",
          ),
        );
      });
    }
    return findings;
  },
};
