import { Octokit as RestOctokit } from "@octokit/rest";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "../../src/github/repo-client.js";
import { githubActionsIssuer, type ProvenancePolicy } from "../../src/provenance/policy.js";
import { ProvenanceChecker } from "../../src/provenance/provenance-checker.js";
import { parseTrustedRoots, type TrustRoot } from "../../src/provenance/trust-roots.js";
import { MemoryVerdictCache } from "../../src/provenance/verdict-cache.js";
import { type GitHubServer, generateAppKeyPair, startGitHubServer } from "../support/github/index.js";
import { githubInstance, randomDigest, type TestInstance, trustedRootLines } from "../support/provenance.js";

const keys = generateAppKeyPair();
const policy: ProvenancePolicy = {
  mode: "required",
  repository: "acme/api",
  workflows: ["acme/api/.github/workflows/**"],
  refs: ["refs/heads/main"],
  triggers: ["push"],
  githubHostedRunners: true,
  issuer: githubActionsIssuer,
};

let instance: TestInstance;
let roots: TrustRoot[];
let github: GitHubServer | undefined;

beforeAll(async () => {
  instance = await githubInstance();
  const parsed = parseTrustedRoots(trustedRootLines(instance));
  if (!parsed.ok) throw new Error(parsed.errors);
  roots = parsed.value;
});

afterEach(async () => {
  await github?.close();
  github = undefined;
});

async function setup(options: { enterprise?: string } = {}) {
  github = await startGitHubServer({ appId: 1, privateKey: keys.privateKey, account: "acme", ...options });
  github.createRepo("acme/api", { files: { "README.md": "api" } });
  let now = Date.now();
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const octokit = new RestOctokit({ baseUrl: github.apiUrl, auth: github.userToken("ferry"), log: quiet });
  const checker = new ProvenanceChecker({
    roots: { current: () => ({ ok: true, roots }) },
    cache: new MemoryVerdictCache(() => now),
  });
  return {
    github,
    checker,
    octokit: octokit as unknown as Octokit,
    later: (ms: number) => {
      now += ms;
    },
  };
}

describe("ProvenanceChecker against GitHub's attestations API", () => {
  it("says not yet attested, keeps saying so for a while from its cache, then verifies once attested", async () => {
    const { github, checker, octokit, later } = await setup();
    const digest = randomDigest();
    expect(await checker.check(octokit, digest, policy)).toMatchObject({ status: "missing" });
    github.attest("acme/api", digest, await instance.bundle({ digest }));
    github.resetRequests();
    expect(await checker.check(octokit, digest, policy)).toMatchObject({ status: "missing" });
    expect(github.requests).toEqual([]);
    later(3 * 60_000);
    expect(await checker.check(octokit, digest, policy)).toMatchObject({
      status: "verified",
      evidence: { repository: "acme/api", commit: "a".repeat(40) },
      attestationsUrl: "https://github.com/acme/api/attestations",
    });
    expect(github.requests.map((r) => r.route)).toEqual([
      "GET /repos/{owner}/{repo}/attestations/{subject_digest}",
    ]);
    github.resetRequests();
    later(7 * 24 * 3_600_000);
    expect(await checker.check(octokit, digest, policy)).toMatchObject({ status: "verified" });
    expect(github.requests).toEqual([]);
  });

  it("downloads a bundle listed by bundle_url only, without sending the token there", async () => {
    const { github, checker, octokit } = await setup();
    const digest = randomDigest();
    github.attest("acme/api", digest, await instance.bundle({ digest }), { inline: false });
    expect(await checker.check(octokit, digest, policy)).toMatchObject({ status: "verified" });
    expect(github.attestations.downloads).toEqual([{ id: 1, authorization: undefined }]);
  });

  it("passes when one of several attestations satisfies the policy, and names the closest failure otherwise", async () => {
    const { github, checker, octokit } = await setup();
    const digest = randomDigest();
    github.attest("acme/api", digest, await instance.bundle({ digest, claims: { ref: "refs/heads/dev" } }));
    expect(await checker.check(octokit, digest, policy)).toMatchObject({
      status: "failed",
      reason: "built from refs/heads/dev, not from refs/heads/main",
    });
    const other = randomDigest();
    github.attest(
      "acme/api",
      other,
      await instance.bundle({ digest: other, claims: { ref: "refs/heads/dev" } }),
    );
    github.attest("acme/api", other, await instance.bundle({ digest: other }));
    expect(await checker.check(octokit, other, policy)).toMatchObject({ status: "verified" });
  });

  it("asks for several digests in one bulk request", async () => {
    const { github, checker, octokit } = await setup();
    const digests = [randomDigest(), randomDigest()];
    for (const d of digests) github.attest("acme/api", d, await instance.bundle({ digest: d }));
    github.resetRequests();
    const verdicts = await checker.checkMany(octokit, digests, policy);
    expect([...verdicts.values()].map((v) => v.status)).toEqual(["verified", "verified"]);
    expect(github.requests.map((r) => r.route)).toEqual(["POST /orgs/{org}/attestations/bulk-list"]);
  });

  it("says the check is unavailable on GitHub Enterprise Server", async () => {
    const { checker, octokit } = await setup({ enterprise: "3.15.0" });
    expect(await checker.check(octokit, randomDigest(), policy)).toEqual({
      status: "unavailable",
      reason: expect.stringMatching(/^GitHub Enterprise Server has no artifact attestations API/),
    });
  });
});
