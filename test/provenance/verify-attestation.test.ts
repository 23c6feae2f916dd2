import { beforeAll, describe, expect, it } from "vitest";
import { githubActionsIssuer, type ProvenancePolicy } from "../../src/provenance/policy.js";
import { parseTrustedRoots, type TrustRoot } from "../../src/provenance/trust-roots.js";
import { verifyAttestation } from "../../src/provenance/verify-attestation.js";
import {
  githubInstance,
  publicGoodInstance,
  randomDigest,
  type TestInstance,
  trustedRootLines,
} from "../support/provenance.js";

const policy: ProvenancePolicy = {
  mode: "required",
  repository: "acme/api",
  repositoryId: 4242,
  workflows: ["acme/api/.github/workflows/**"],
  refs: ["refs/heads/main"],
  triggers: ["push", "workflow_dispatch", "release"],
  githubHostedRunners: true,
  issuer: githubActionsIssuer,
};

let github: TestInstance;
let publicGood: TestInstance;
let roots: TrustRoot[];

beforeAll(async () => {
  github = await githubInstance();
  publicGood = await publicGoodInstance();
  const parsed = parseTrustedRoots(trustedRootLines(publicGood, github));
  if (!parsed.ok) throw new Error(parsed.errors);
  roots = parsed.value;
});

describe("verifyAttestation", () => {
  it.each([
    ["GitHub's instance (timestamp authority)", () => github],
    ["the public-good instance (transparency log and SCTs)", () => publicGood],
  ])("passes a build of the app's own workflow signed by %s, and shows who built it", async (_, instance) => {
    const digest = randomDigest();
    const verdict = verifyAttestation(await instance().bundle({ digest }), digest, policy, roots);
    expect(verdict).toEqual({
      ok: true,
      evidence: expect.objectContaining({
        repository: "acme/api",
        workflow: "acme/api/.github/workflows/build.yml@refs/heads/main",
        ref: "refs/heads/main",
        commit: "a".repeat(40),
        runner: "github-hosted",
        trigger: "push",
      }),
    });
  });

  it("refuses a bundle signed under a root Ferry does not trust", async () => {
    const stranger = await githubInstance();
    const digest = randomDigest();
    const verdict = verifyAttestation(await stranger.bundle({ digest }), digest, policy, roots);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/signature does not verify/) });
  });

  it("refuses a bundle whose issuer has no trusted root", async () => {
    const other = await githubInstance("Evil Corp");
    const digest = randomDigest();
    const verdict = verifyAttestation(await other.bundle({ digest }), digest, policy, roots);
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'no trusted root for certificates issued by "Evil Corp"',
    });
  });

  it.each([
    ["GitHub", () => github],
    ["public good", () => publicGood],
  ])("refuses a tampered payload and a missing timestamp (%s)", async (_, instance) => {
    const digest = randomDigest();
    const tampered = await instance().bundle({ digest, tamper: true });
    expect(verifyAttestation(tampered, digest, policy, roots)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/signature does not verify/),
    });
    const untimed = await instance().bundle({ digest, untimed: true });
    expect(verifyAttestation(untimed, digest, policy, roots)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/signature does not verify/),
    });
  });

  it("refuses an attestation of another digest (the verifier does not compare subjects)", async () => {
    const bundle = await github.bundle({ digest: randomDigest() });
    const digest = randomDigest();
    expect(verifyAttestation(bundle, digest, policy, roots)).toMatchObject({
      ok: false,
      reason: `the attestation is for another digest, not ${digest}`,
    });
  });

  it("refuses a predicate other than SLSA provenance v1", async () => {
    const digest = randomDigest();
    const bundle = await github.bundle({ digest, predicateType: "https://spdx.dev/Document/v2.3" });
    expect(verifyAttestation(bundle, digest, policy, roots)).toMatchObject({
      ok: false,
      reason: "the predicate is https://spdx.dev/Document/v2.3, not SLSA provenance v1",
    });
  });

  it.each([
    [{ issuer: "https://token.example.com" }, /issued for https:\/\/token\.example\.com/],
    [{ repo: "acme/other" }, /built in acme\/other, not in acme\/api/],
    [{ repoId: 9 }, /id 9, not 4242/],
    [{ workflow: ".github/workflows/release.yml" }, undefined],
    [{ signer: "mallory/tools/.github/workflows/build.yml" }, /signed by workflow mallory\/tools/],
    [{ ref: "refs/heads/feature" }, /built from refs\/heads\/feature, not from refs\/heads\/main/],
    [{ trigger: "pull_request" }, /triggered by pull_request/],
    [{ runner: "self-hosted" as const }, /self-hosted runner/],
  ])("judges the claim %o against the policy", async (claims, refused) => {
    const digest = randomDigest();
    const verdict = verifyAttestation(await github.bundle({ digest, claims }), digest, policy, roots);
    if (refused === undefined) expect(verdict.ok).toBe(true);
    else expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(refused) });
  });

  it("anchors the repository: a policy for acme/ap refuses a build of acme/app", async () => {
    const digest = randomDigest();
    const bundle = await github.bundle({ digest, claims: { repo: "acme/app" } });
    const narrow = { ...policy, repository: "acme/ap", repositoryId: undefined, workflows: ["acme/ap/**"] };
    expect(verifyAttestation(bundle, digest, narrow, roots)).toMatchObject({
      ok: false,
      reason: "built in acme/app, not in acme/ap",
    });
    const loose = { ...narrow, repository: "acme/app", workflows: ["acme/ap/.github/workflows/*"] };
    expect(verifyAttestation(bundle, digest, loose, roots)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/signed by workflow acme\/app\//),
    });
  });

  it("accepts a reusable workflow only when the policy names the callee", async () => {
    const digest = randomDigest();
    const signer = "acme/ci/.github/workflows/container.yml";
    const bundle = await github.bundle({ digest, claims: { signer } });
    expect(verifyAttestation(bundle, digest, policy, roots)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/signed by workflow acme\/ci\/\.github\/workflows\/container\.yml/),
    });
    const shared = { ...policy, workflows: ["acme/ci/.github/workflows/container.yml"] };
    expect(verifyAttestation(bundle, digest, shared, roots)).toEqual({
      ok: true,
      evidence: expect.objectContaining({
        repository: "acme/api",
        workflow: `${signer}@refs/heads/main`,
      }),
    });
  });
});

describe("parseTrustedRoots", () => {
  it("says which line is not a trusted root", () => {
    expect(parseTrustedRoots('{"mediaType":"x"}\nnot json\n')).toMatchObject({
      ok: false,
      errors: expect.stringMatching(/^line 1: no certificate authority|^line 2/),
    });
    expect(parseTrustedRoots("")).toEqual({ ok: false, errors: "no trusted root in the file" });
  });
});
