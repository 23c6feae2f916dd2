import type { FerryConfig } from "../config/schema.js";
import { describeGitHubFailure } from "../github/failure.js";
import type { Octokit } from "../github/repo-client.js";
import type { SourceFile } from "../manifests/sites.js";
import { imageChanges } from "../promotion/image-changes.js";
import type { ProvenanceFact } from "../promotion/promotion-check.js";
import { type ProvenancePolicy, policyKey } from "../provenance/policy.js";
import type { ProvenanceChecker } from "../provenance/provenance-checker.js";
import { resolvePolicy } from "../provenance/resolve-policy.js";
import type { ProvenanceVerdict } from "../provenance/verdict.js";

export type ProvenanceFacts = (env: string, app: string) => ProvenanceFact | undefined;

/**
 * Every digest the PR introduces, verified before the guard's pure rules run: one lookup per
 * policy (a bulk request when several digests share it), cached verdicts reused. GitHub
 * failing makes the digests unverifiable, which `provenance: required` treats as a failure.
 */
export async function verifyIntroducedDigests(
  octokit: Octokit,
  config: FerryConfig,
  snapshot: { base: readonly SourceFile[]; head: readonly SourceFile[] },
  checker: ProvenanceChecker,
): Promise<ProvenanceFacts> {
  const wanted = new Map<string, { policy: ProvenancePolicy; digests: Set<string> }>();
  const facts = new Map<string, { policy: ProvenancePolicy; digest?: string }>();
  for (const change of imageChanges(config, snapshot.base, snapshot.head)) {
    const policy = resolvePolicy(change.app, change.env);
    if (policy.mode === "off") continue;
    const digest = change.to.length === 1 ? change.to[0]?.digest : undefined;
    facts.set(`${change.env.name}#${change.app.name}`, { policy, ...(digest ? { digest } : {}) });
    if (!digest) continue;
    const key = policyKey(policy);
    const group = wanted.get(key) ?? { policy, digests: new Set() };
    group.digests.add(digest);
    wanted.set(key, group);
  }
  const verdicts = new Map<string, ProvenanceVerdict>();
  for (const [key, { policy, digests }] of wanted) {
    let found: Map<string, ProvenanceVerdict>;
    try {
      found = await checker.checkMany(octokit, [...digests], policy);
    } catch (error) {
      const reason = `Ferry could not read the attestations: ${describeGitHubFailure(error)}; re-run the check`;
      found = new Map([...digests].map((d) => [d, { status: "unavailable", reason }]));
    }
    for (const [digest, verdict] of found) verdicts.set(`${key}#${digest}`, verdict);
  }
  return (env, app) => {
    const fact = facts.get(`${env}#${app}`);
    if (!fact || fact.policy.mode === "off") return undefined;
    const verdict = fact.digest ? verdicts.get(`${policyKey(fact.policy)}#${fact.digest}`) : undefined;
    return { mode: fact.policy.mode, ...(verdict ? { verdict } : {}) };
  };
}
