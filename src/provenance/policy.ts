import picomatch from "picomatch";

/** GitHub Actions' OIDC issuer: the `iss` of every token a workflow run gets on github.com. */
export const githubActionsIssuer = "https://token.actions.githubusercontent.com";
export const slsaProvenanceV1 = "https://slsa.dev/provenance/v1";

/** What an attestation must show for Ferry to promote a digest: one app in one environment. */
export interface ProvenancePolicy {
  mode: "required" | "optional" | "off";
  /** `owner/repo` that must have built the image. */
  repository: string;
  /** GitHub's immutable id of that repository, when known: a re-created namesake does not count. */
  repositoryId?: number | undefined;
  /** Globs over `owner/repo/path` of the workflow that signed (for a reusable workflow, the callee). */
  workflows: string[];
  /** Globs over the full ref the build ran on, e.g. `refs/heads/main`, `refs/tags/v*`. */
  refs: string[];
  /** Events that may trigger the build (`push`, `workflow_dispatch`, `release`, …). */
  triggers: string[];
  githubHostedRunners: boolean;
  /** The OIDC issuer in the certificate. */
  issuer: string;
  /**
   * Also require the source commit to be in the history of the branch it was built from (for a
   * tag build, of `branch`): a feature-branch or force-pushed-away commit does not count.
   */
  requireReachable?: boolean | undefined;
  /** The app's trigger branch: where a tag build's commit must be reachable from. */
  branch?: string | undefined;
}

/** A stable text of the policy, for cache keys: two policies that judge alike have one key. */
export function policyKey(policy: ProvenancePolicy): string {
  return JSON.stringify([
    policy.repository,
    policy.repositoryId ?? null,
    [...policy.workflows].sort(),
    [...policy.refs].sort(),
    [...policy.triggers].sort(),
    policy.githubHostedRunners,
    policy.issuer,
    ...(policy.requireReachable ? ["reachable", policy.branch ?? null] : []),
  ]);
}

/** Exact glob match over the whole text: `acme/ap` never matches `acme/app`. */
export function matchesAny(globs: readonly string[], text: string): boolean {
  return globs.some((glob) => picomatch.isMatch(text, glob, { dot: true }));
}
