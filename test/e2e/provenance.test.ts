/**
 * Provenance-verified promotion end to end: the real app, the GitHub test server's attestation
 * routes, and bundles signed on the spot under a generated GitHub-instance root.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack, webhookSecret } from "../support/ferry.js";
import { repositoryId } from "../support/payloads.js";
import { pollUntil } from "../support/poll.js";
import { githubInstance, randomDigest, type TestInstance, trustedRootLines } from "../support/provenance.js";
import { RedisServer, redisServer } from "../support/redis-server.js";
import { tufRepoServer } from "../support/tuf-repo.js";
import { configRepoFiles, ferryYml } from "./fixtures.js";
import { build, concluded, eventually, freshRepos, openPr } from "./world.js";

const requiredYml = ferryYml.replace(
  "    trigger: { workflow: build.yml, branch: main }\n",
  (line) => `${line}    provenance: required\n`,
);

let instance: TestInstance;
let rootsFile: string;

beforeAll(async () => {
  instance = await githubInstance();
  rootsFile = join(mkdtempSync(join(tmpdir(), "ferry-roots-")), "roots.jsonl");
  writeFileSync(rootsFile, trustedRootLines(instance));
});

/** A bundle for acme/api's build of `digest`, as its attest step would store it. */
function attestation(digest: string, claims: Parameters<TestInstance["bundle"]>[0]["claims"] = {}) {
  return instance.bundle({
    digest,
    claims: { repo: "acme/api", repoId: repositoryId("acme/api"), ...claims },
  });
}

const env = (extra: Record<string, string> = {}) => ({
  FERRY_TRUSTED_ROOTS: rootsFile,
  FERRY_PROVENANCE_RETRY_MS: "50",
  FERRY_PROVENANCE_WAIT_MS: "600000",
  ...extra,
});

/** `Ferry / promotion` on `sha` once concluded (the guard runs after the PR's webhook is answered). */
const promotionCheck = (stack: Stack, sha: string) => concluded(stack, sha, "Ferry / promotion");

function files(yml = requiredYml) {
  return { ...configRepoFiles(), ".github/ferry.yml": yml };
}

describe("propose with provenance: required", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: env() });
  });
  afterAll(() => stack.close());
  beforeEach(() => freshRepos(stack, files()));

  const ferryPrs = () => stack.github.pulls("acme/deploy").filter((p) => p.head.ref.startsWith("ferry/"));

  it("waits for a digest that is not attested yet, then opens the PR with the evidence once it is", async () => {
    const digest = randomDigest();
    const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v2" } });
    await build(stack, "1.5.0", { digest, sha });
    expect(ferryPrs()).toHaveLength(0);
    stack.github.attest("acme/api", digest, await attestation(digest, { sha }));
    const pr = await pollUntil(() => ferryPrs()[0], "the promotion PR", 10_000);
    expect(pr.body).toContain(
      `Provenance: ✅ built by \`acme/api/.github/workflows/build.yml@refs/heads/main\` from \`${sha.slice(0, 7)}\` on \`refs/heads/main\``,
    );
    expect(pr.body).toContain("[attestation](https://github.com/acme/api/attestations)");
    expect(stack.github.checkRuns("acme/api", sha)).toEqual([]);
    // The guard checks Ferry's own PR like any other.
    await stack.github.idle();
    const check = await promotionCheck(stack, pr.head.sha);
    expect(check).toMatchObject({ conclusion: "success" });
    expect(check?.output.summary).toContain("provenance-verified: ✅ built by");
  });

  it("refuses a digest whose attestation breaks the policy, on the build's commit", async () => {
    const digest = randomDigest();
    const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v3" } });
    stack.github.attest("acme/api", digest, await attestation(digest, { ref: "refs/heads/experiment" }));
    await build(stack, "1.5.0", { digest, sha });
    expect(ferryPrs()).toHaveLength(0);
    const [run] = stack.github.checkRuns("acme/api", sha);
    expect(run).toMatchObject({ name: "Ferry / propose (staging)", conclusion: "failure" });
    expect(run?.output.summary).toContain(
      "its build provenance does not satisfy ferry.yml: built from refs/heads/experiment, not from refs/heads/main",
    );
  });

  it("refuses a digest attested by a namesake repository (another id than the event's)", async () => {
    const digest = randomDigest();
    const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v7" } });
    stack.github.attest("acme/api", digest, await attestation(digest, { repoId: 99 }));
    await build(stack, "1.5.0", { digest, sha });
    expect(ferryPrs()).toHaveLength(0);
    const [run] = stack.github.checkRuns("acme/api", sha);
    expect(run?.output.summary).toContain(
      `the attestation names repository id 99, not ${repositoryId("acme/api")}, the id of acme/api that announced the build`,
    );
  });

  it("refuses a build that names no digest", async () => {
    const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v4" } });
    await build(stack, "1.5.0", { sha });
    expect(ferryPrs()).toHaveLength(0);
    const [run] = stack.github.checkRuns("acme/api", sha);
    expect(run?.output.summary).toContain("provenance is required, but the build names no image digest");
  });
});

/** Staging's kustomization pinned to `1.5.0@digest` (or the tag alone). */
function pinned(digest?: string) {
  return {
    "overlays/staging/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: ghcr.io/acme/api
    newTag: "1.5.0"
${digest ? `    digest: ${digest}\n` : ""}`,
  };
}

describe("the guard's provenance-verified rule", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: env() });
  });
  afterAll(() => stack.close());
  beforeEach(() => freshRepos(stack, files()));

  it("passes a developer's PR that pins an attested digest, and shows who built it", async () => {
    const digest = randomDigest();
    stack.github.attest("acme/api", digest, await attestation(digest));
    const { head } = await openPr(stack, "bump", pinned(digest));
    const check = await promotionCheck(stack, head);
    expect(check?.conclusion).toBe("success");
    expect(check?.output.summary).toContain(
      "provenance-verified: ✅ built by `acme/api/.github/workflows/build.yml@refs/heads/main` from `aaaaaaa` on `refs/heads/main` (`push`, `github-hosted` runner)",
    );
  });

  it("fails a PR that pins a digest GitHub has no attestation of, on the line", async () => {
    const digest = randomDigest();
    const { head } = await openPr(stack, "bump", pinned(digest));
    const check = await promotionCheck(stack, head);
    expect(check?.conclusion).toBe("failure");
    expect(check?.output.summary).toContain(
      `provenance-verified: GitHub has no build provenance attestation for ${digest} (yet)`,
    );
    expect(check?.output.annotations).toEqual([
      expect.objectContaining({ path: "overlays/staging/kustomization.yaml", annotation_level: "failure" }),
    ]);
  });

  it("fails a PR whose digest was built by another repository's workflow", async () => {
    const digest = randomDigest();
    stack.github.attest(
      "acme/api",
      digest,
      await attestation(digest, { signer: "mallory/tools/.github/workflows/x.yml" }),
    );
    const { head } = await openPr(stack, "bump", pinned(digest));
    expect((await promotionCheck(stack, head)).output.summary).toContain(
      "provenance-verified: signed by workflow mallory/tools/.github/workflows/x.yml",
    );
  });

  it("fails a tag-only reference where provenance is required", async () => {
    const { head } = await openPr(stack, "bump", pinned());
    const check = await promotionCheck(stack, head);
    expect(check?.conclusion).toBe("failure");
    expect(check?.output.summary).toContain(
      "provenance-verified: provenance is required, and a tag-only reference cannot be verified; pin the digest",
    );
  });

  it("leaves a tag-only reference alone where the environment makes provenance optional", async () => {
    const optional = requiredYml.replace(
      "  - name: staging\n    paths: [overlays/staging/**]\n",
      "  - name: staging\n    paths: [overlays/staging/**]\n    provenance: optional\n",
    );
    await freshRepos(stack, files(optional));
    const { head } = await openPr(stack, "bump", pinned());
    expect((await promotionCheck(stack, head)).conclusion).toBe("success");
  });
});

describe("propose: a digest never attested", () => {
  it("gives up after FERRY_PROVENANCE_WAIT_MS with a failed check on the build's commit", async () => {
    const stack = await startStack({ env: env({ FERRY_PROVENANCE_WAIT_MS: "200" }) });
    try {
      await freshRepos(stack, files());
      const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v5" } });
      const digest = randomDigest();
      await build(stack, "1.5.0", { digest, sha });
      const run = await pollUntil(
        () => stack.github.checkRuns("acme/api", sha)[0],
        "the failed check",
        10_000,
      );
      expect(run).toMatchObject({ name: "Ferry / propose (staging)", conclusion: "failure" });
      expect(run.output.summary).toContain(`GitHub has no build provenance attestation for ${digest} (yet)`);
      expect(run.output.summary).toContain("add actions/attest-build-provenance to the build");
      expect(stack.github.pulls("acme/deploy")).toHaveLength(0);
    } finally {
      await stack.close();
    }
  });
});

describe("propose on GitHub Enterprise Server", () => {
  it("fails the build with the reason: GHES has no attestations", async () => {
    const stack = await startStack({ env: env(), github: { enterprise: "3.15.0" } });
    try {
      await freshRepos(stack, files());
      const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v6" } });
      await build(stack, "1.5.0", { digest: randomDigest(), sha });
      const [run] = stack.github.checkRuns("acme/api", sha);
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.summary).toContain("GitHub Enterprise Server has no artifact attestations API");
      expect(stack.github.pulls("acme/deploy")).toHaveLength(0);
      // The guard says the same on a developer's PR.
      const { head } = await openPr(stack, "bump", pinned(randomDigest()));
      expect((await promotionCheck(stack, head)).output.summary).toContain(
        "provenance-verified: GitHub Enterprise Server has no artifact attestations API",
      );
    } finally {
      await stack.close();
    }
  });
});

describe.skipIf(!redisServer)("verdicts shared in Redis", () => {
  it("a second replica reuses the first one's pass: no attestation request on a re-run", async () => {
    const redis = await RedisServer.start();
    const stack = await startStack({ env: env({ REDIS_URL: redis.url }) });
    const second = await stack.replica();
    try {
      await freshRepos(stack, files());
      const digest = randomDigest();
      stack.github.attest("acme/api", digest, await attestation(digest));
      const { head } = await openPr(stack, "bump", pinned(digest));
      expect((await promotionCheck(stack, head)).conclusion).toBe("success");
      const lookups = () => stack.github.requests.filter((r) => r.route?.includes("/attestations")).length;
      expect(lookups()).toBe(1);
      stack.github.setWebhook({ url: `${second.url}/api/github/webhooks`, secret: webhookSecret });
      stack.github.rerequestCheckSuite("acme/deploy", head);
      await stack.github.idle();
      expect((await promotionCheck(stack, head)).conclusion).toBe("success");
      expect((await promotionCheck(stack, head)).output.summary).toContain("provenance-verified: ✅");
      expect(lookups()).toBe(1);
    } finally {
      await second.close();
      await stack.close();
      await redis.stop();
    }
  });
});

describe("ChatOps promotions with provenance: required", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: env() });
  });
  afterAll(() => stack.close());
  beforeEach(async () => {
    await freshRepos(stack, files());
    stack.github.setPermission("acme/deploy", "alice", "write");
  });

  const say = async (body: string) => {
    const alice = stack.user("alice");
    const { data: issue } = await alice.rest.issues.create({
      owner: "acme",
      repo: "deploy",
      title: "Releases",
    });
    const { data: said } = await alice.rest.issues.createComment({
      owner: "acme",
      repo: "deploy",
      issue_number: issue.number,
      body,
    });
    const reply = await eventually(
      () => stack.github.comments("acme/deploy", issue.number).find((c) => c.id > said.id),
      "Ferry's reply",
    );
    return reply.body;
  };

  it("refuses a digest without an attestation, and shows the evidence of one with", async () => {
    const unattested = randomDigest();
    expect(await say(`/ferry promote api 1.5.0@${unattested} to staging`)).toContain(
      `Ferry could not promote api 1.5.0 to staging: GitHub has no build provenance attestation for ${unattested} (yet); add actions/attest-build-provenance`,
    );
    expect(stack.github.pulls("acme/deploy")).toHaveLength(0);
    const digest = randomDigest();
    stack.github.attest("acme/api", digest, await attestation(digest));
    expect(await say(`/ferry promote api 1.5.0@${digest} to staging`)).toContain("Ferry opened");
    const [pr] = stack.github.pulls("acme/deploy");
    expect(pr?.body).toContain(
      "Provenance: ✅ built by `acme/api/.github/workflows/build.yml@refs/heads/main`",
    );
  });
});

describe("an installation that has not accepted the Attestations permission", () => {
  it("fails the build saying which permission to grant", async () => {
    const permissions = {
      contents: "write",
      pull_requests: "write",
      checks: "write",
      issues: "write",
      metadata: "read",
    } as const;
    const stack = await startStack({ env: env(), github: { permissions } });
    try {
      await freshRepos(stack, files());
      const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v8" } });
      const digest = randomDigest();
      stack.github.attest("acme/api", digest, await attestation(digest));
      await build(stack, "1.5.0", { digest, sha });
      const [run] = stack.github.checkRuns("acme/api", sha);
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.summary).toContain("the installation lacks the Attestations (read) permission");
      expect(stack.github.pulls("acme/deploy")).toHaveLength(0);
    } finally {
      await stack.close();
    }
  });
});

describe("requireReachable: the attested commit must be in its branch's history", () => {
  const reachableYml = ferryYml.replace(
    "    trigger: { workflow: build.yml, branch: main }\n",
    (line) => `${line}    provenance: { mode: required, requireReachable: true }\n`,
  );
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: env() });
  });
  afterAll(() => stack.close());
  beforeEach(() => freshRepos(stack, files(reachableYml)));

  const ferryPrs = () => stack.github.pulls("acme/deploy").filter((p) => p.head.ref.startsWith("ferry/"));
  const compares = () =>
    stack.github.requests.filter((r) => r.path.startsWith("/repos/acme/api/compare/")).length;

  it("promotes a digest built from a commit on main, with one compare request", async () => {
    const digest = randomDigest();
    const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "r1" } });
    // main moves on after the build: the commit is behind the branch, still in its history.
    stack.github.push("acme/api", { branch: "main", files: { "src.txt": "r2" } });
    stack.github.attest("acme/api", digest, await attestation(digest, { sha }));
    const before = compares();
    await build(stack, "1.5.0", { digest, sha });
    const pr = await pollUntil(() => ferryPrs()[0], "the promotion PR", 10_000);
    expect(pr.body).toContain(`from \`${sha.slice(0, 7)}\` on \`refs/heads/main\``);
    await stack.github.idle();
    expect((await promotionCheck(stack, pr.head.sha)).conclusion).toBe("success");
    // Propose and the guard share the verdict cache: one compare for the digest.
    expect(compares() - before).toBe(1);
  });

  it("refuses a feature-branch commit whose certificate claims refs/heads/main, on propose", async () => {
    const digest = randomDigest();
    const sha = stack.github.push("acme/api", { branch: "feature", files: { "src.txt": "f1" } });
    stack.github.attest("acme/api", digest, await attestation(digest, { sha, ref: "refs/heads/main" }));
    await build(stack, "1.5.0", { digest, sha });
    expect(ferryPrs()).toHaveLength(0);
    const [run] = stack.github.checkRuns("acme/api", sha);
    expect(run).toMatchObject({ name: "Ferry / propose (staging)", conclusion: "failure" });
    expect(run?.output.summary).toContain(
      `its build provenance does not satisfy ferry.yml: its source commit ${sha.slice(0, 7)} is not in the history of main in acme/api (compare: ahead)`,
    );
  });

  it("fails a PR pinning a digest whose commit was force-pushed away from main", async () => {
    const base = stack.github.resolve("acme/api", "main") as string;
    const sha = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "gone" } });
    stack.github.push("acme/api", {
      branch: "main",
      files: { "src.txt": "kept" },
      force: true,
      parent: base,
    });
    const digest = randomDigest();
    stack.github.attest("acme/api", digest, await attestation(digest, { sha }));
    const { head } = await openPr(stack, "bump", pinned(digest));
    const check = await promotionCheck(stack, head);
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toContain(
      `provenance-verified: its source commit ${sha.slice(0, 7)} is not in the history of main in acme/api (compare: diverged); it was built from another branch or force-pushed away`,
    );
  });

  it("fails a digest whose commit GitHub does not know", async () => {
    const digest = randomDigest();
    stack.github.attest("acme/api", digest, await attestation(digest, { sha: "b".repeat(40) }));
    const { head } = await openPr(stack, "bump", pinned(digest));
    expect((await promotionCheck(stack, head)).output.summary).toContain(
      "provenance-verified: its source commit bbbbbbb is not in the history of main in acme/api (GitHub knows no such commit or branch)",
    );
  });
});

describe("trusted roots followed over TUF (FERRY_TUF_MIRROR, FERRY_TUF_ROOT)", () => {
  it("verifies with the root fetched from the mirror, with no FERRY_TRUSTED_ROOTS file", async () => {
    const mirror = await tufRepoServer(trustedRootLines(instance).trim());
    const stack = await startStack({
      env: {
        FERRY_TUF_MIRROR: mirror.url,
        FERRY_TUF_ROOT: mirror.rootPath,
        FERRY_TUF_CACHE: mkdtempSync(join(tmpdir(), "ferry-tuf-cache-")),
      },
    });
    try {
      await freshRepos(stack, files());
      const digest = randomDigest();
      stack.github.attest("acme/api", digest, await attestation(digest));
      const { head } = await openPr(stack, "bump", pinned(digest));
      const check = await promotionCheck(stack, head);
      expect(check.conclusion).toBe("success");
      expect(check.output.summary).toContain("provenance-verified: ✅ built by");
      expect(mirror.requests).toContain("/targets/trusted_root.json");
    } finally {
      await stack.close();
      await mirror.close();
    }
  });

  it("fails closed, naming the mirror, when the mirror's target is not what its metadata signed", async () => {
    const mirror = await tufRepoServer(trustedRootLines(instance).trim());
    mirror.mode = "tampered";
    const stack = await startStack({
      env: {
        FERRY_TUF_MIRROR: mirror.url,
        FERRY_TUF_ROOT: mirror.rootPath,
        FERRY_TUF_CACHE: mkdtempSync(join(tmpdir(), "ferry-tuf-cache-")),
      },
    });
    try {
      await freshRepos(stack, files());
      const digest = randomDigest();
      stack.github.attest("acme/api", digest, await attestation(digest));
      const { head } = await openPr(stack, "bump", pinned(digest));
      const check = await promotionCheck(stack, head);
      expect(check.conclusion).toBe("failure");
      expect(check.output.summary).toContain(
        "provenance-verified: Ferry has no trusted Sigstore root: TUF mirror",
      );
      // Reasons are escaped as markdown in the summary: `trusted\_root.json`.
      expect(check.output.summary).toContain("root.json could not be fetched and verified");
    } finally {
      await stack.close();
      await mirror.close();
    }
  });
});
