import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Report } from "../../src/reports/report.js";
import { signedHeaders } from "../../src/reports/signature.js";
import { type Stack, startStack } from "../support/ferry.js";
import type { CheckRunRecord, PullRecord } from "../support/github/index.js";
import { pollUntil } from "../support/poll.js";
import { configRepoFiles, kustomization } from "./fixtures.js";
import { build, concluded, freshRepos, merge, openPr } from "./world.js";

/** Verdicts a reviewer trusts: Ferry's own updated PR, unknown order, empty tags, bad images, fan-in. */

const secrets = {
  "staging-eu-1": "staging-eu-1-secret-0123456789",
  "staging-us-1": "staging-us-1-secret-0123456789",
};

interface EnvSpec {
  name: string;
  paths: string[];
  after?: string | string[];
}

/** A ferry.yml built from data: the environments given, app `api` and any extra app keys. */
function ferryYml(environments: EnvSpec[], app: Record<string, unknown> = {}, rest: object = {}): string {
  return stringify({
    environments,
    apps: [{ name: "api", image: "ghcr.io/acme/api", source: "acme/api", ...app }],
    ...rest,
  });
}
const stagingAndProduction: EnvSpec[] = [
  { name: "staging", paths: ["overlays/staging/**"] },
  { name: "production", paths: ["overlays/production/**"], after: "staging" },
];

describe("verdicts a reviewer can trust", () => {
  let stack: Stack;
  const latest = (sha: string | undefined, name: string): CheckRunRecord | undefined =>
    stack.github
      .checkRuns("acme/deploy", sha ?? "")
      .filter((r) => r.name === name)
      .at(-1);
  /** The latest run of `name` on `sha` once it concluded: GitHub delivers webhooks concurrently, so wait for it. */
  const check = (sha: string | undefined, name: string): Promise<CheckRunRecord> =>
    concluded(stack, sha ?? "", name);
  const ferryPrs = (env: string): PullRecord[] =>
    stack.github.pulls("acme/deploy").filter((p) => p.state === "open" && p.head.ref === `ferry/${env}/api`);
  const read = (ref: string, path: string) => stack.github.readFile("acme/deploy", ref, path);
  /** A developer opens a PR from `branch` with `files`; returns its head. */
  const humanPr = async (branch: string, files: Record<string, string>) =>
    (await openPr(stack, branch, files, "Change by hand")).head;
  const post = async (report: Report) => {
    const body = JSON.stringify(report);
    const secret = secrets[report.cluster as keyof typeof secrets];
    const response = await fetch(`${stack.ferry.url}/ferry/v1/reports`, {
      method: "POST",
      headers: signedHeaders(secret, body, Date.now()),
      body,
    });
    await stack.idle();
    return response.status;
  };
  const healthy = (cluster: keyof typeof secrets, environment: string, revision: string): Report => ({
    cluster,
    configRepo: "acme/deploy",
    environment,
    object: { kind: "Application", namespace: "argocd", name: `api-${environment}` },
    revision,
    sync: "Synced",
    health: "Healthy",
    phase: "healthy",
    drifted: [],
    observedAt: new Date().toISOString(),
    sequence: Date.now(),
  });

  beforeAll(async () => {
    stack = await startStack({
      env: {
        FERRY_CLUSTER_SECRETS: Object.entries(secrets)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      },
    });
  });
  beforeEach(() => freshRepos(stack));
  afterAll(() => stack?.close());

  describe("Ferry moves its own PR to a newer build", () => {
    it("passes Ferry / promotion on the new head, though synchronize arrives before the body's edit", async () => {
      await build(stack, "1.5.0");
      const first = ferryPrs("staging")[0];
      expect((await check(first?.head.sha, "Ferry / promotion"))?.conclusion).toBe("success");
      const delivered = stack.github.deliveries.length;

      await build(stack, "1.6.0");
      const [pr, ...more] = ferryPrs("staging");
      expect(more).toHaveLength(0);
      expect(pr?.title).toBe("Promote api 1.6.0 to staging");
      // GitHub's order: the head moves (synchronize, carrying the old body), then the body changes.
      const events = stack.github.deliveries
        .slice(delivered)
        .filter((d) => d.event === "pull_request")
        .map((d) => ({
          action: d.action,
          body: (d.payload.pull_request as { body: string }).body,
        }));
      expect(events.map((e) => e.action)).toEqual(["synchronize", "edited"]);
      expect(events[0]?.body).toContain('"tag":"1.5.0"');
      expect(events[1]?.body).toContain('"tag":"1.6.0"');

      const run = await check(pr?.head.sha, "Ferry / promotion");
      expect(run?.conclusion).toBe("success");
      expect(run?.output.summary).not.toContain("may change image references only");
      expect(run?.output.summary).toContain("| staging | api | `1.4.1` | `1.6.0` | ✅");
    });

    it("still fails a human commit on the Ferry branch that changes more than image references", async () => {
      await build(stack, "1.5.0");
      await build(stack, "1.6.0");
      const head = stack.github.push("acme/deploy", {
        branch: "ferry/staging/api",
        files: { "overlays/staging/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n" },
        message: "Ferry-Promotion: api@1.6.0 staging",
        author: { name: "Mallory", email: "m@acme.test" },
      });
      await stack.idle();
      const run = await check(head, "Ferry / promotion");
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.summary).toContain("also changes: `overlays/staging/extra.yaml`");
    });
  });

  describe("tags that cannot be ordered", () => {
    it("says the order of 1.10 → 1.9 is unknown (neutral) instead of calling it in order", async () => {
      await freshRepos(stack, configRepoFiles("1.10"));
      const head = await humanPr("older", { "overlays/staging/kustomization.yaml": kustomization("1.9") });
      const run = await check(head, "Ferry / promotion");
      expect(run?.conclusion).toBe("neutral");
      expect(run?.output.title).toBe("Order unknown: check by hand that this is no downgrade");
      expect(run?.output.summary).toContain("| staging | api | `1.10` | `1.9` | ⚠️ order unknown");
      expect(run?.output.summary).not.toContain("in order");
      expect(run?.output.annotations).toEqual([
        expect.objectContaining({
          path: "overlays/staging/kustomization.yaml",
          start_line: 8,
          annotation_level: "warning",
        }),
      ]);
    });

    it("lets build times decide: going back to an older build is a downgrade", async () => {
      await freshRepos(stack, configRepoFiles("sha-0000001"));
      await build(stack, "sha-aaaaaaa");
      await merge(stack, ferryPrs("staging")[0]?.number ?? 0);
      await build(stack, "sha-bbbbbbb");
      const ferry = ferryPrs("staging")[0];
      // Ferry's own PR: its target's build time is in its marker, the running tag's in the last merge.
      expect((await check(ferry?.head.sha, "Ferry / promotion"))?.conclusion).toBe("success");
      await merge(stack, ferry?.number ?? 0);

      const head = await humanPr("back", {
        "overlays/staging/kustomization.yaml": kustomization("sha-aaaaaaa"),
      });
      const run = await check(head, "Ferry / promotion");
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.summary).toContain("downgrade from sha-bbbbbbb");
    });
  });

  describe("an empty tag in Helm values", () => {
    const values =
      'api:\n  image:\n    repository: ghcr.io/acme/api\n    tag: "" # the chart\'s appVersion\n';

    it("is a chart default left alone: the PR changes only the pinned references", async () => {
      await freshRepos(stack, { ...configRepoFiles(), "overlays/staging/values.yaml": values });
      await build(stack, "1.5.0");
      const pr = ferryPrs("staging")[0];
      expect(read("ferry/staging/api", "overlays/staging/kustomization.yaml")).toBe(kustomization("1.5.0"));
      expect(read("ferry/staging/api", "overlays/staging/values.yaml")).toBe(values);
      expect(pr?.body).not.toContain("values.yaml");
      expect((await check(pr?.head.sha, "Ferry / promotion"))?.conclusion).toBe("success");
    });

    it("is filled when ferry.yml fields name it", async () => {
      await freshRepos(stack, {
        ...configRepoFiles(),
        ".github/ferry.yml": ferryYml(stagingAndProduction, {
          fields: [{ file: "overlays/staging/values.yaml", path: "api.image.tag" }],
        }),
        "overlays/staging/values.yaml": values,
      });
      await build(stack, "1.5.0");
      expect(read("ferry/staging/api", "overlays/staging/values.yaml")).toBe(values.replace('""', '"1.5.0"'));
      expect((await check(ferryPrs("staging")[0]?.head.sha, "Ferry / promotion"))?.conclusion).toBe(
        "success",
      );
    });
  });

  describe("apps[].image and .github/", () => {
    it("fails Ferry / config on an image with a tag or upper case, at its line, saying what to write", async () => {
      const sha = stack.github.push("acme/deploy", {
        branch: "main",
        files: {
          ".github/ferry.yml": stringify({
            environments: stagingAndProduction,
            apps: [
              { name: "api", image: "ghcr.io/acme/api:1.4.1" },
              { name: "web", image: "ghcr.io/Acme/Web" },
            ],
          }),
        },
        message: "Name the images",
      });
      await stack.idle();
      const run = await check(sha, "Ferry / config");
      expect(run?.conclusion).toBe("failure");
      const [tagged, upper] = run?.output.annotations ?? [];
      const text = read("main", ".github/ferry.yml") ?? "";
      const lineOf = (needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
      expect(tagged).toMatchObject({ start_line: lineOf("ghcr.io/acme/api:1.4.1") });
      expect(tagged?.message).toContain("write image: ghcr.io/acme/api");
      expect(upper).toMatchObject({ start_line: lineOf("ghcr.io/Acme/Web") });
      expect(upper?.message).toContain("write image: ghcr.io/acme/web");
    });

    it("never rewrites files under .github/, even when an environment's paths are **", async () => {
      const workflow = "jobs:\n  smoke:\n    container: ghcr.io/acme/api:1.4.1\n";
      await freshRepos(stack, {
        ".github/ferry.yml": ferryYml([{ name: "everything", paths: ["**"] }]),
        ".github/workflows/smoke.yml": workflow,
        "values.yaml": "image: ghcr.io/acme/api:1.4.1\n",
      });
      await build(stack, "1.5.0");
      const pr = ferryPrs("everything")[0];
      expect(read("ferry/everything/api", "values.yaml")).toBe("image: ghcr.io/acme/api:1.5.0\n");
      expect(read("ferry/everything/api", ".github/workflows/smoke.yml")).toBe(workflow);
      expect((await check(pr?.head.sha, "Ferry / promotion"))?.conclusion).toBe("success");
    });
  });

  describe("fan-in: after: [staging-eu, staging-us]", () => {
    const fanIn = ferryYml(
      [
        { name: "staging-eu", paths: ["overlays/staging-eu/**"] },
        { name: "staging-us", paths: ["overlays/staging-us/**"] },
        { name: "production", paths: ["overlays/production/**"], after: ["staging-eu", "staging-us"] },
      ],
      {},
      {
        clusters: [
          { name: "staging-eu-1", environment: "staging-eu" },
          { name: "staging-us-1", environment: "staging-us" },
        ],
      },
    );
    const files = {
      ".github/ferry.yml": fanIn,
      "overlays/staging-eu/kustomization.yaml": kustomization("1.4.1"),
      "overlays/staging-us/kustomization.yaml": kustomization("1.4.1"),
      "overlays/production/kustomization.yaml": kustomization("1.4.1"),
    };
    const reconcile = (sha: string, env: string) => latest(sha, `Ferry / reconcile (${env})`);

    it("opens production only once every upstream is healthy with the tag, and only once", async () => {
      await freshRepos(stack, files);
      await build(stack, "1.5.0");
      expect(ferryPrs("staging-eu")).toHaveLength(1);
      expect(ferryPrs("staging-us")).toHaveLength(1);
      expect(ferryPrs("production")).toHaveLength(0);
      await merge(stack, ferryPrs("staging-eu")[0]?.number ?? 0);
      await merge(stack, ferryPrs("staging-us")[0]?.number ?? 0);
      const main = stack.github.resolve("acme/deploy", "main") ?? "";

      expect(await post(healthy("staging-eu-1", "staging-eu", main))).toBe(202);
      await pollUntil(
        () => reconcile(main, "staging-eu")?.conclusion === "success",
        "staging-eu healthy",
        5000,
      );
      expect(ferryPrs("production")).toHaveLength(0);
      await pollUntil(
        () =>
          reconcile(main, "staging-eu")?.output.summary?.includes(
            "waits until staging-us runs it healthy too",
          ),
        "the staging-eu check to say production waits for staging-us",
        5000,
      );

      expect(await post(healthy("staging-us-1", "staging-us", main))).toBe(202);
      const [prod] = await pollUntil(
        () => ferryPrs("production").length > 0 && ferryPrs("production"),
        "the production PR",
        5000,
      );
      expect(prod?.title).toBe("Promote api 1.5.0 to production");

      // A repeated healthy report from either side opens nothing more.
      expect(await post({ ...healthy("staging-eu-1", "staging-eu", main), sequence: Date.now() + 1 })).toBe(
        202,
      );
      expect(await post({ ...healthy("staging-us-1", "staging-us", main), sequence: Date.now() + 2 })).toBe(
        202,
      );
      expect(
        stack.github.pulls("acme/deploy").filter((p) => p.head.ref === "ferry/production/api"),
      ).toHaveLength(1);

      // The guard asks the same of the production PR: evidence from both upstreams.
      await stack.idle();
      const run = await check(prod?.head.sha, "Ferry / promotion");
      expect(run?.conclusion).toBe("success");
      expect(run?.output.summary).toContain("verified healthy in staging-eu");
      expect(run?.output.summary).toContain("verified healthy in staging-us");
    });

    it("fails a production PR whose tag only one upstream verified", async () => {
      await freshRepos(stack, files);
      await build(stack, "1.5.0");
      await merge(stack, ferryPrs("staging-eu")[0]?.number ?? 0);
      const main = stack.github.resolve("acme/deploy", "main") ?? "";
      expect(await post(healthy("staging-eu-1", "staging-eu", main))).toBe(202);
      const head = await humanPr("by-hand", {
        "overlays/production/kustomization.yaml": kustomization("1.5.0"),
      });
      const run = await check(head, "Ferry / promotion");
      expect(run?.conclusion).toBe("failure");
      expect(run?.output.summary).toContain("1.5.0 was not verified healthy in staging-us first");
      expect(run?.output.summary).toContain("verified healthy in staging-eu");
    });
  });
});
