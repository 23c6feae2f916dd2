import { createHash } from "node:crypto";
import {
  type AttestationEntry,
  type AttestationList,
  fetchBundle,
  listAttestations,
  listAttestationsBulk,
} from "../github/attestations.js";
import { commitReachable } from "../github/commit-reachable.js";
import type { Octokit } from "../github/repo-client.js";
import { type ProvenancePolicy, policyKey } from "./policy.js";
import type { RootsAnswer } from "./root-source.js";
import type { TrustRoot } from "./trust-roots.js";
import { type ProvenanceVerdict, verdictTtlMs } from "./verdict.js";
import type { VerdictCache } from "./verdict-cache.js";
import { type AttestationVerdict, type ProvenanceEvidence, verifyAttestation } from "./verify-attestation.js";

export interface ProvenanceCheckerDeps {
  roots: { current(): RootsAnswer };
  cache: VerdictCache;
  /** For bundle_url downloads; never carries a token. */
  fetch?: typeof fetch;
  /** How long "not attested yet" and "fails the policy" are believed (default 2 minutes). */
  missingTtlMs?: number;
}

/**
 * Per digest and policy: the cached verdict, else GitHub's attestations for the digest, each
 * verified until one satisfies the policy. Only this class does I/O for provenance.
 */
export class ProvenanceChecker {
  constructor(private readonly deps: ProvenanceCheckerDeps) {}

  async check(octokit: Octokit, digest: string, policy: ProvenancePolicy): Promise<ProvenanceVerdict> {
    return (await this.checkMany(octokit, [digest], policy)).get(digest) as ProvenanceVerdict;
  }

  /** Several digests of one app: the uncached ones in one bulk request when there are two or more. */
  async checkMany(
    octokit: Octokit,
    digests: readonly string[],
    policy: ProvenancePolicy,
  ): Promise<Map<string, ProvenanceVerdict>> {
    const verdicts = new Map<string, ProvenanceVerdict>();
    const roots = this.deps.roots.current();
    if (!roots.ok) {
      for (const d of digests) verdicts.set(d, { status: "unavailable", reason: roots.reason });
      return verdicts;
    }
    const keyOf = (digest: string) => cacheKey(digest, policy, roots.roots);
    const todo: string[] = [];
    for (const digest of new Set(digests)) {
      const cached = await this.deps.cache.get(keyOf(digest));
      if (cached) verdicts.set(digest, cached);
      else todo.push(digest);
    }
    if (todo.length === 0) return verdicts;
    const [owner = "", repo = ""] = policy.repository.split("/");
    const lists =
      todo.length > 1 ? await listAttestationsBulk(octokit, owner, todo).catch(() => undefined) : undefined;
    for (const digest of todo) {
      const list = lists?.get(digest) ?? (await listAttestations(octokit, { owner, repo }, digest));
      const verdict = await this.#judge(octokit, list, digest, policy, roots.roots);
      verdicts.set(digest, verdict);
      await this.deps.cache.set(keyOf(digest), verdict, verdictTtlMs(verdict, this.deps.missingTtlMs));
    }
    return verdicts;
  }

  async #judge(
    octokit: Octokit,
    list: AttestationList,
    digest: string,
    policy: ProvenancePolicy,
    roots: TrustRoot[],
  ): Promise<ProvenanceVerdict> {
    if (list.kind === "unavailable") return { status: "unavailable", reason: list.reason };
    if (list.kind === "none")
      return { status: "missing", reason: `GitHub has no build provenance attestation for ${digest} (yet)` };
    let closest: Extract<ProvenanceVerdict, { status: "failed" }> | undefined;
    for (const entry of list.entries) {
      const bundle = await this.#bundleOf(entry);
      if (!bundle.ok) {
        closest ??= { status: "failed", reason: bundle.reason };
        continue;
      }
      const verified = verifyAttestation(bundle.value, digest, policy, roots);
      const verdict = verified.ok ? await this.#reachable(octokit, policy, verified.evidence) : verified;
      if (verdict.ok)
        return {
          status: "verified",
          evidence: verdict.evidence,
          attestationsUrl: `${verdict.evidence.server}/${policy.repository}/attestations`,
        };
      // A failure that got as far as the claims says more than one that did not verify at all.
      if (!closest || (verdict.evidence && !closest.evidence))
        closest = {
          status: "failed",
          reason: verdict.reason,
          ...(verdict.evidence ? { evidence: verdict.evidence } : {}),
        };
    }
    return closest ?? { status: "failed", reason: "no attestation could be read" };
  }

  /** With `requireReachable`, a verified attestation counts only if its commit is on its branch. */
  async #reachable(
    octokit: Octokit,
    policy: ProvenancePolicy,
    evidence: ProvenanceEvidence,
  ): Promise<AttestationVerdict> {
    if (!policy.requireReachable) return { ok: true, evidence };
    const branch = branchOf(evidence.ref, policy.branch);
    if (!branch)
      return {
        ok: false,
        reason: `built from ${evidence.ref}, which is no branch, and no trigger branch is set to check its commit against`,
        evidence,
      };
    const [owner = "", repo = ""] = policy.repository.split("/");
    const answer = await commitReachable(octokit, { owner, repo }, branch, evidence.commit);
    if (answer.reachable) return { ok: true, evidence };
    return {
      ok: false,
      reason: `its source commit ${evidence.commit.slice(0, 7)} is not in the history of ${branch} in ${policy.repository} (${answer.status === "missing" ? "GitHub knows no such commit or branch" : `compare: ${answer.status}`}); it was built from another branch or force-pushed away`,
      evidence,
    };
  }

  async #bundleOf(
    entry: AttestationEntry,
  ): Promise<{ ok: true; value: unknown } | { ok: false; reason: string }> {
    if (entry.bundle) return { ok: true, value: entry.bundle };
    if (!entry.bundleUrl)
      return { ok: false, reason: "an attestation came with neither a bundle nor a bundle_url" };
    try {
      return { ok: true, value: await fetchBundle(entry.bundleUrl, this.deps.fetch) };
    } catch (error) {
      return { ok: false, reason: `its bundle could not be downloaded (${(error as Error).message})` };
    }
  }
}

/** The branch a build's commit must be on: the one it ran on, else (a tag build) the trigger branch. */
function branchOf(ref: string, triggerBranch: string | undefined): string | undefined {
  if (ref.startsWith("refs/heads/")) return ref.slice("refs/heads/".length);
  return triggerBranch;
}

function cacheKey(digest: string, policy: ProvenancePolicy, roots: TrustRoot[]): string {
  const hash = createHash("sha256")
    .update(policyKey(policy))
    .update(roots.map((r) => r.digest).join(","))
    .digest("hex")
    .slice(0, 24);
  return `${digest}:${hash}`;
}
