/**
 * Trusted roots followed over TUF: @sigstore/tuf against a local TUF repository served over real
 * HTTP, its metadata signed with generated keys; bundles signed on the spot under generated roots.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { githubActionsIssuer, type ProvenancePolicy } from "../../src/provenance/policy.js";
import { TrustedRootFile } from "../../src/provenance/root-source.js";
import { CombinedRoots, TufRoots } from "../../src/provenance/tuf-roots.js";
import { verifyAttestation } from "../../src/provenance/verify-attestation.js";
import {
  githubInstance,
  publicGoodInstance,
  randomDigest,
  type TestInstance,
  trustedRootLines,
} from "../support/provenance.js";
import { type TufRepoServer, tufRepoServer } from "../support/tuf-repo.js";

const policy: ProvenancePolicy = {
  mode: "required",
  repository: "acme/api",
  workflows: ["acme/api/.github/workflows/**"],
  refs: ["refs/heads/main"],
  triggers: ["push"],
  githubHostedRunners: true,
  issuer: githubActionsIssuer,
};

let github: TestInstance;
let publicGood: TestInstance;
const servers: TufRepoServer[] = [];

beforeAll(async () => {
  github = await githubInstance();
  publicGood = await publicGoodInstance();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function mirror(instance: TestInstance): Promise<TufRepoServer> {
  const server = await tufRepoServer(trustedRootLines(instance).trim());
  servers.push(server);
  return server;
}

const cache = () => mkdtempSync(join(tmpdir(), "ferry-tuf-cache-"));

async function verifies(roots: { current(): ReturnType<TufRoots["current"]> }, instance: TestInstance) {
  const answer = roots.current();
  if (!answer.ok) return answer.reason;
  const digest = randomDigest();
  const verdict = verifyAttestation(await instance.bundle({ digest }), digest, policy, answer.roots);
  return verdict.ok ? "verified" : verdict.reason;
}

describe("TufRoots", () => {
  it("fetches trusted_root.json from the mirror, verified from the given root.json, and verifies a bundle with it", async () => {
    const repo = await mirror(github);
    const roots = new TufRoots({ mirrors: [{ url: repo.url, rootPath: repo.rootPath }], cachePath: cache() });
    expect(await verifies(roots, github)).toContain("Ferry has no trusted Sigstore root");
    await roots.refresh();
    expect(await verifies(roots, github)).toBe("verified");
    expect(repo.requests).toEqual(
      expect.arrayContaining([
        "/timestamp.json",
        "/snapshot.json",
        "/targets.json",
        "/targets/trusted_root.json",
      ]),
    );
  });

  it("keeps the last good root when the mirror goes down, and says so", async () => {
    const repo = await mirror(github);
    const roots = new TufRoots({ mirrors: [{ url: repo.url, rootPath: repo.rootPath }], cachePath: cache() });
    await roots.refresh();
    repo.mode = "down";
    const before = repo.requests.length;
    await roots.refresh();
    expect(repo.requests.length).toBeGreaterThan(before);
    expect(await verifies(roots, github)).toBe("verified");
    expect(roots.problems()).toEqual([expect.stringContaining(`TUF mirror ${repo.url}:`)]);
  });

  it("fails closed on a target that is not the one the metadata signed", async () => {
    const repo = await mirror(github);
    repo.mode = "tampered";
    const roots = new TufRoots({ mirrors: [{ url: repo.url, rootPath: repo.rootPath }], cachePath: cache() });
    await roots.refresh();
    const answer = roots.current();
    expect(answer.ok).toBe(false);
    expect(answer.ok ? "" : answer.reason).toContain(
      `Ferry has no trusted Sigstore root: TUF mirror ${repo.url}: trusted_root.json could not be fetched and verified (`,
    );
  });

  it("fails closed on a mirror whose metadata another key signed (root.json of a different repository)", async () => {
    const repo = await mirror(github);
    const other = await mirror(github);
    const roots = new TufRoots({
      mirrors: [{ url: repo.url, rootPath: other.rootPath }],
      cachePath: cache(),
    });
    await roots.refresh();
    expect(roots.current().ok).toBe(false);
    expect(repo.requests).not.toContain("/targets/trusted_root.json");
  });

  it("fails closed on a mirror that was never reachable", async () => {
    const repo = await mirror(github);
    repo.mode = "down";
    const roots = new TufRoots({ mirrors: [{ url: repo.url, rootPath: repo.rootPath }], cachePath: cache() });
    await roots.refresh();
    expect(await verifies(roots, github)).toContain(
      `Ferry has no trusted Sigstore root: TUF mirror ${repo.url}:`,
    );
  });

  it("follows two mirrors (GitHub's and public good) and combines them with the FERRY_TRUSTED_ROOTS file", async () => {
    const githubRepo = await mirror(github);
    const publicRepo = await mirror(publicGood);
    const tuf = new TufRoots({
      mirrors: [
        { url: githubRepo.url, rootPath: githubRepo.rootPath },
        { url: publicRepo.url, rootPath: publicRepo.rootPath },
      ],
      cachePath: cache(),
    });
    await tuf.refresh();
    expect(await verifies(tuf, github)).toBe("verified");
    expect(await verifies(tuf, publicGood)).toBe("verified");

    // GitHub's root over TUF, public good's from the file.
    const file = join(cache(), "roots.jsonl");
    writeFileSync(file, trustedRootLines(publicGood));
    const onlyGithub = new TufRoots({
      mirrors: [{ url: githubRepo.url, rootPath: githubRepo.rootPath }],
      cachePath: cache(),
    });
    await onlyGithub.refresh();
    const combined = new CombinedRoots([onlyGithub, new TrustedRootFile(file)]);
    expect(await verifies(combined, github)).toBe("verified");
    expect(await verifies(combined, publicGood)).toBe("verified");
    expect(await verifies(onlyGithub, publicGood)).toContain("no trusted root for certificates issued by");
  });
});
