import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { type Stack, startStack, webhookSecret } from "../support/ferry.js";
import { type PullRecord, sendWebhook } from "../support/github/index.js";
import { capturedLog, levels } from "../support/log.js";
import { repository, repositoryId, webhookExample } from "../support/payloads.js";
import {
  configRepoFiles,
  containerPublished,
  ferryBuild,
  ferryYml,
  releasePublished,
  workflowRun,
} from "./fixtures.js";
import { concluded, freshRepos } from "./world.js";

const sha = (n: number) => `${n.toString(16)}${"e".repeat(40)}`.slice(0, 40);
const short = (n: number) => `sha-${sha(n).slice(0, 7)}`;
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
const kustomizationPath = "overlays/staging/kustomization.yaml";

describe("build events open and maintain promotion PRs", () => {
  let stack: Stack;
  const { log, lines } = capturedLog("info");
  const deliver = async (event: string, payload: object, id?: string) => {
    const body = { ...payload, installation: { id: stack.github.installationId } };
    const status = await sendWebhook(stack.webhookUrl, webhookSecret, event, body, id ? { id } : {});
    // Ferry answers once the build is queued (202); its job opens or updates the PR.
    await stack.idle();
    return status;
  };
  const ferryPrs = (state = "open"): PullRecord[] =>
    stack.github.pulls("acme/deploy").filter((p) => p.state === state && p.head.ref.startsWith("ferry/"));
  const stagingTag = (ref = "ferry/staging/api") =>
    /newTag: "([^"]+)"/.exec(stack.github.readFile("acme/deploy", ref, kustomizationPath) ?? "")?.[1];
  const dispatch = (tag: string, extra: Record<string, unknown> = {}) => ferryBuild(tag, extra);
  /** Requests that change something on GitHub (REST writes and GraphQL mutations). */
  const writes = () =>
    stack.github.requests.filter(
      (r) =>
        (r.method !== "GET" &&
          r.route !== "POST /graphql" &&
          r.route !== "POST /app/installations/{installation_id}/access_tokens") ||
        /Open|Update|Commit|Merge|Label|Comment|create|update|add|enable/.test(r.graphqlOperation ?? ""),
    );
  const warned = (pattern: RegExp) =>
    lines.filter((l) => l.level === levels.warn && pattern.test(`${l.msg} ${JSON.stringify(l)}`));

  beforeAll(async () => {
    stack = await startStack({ log });
  });
  beforeEach(async () => {
    await freshRepos(stack);
    stack.github.state.repos.delete("acme/other");
    lines.length = 0;
  });
  afterAll(() => stack?.close());

  describe("triggers", () => {
    it("a successful build.yml run on main opens the staging PR, changing only the tag bytes", async () => {
      stack.github.resetRequests();
      expect(await deliver("workflow_run", workflowRun(sha(0xabc1234)))).toBe(202);
      const [pr, ...more] = ferryPrs();
      expect(more).toHaveLength(0);
      expect(pr?.title).toBe(`Promote api ${short(0xabc1234)} to staging`);
      expect(pr?.head.ref).toBe("ferry/staging/api");
      const after = stack.github.readFile("acme/deploy", "ferry/staging/api", kustomizationPath);
      expect(after).toBe(configRepoFiles()[kustomizationPath]?.replace('"1.4.1"', `"${short(0xabc1234)}"`));
      expect(
        stack.github.readFile("acme/deploy", "ferry/staging/api", "overlays/production/kustomization.yaml"),
      ).toBe(configRepoFiles()["overlays/production/kustomization.yaml"]);
      expect(pr?.body).toContain(`| \`${kustomizationPath}\` | 8 | \`1.4.1\` | \`${short(0xabc1234)}\` |`);
      expect(pr?.body).toContain("Build: [workflow run #");
      expect(pr?.body).toContain("<!-- ferry:v1 ");
      expect([...(pr?.labels ?? [])].sort()).toEqual(["env:staging", "ferry"]);
      const head = stack.github.state.repos.get("acme/deploy")?.objects.commit(pr?.head.sha ?? "");
      expect(head?.verified).toBe(true);
      expect(head?.parents).toEqual([stack.github.resolve("acme/deploy", "main")]);
    });

    it("renders {{ git_tag }} from the tag on the built commit, and skips an untagged build", async () => {
      stack.github.push("acme/deploy", {
        branch: "main",
        files: {
          ".github/ferry.yml": ferryYml.replace(
            "    source: acme/api\n",
            '    source: acme/api\n    tag: "{{ git_tag }}"\n',
          ),
        },
      });
      const tagged = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v1.7.0" } });
      const untagged = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "next" } });
      const developer = await stack.developer();
      await developer.rest.git.createRef({
        owner: "acme",
        repo: "api",
        ref: "refs/tags/v1.7.0",
        sha: tagged,
      });
      await deliver("workflow_run", workflowRun(untagged));
      expect(ferryPrs()).toHaveLength(0);
      await deliver("workflow_run", workflowRun(tagged));
      expect(ferryPrs()[0]?.title).toBe("Promote api v1.7.0 to staging");
    });

    it.each([
      ["a failed run", { conclusion: "failure" }],
      ["another branch", { branch: "feature" }],
      ["another workflow", { path: ".github/workflows/lint.yml" }],
    ])("ignores %s", async (_name, opts) => {
      expect(await deliver("workflow_run", workflowRun(sha(1), opts))).toBe(202);
      expect(ferryPrs()).toHaveLength(0);
    });

    it("a container published to GitHub Packages promotes its tag and pins its digest", async () => {
      const digest = `sha256:${"d".repeat(64)}`;
      await deliver("registry_package", containerPublished("1.5.0", digest));
      expect(ferryPrs()[0]?.title).toBe("Promote api 1.5.0 to staging");
      expect(stagingTag()).toBe("1.5.0");
      // staging does not require digests, so the PR records it without pinning it
      // (shortened in the text, whole in the marker)
      expect(ferryPrs()[0]?.body).toContain(`\`1.5.0\` (\`sha256:${"d".repeat(12)}…\`)`);
      expect(ferryPrs()[0]?.body).toContain(`"digest":"${digest}"`);
    });

    it("a published release promotes the release tag", async () => {
      await deliver("release", releasePublished("1.6.0", at(1)));

      expect(ferryPrs()[0]?.title).toBe("Promote api 1.6.0 to staging");
      expect(stagingTag()).toBe("1.6.0");
    });

    it("repository_dispatch ferry-build from any CI promotes the image and tag it names", async () => {
      await deliver("repository_dispatch", dispatch("2.0.0"));
      expect(ferryPrs()[0]?.title).toBe("Promote api 2.0.0 to staging");
    });

    it("routes a build through the config repo the app repo's own ferry.yml names", async () => {
      stack.github.createRepo("acme/web", { files: { ".github/ferry.yml": "config: acme/deploy\n" } });
      const config = configRepoFiles()[".github/ferry.yml"]?.concat(
        "  - name: web\n    image: ghcr.io/acme/web\n    source: acme/web\n    trigger: { workflow: build.yml, branch: main }\n",
      );
      stack.github.push("acme/deploy", {
        branch: "main",
        files: {
          ".github/ferry.yml": config ?? "",
          "overlays/staging/web.yaml":
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: ghcr.io/acme/web\n    newTag: 0.9.0\n",
        },
      });
      // the push tells Ferry that acme/deploy's ferry.yml changed: wait until it has heard
      await stack.idle();
      const run = workflowRun(sha(0x77), {});
      run.repository = repository("acme/web");
      (run.workflow_run as Record<string, unknown>).head_repository = repository("acme/web");
      await deliver("workflow_run", run);
      const pr = stack.github.pulls("acme/deploy").find((p) => p.head.ref === "ferry/staging/web");
      expect(pr?.title).toBe(`Promote web ${short(0x77)} to staging`);
    });

    it("ignores a build no config repo tracks", async () => {
      stack.github.createRepo("acme/other", { files: { "README.md": "x" } });
      await deliver("repository_dispatch", {
        ...dispatch("1.0.0"),
        client_payload: { image: "ghcr.io/acme/other", tag: "1.0.0" },
      });
      expect(ferryPrs()).toHaveLength(0);
    });
  });

  describe("who may promote what: only the app's source repository", () => {
    const from = (fullName: string, payload: Record<string, unknown>) => ({
      ...payload,
      repository: repository(fullName),
    });
    const refusedBuilds = () => warned(/not a build of|refused|does not count/i);

    it.each([
      ["repository_dispatch", () => from("acme/other", dispatch("9.9.9"))],
      ["registry_package", () => from("acme/other", containerPublished("9.9.9", `sha256:${"9".repeat(64)}`))],
    ])(
      "a %s of another team's image from another repository opens nothing and says why at warn",
      async (event, payload) => {
        stack.github.createRepo("acme/other", { files: { "README.md": "other team\n" } });
        stack.github.resetRequests();
        expect(await deliver(event, payload())).toBe(202);
        expect(ferryPrs()).toHaveLength(0);
        expect(stack.github.resolve("acme/deploy", "ferry/staging/api")).toBeUndefined();
        expect(writes()).toEqual([]);
        const [line, ...more] = refusedBuilds();
        expect(more).toHaveLength(0);
        expect(JSON.stringify(line)).toContain("acme/other");
        expect(JSON.stringify(line)).toContain("acme/api");
      },
    );

    it("a repository that names the config repo in its own ferry.yml still promotes nothing of another app", async () => {
      stack.github.createRepo("acme/other", { files: { ".github/ferry.yml": "config: acme/deploy\n" } });
      await deliver("installation_repositories", webhookExample("installation_repositories", "added", {}));
      stack.github.resetRequests();
      const run = workflowRun(sha(0x99));
      run.repository = repository("acme/other");
      (run.workflow_run as Record<string, unknown>).head_repository = repository("acme/other");
      for (const [event, payload] of [
        ["repository_dispatch", from("acme/other", dispatch("9.9.9"))],
        ["release", from("acme/other", releasePublished("9.9.9", at(9)))],
        ["workflow_run", run],
      ] as const)
        expect(await deliver(event, payload)).toBe(202);
      expect(ferryPrs()).toHaveLength(0);
      expect(writes()).toEqual([]);
      expect(refusedBuilds()).toHaveLength(1); // the dispatch named api's image; the others name no app
    });

    it("a package announced without a repository counts for nobody", async () => {
      const payload = containerPublished("9.9.9", `sha256:${"9".repeat(64)}`) as Record<string, unknown>;
      delete payload.repository;
      expect(await deliver("registry_package", payload)).toBe(202);
      expect(ferryPrs()).toHaveLength(0);
      expect(refusedBuilds()).toHaveLength(1);
    });

    it.each([
      ["pull_request", { event: "pull_request" }],
      ["pull_request_target", { event: "pull_request_target" }],
      ["a fork's branch named main", { head_repository: repository("mallory/api") }],
    ])("a workflow run triggered by %s never counts, even on main", async (_name, override) => {
      const run = workflowRun(sha(0x66));
      Object.assign(run.workflow_run as object, override);
      stack.github.resetRequests();
      expect(await deliver("workflow_run", run)).toBe(202);
      expect(ferryPrs()).toHaveLength(0);
      expect(writes()).toEqual([]);
      expect(refusedBuilds()).toHaveLength(1);
    });

    it("compares the source repository case-insensitively", async () => {
      await deliver("repository_dispatch", from("ACME/Api", dispatch("2.0.0")));
      expect(ferryPrs()[0]?.title).toBe("Promote api 2.0.0 to staging");
    });

    it("pins the source by repository id when ferry.yml gives sourceId", async () => {
      const pinned = (id: number) =>
        ferryYml.replace("    source: acme/api\n", `    source: acme/api\n    sourceId: ${id}\n`);
      // a repository of the same name but another id (renamed away and re-created) does not count
      stack.github.push("acme/deploy", { branch: "main", files: { ".github/ferry.yml": pinned(1) } });
      await stack.idle();
      await deliver("repository_dispatch", dispatch("2.0.0"));
      expect(ferryPrs()).toHaveLength(0);
      expect(JSON.stringify(refusedBuilds())).toContain("sourceId");
      stack.github.push("acme/deploy", {
        branch: "main",
        files: { ".github/ferry.yml": pinned(repositoryId("acme/api")) },
      });
      await stack.idle();
      await deliver("repository_dispatch", dispatch("2.0.0"));
      expect(ferryPrs()[0]?.title).toBe("Promote api 2.0.0 to staging");
    });

    it("an app without source takes no builds, and Ferry / config says what source is for", async () => {
      const head = stack.github.push("acme/deploy", {
        branch: "main",
        files: { ".github/ferry.yml": ferryYml.replace("    source: acme/api\n", "") },
      });
      await stack.idle();
      // The next tests recreate acme/deploy without a push: restore the config-repo index after.
      onTestFinished(async () => {
        stack.github.push("acme/deploy", { branch: "main", files: { ".github/ferry.yml": ferryYml } });
        await stack.idle();
      });
      const [config] = stack.github.checkRuns("acme/deploy", head).filter((r) => r.name === "Ferry / config");
      expect(config?.conclusion).toBe("success");
      const [warning, ...others] = config?.output.annotations ?? [];
      expect(others).toHaveLength(0);
      expect(warning).toMatchObject({
        annotation_level: "warning",
        path: ".github/ferry.yml",
        start_line: 9,
      });
      expect(warning?.message).toContain("apps.0.source");
      expect(warning?.message).toContain("no build promotes api");
      expect(config?.output.summary).toContain("1 warning");
      await deliver("repository_dispatch", dispatch("2.0.0"));
      await deliver("workflow_run", workflowRun(sha(0x67)));
      expect(ferryPrs()).toHaveLength(0);
      expect(JSON.stringify(refusedBuilds())).toContain("no source");
    });
  });

  describe("payload text in the PR body is never rendered as markdown", () => {
    const hostile =
      "@acme/admins ![pwn](https://evil.example/p.png) <img src=x onerror=alert(1)> [x](https://evil.example/)";
    const raw = ["@acme/admins", "![pwn]", "<img", "](https://evil.example", "\n# "];

    it("links a build URL only on the source repository's host, with markdown characters percent-encoded", async () => {
      const url = `https://github.example/acme/api/actions/runs/7) ${hostile}`;
      await deliver("repository_dispatch", dispatch("2.0.0", { url }));
      const body = ferryPrs()[0]?.body ?? "";
      expect(body).toContain(
        "Build: [repository dispatch](https://github.example/acme/api/actions/runs/7%29%20",
      );
      for (const form of raw) expect(body).not.toContain(form);
    });

    it.each([
      ["another host", "https://evil.example/acme/api/actions/runs/7"],
      ["plain http", "http://github.example/acme/api/actions/runs/7"],
      ["a javascript: URL", "javascript:alert(1)//github.example"],
      ["a host with the source host as prefix", "https://github.example.evil.example/acme/api"],
    ])("names the build without a link when its URL is on %s", async (_name, url) => {
      await deliver("repository_dispatch", dispatch("2.0.0", { url }));
      const body = ferryPrs()[0]?.body ?? "";
      expect(body).toContain("Build: repository dispatch");
      expect(body).not.toContain(url);
      expect(body).not.toContain("evil.example");
      expect(body).not.toContain("javascript:");
    });

    it.each([
      ["a sha that is not a commit SHA", { sha: `abc1234) ${hostile}` }],
      ["a tag that is not an image tag", { tag: `2.0.0 ${hostile}` }],
    ])("refuses a dispatch with %s, at warn, writing nothing", async (_name, extra) => {
      const payload = dispatch("2.0.0") as Record<string, unknown> & { client_payload: object };
      payload.client_payload = { ...payload.client_payload, ...extra };
      stack.github.resetRequests();
      await deliver("repository_dispatch", payload);
      expect(ferryPrs()).toHaveLength(0);
      expect(warned(/ignored repository_dispatch/)).toHaveLength(1);
    });
  });

  describe("exactly one open Ferry PR per environment and app", () => {
    it("a newer build updates the branch and PR in place, still one commit on the base", async () => {
      await deliver("repository_dispatch", dispatch("1.5.0"));
      await deliver("repository_dispatch", dispatch("1.6.0"));
      const [pr, ...more] = ferryPrs();
      expect(more).toHaveLength(0);
      expect(pr?.title).toBe("Promote api 1.6.0 to staging");
      expect(pr?.body).toContain("`1.4.1` | `1.6.0`");
      expect(stagingTag()).toBe("1.6.0");
      const main = stack.github.resolve("acme/deploy", "main") ?? "";
      const head = stack.github.state.repos.get("acme/deploy")?.objects.commit(pr?.head.sha ?? "");
      expect(head?.parents).toEqual([main]);
      // The head moved straight from the old commit to the new one: never through the base, so
      // no guard run on an empty diff and no staging branch left behind.
      await stack.idle(); // nothing to wait for: every delivery answered, and no guard on main
      expect(
        stack.github.checkRuns("acme/deploy", main).filter((r) => r.name === "Ferry / validate"),
      ).toHaveLength(0);
      expect(stack.github.resolve("acme/deploy", "ferry-next/staging/api")).toBeUndefined();
    });

    it("an older or equal semver build never replaces a newer one", async () => {
      await deliver("repository_dispatch", dispatch("1.6.0"));
      await deliver("repository_dispatch", dispatch("1.5.0"));
      await deliver("repository_dispatch", dispatch("1.6.0"));
      expect(ferryPrs()).toHaveLength(1);
      expect(stagingTag()).toBe("1.6.0");
    });

    it("orders commit-SHA tags by build time: an older build never replaces a newer one", async () => {
      await deliver("workflow_run", workflowRun(sha(2), { updatedAt: at(2) }));
      expect(ferryPrs()[0]?.title).toBe(`Promote api ${short(2)} to staging`);
      await deliver("workflow_run", workflowRun(sha(1), { updatedAt: at(1) }));
      expect(ferryPrs()).toHaveLength(1);
      expect(stagingTag()).toBe(short(2));
    });

    it("a redelivered webhook changes nothing", async () => {
      const payload = workflowRun(sha(3));
      await deliver("workflow_run", payload, "delivery-1");
      // the guard on the new PR writes its checks: let it finish before counting
      await concluded(stack, ferryPrs()[0]?.head.sha ?? "", "Ferry / promotion");
      await stack.idle();
      const before = stack.github.pulls("acme/deploy").map((p) => [p.number, p.head.sha, p.updated_at]);
      stack.github.resetRequests();
      await deliver("workflow_run", payload, "delivery-1");
      expect(stack.github.pulls("acme/deploy").map((p) => [p.number, p.head.sha, p.updated_at])).toEqual(
        before,
      );
      expect(
        stack.github.requests.filter((r) => r.method !== "GET" && r.graphqlOperation !== "FerryPair"),
      ).toEqual([]);
    });

    it("two builds delivered at once, in either order, end with the newest", async () => {
      await Promise.all([
        deliver("workflow_run", workflowRun(sha(5), { updatedAt: at(5) })),
        deliver("workflow_run", workflowRun(sha(4), { updatedAt: at(4) })),
      ]);
      expect(ferryPrs()).toHaveLength(1);
      expect(stagingTag()).toBe(short(5));
      await Promise.all([
        deliver("repository_dispatch", dispatch("3.0.0")),
        deliver("repository_dispatch", dispatch("3.1.0")),
      ]);
      expect(ferryPrs()).toHaveLength(1);
      expect(stagingTag()).toBe("3.1.0");
    });

    it("serialises builds of one app and environment: the second reads only after the first wrote", async () => {
      stack.github.resetRequests();
      // a slow first read: unserialised, the second build's read would arrive meanwhile
      stack.github.failNext({ graphql: "FerryPair", delayMs: 300 });
      await Promise.all([
        deliver("repository_dispatch", dispatch("3.0.0")),
        deliver("repository_dispatch", dispatch("3.1.0")),
      ]);
      const [firstRead, secondRead] = stack.github.requests.filter((r) => r.graphqlOperation === "FerryPair");
      const firstWrite = stack.github.requests.find((r) => r.graphqlOperation === "FerryOpenPromotion");
      expect(firstRead?.injected).toBe(true);
      expect(secondRead?.at).toBeGreaterThanOrEqual(firstWrite?.answeredAt ?? Number.POSITIVE_INFINITY);
      // and no write conflicted on the way
      expect(stack.github.requests.filter((r) => r.method !== "GET" && r.status >= 400)).toEqual([]);
      expect(ferryPrs()).toHaveLength(1);
      expect(stagingTag()).toBe("3.1.0");
    });

    it("never overwrites a human commit on the Ferry branch: it comments and leaves the PR alone", async () => {
      await deliver("repository_dispatch", dispatch("1.5.0"));
      const human = stack.github.push("acme/deploy", {
        branch: "ferry/staging/api",
        files: { "overlays/staging/extra.yaml": "a: 1\n" },
        message: "Add a patch by hand",
        author: { name: "Dev", email: "dev@acme.test" },
      });
      await deliver("repository_dispatch", dispatch("1.6.0"));
      const [pr] = ferryPrs();
      expect(pr?.head.sha).toBe(human);
      expect(stagingTag()).toBe("1.5.0");
      const comments = stack.github.comments("acme/deploy", pr?.number);
      expect(comments.at(-1)?.body).toContain("someone else pushed to the Ferry branch");
    });

    it("opens no PR when the environment already runs the tag", async () => {
      await deliver("repository_dispatch", dispatch("1.4.1"));
      expect(ferryPrs()).toHaveLength(0);
    });

    it("reuses the branch of a merged PR for the next promotion", async () => {
      await deliver("repository_dispatch", dispatch("1.5.0"));
      const developer = await stack.developer();
      await developer.rest.pulls.merge({
        owner: "acme",
        repo: "deploy",
        pull_number: ferryPrs()[0]?.number ?? 0,
      });
      await deliver("repository_dispatch", dispatch("1.6.0"));
      const [pr] = ferryPrs();
      expect(pr?.title).toBe("Promote api 1.6.0 to staging");
      expect(pr?.body).toContain("`1.5.0` | `1.6.0`");
    });
  });

  describe("tag rules", () => {
    it("skips a build that breaks an environment's rules, and says so on the open PR", async () => {
      const config = ferryYml.replace(
        "    paths: [overlays/staging/**]\n",
        '    paths: [overlays/staging/**]\n    tags: { semver: ">=1.0.0", prerelease: false }\n',
      );
      stack.github.push("acme/deploy", { branch: "main", files: { ".github/ferry.yml": config } });
      await deliver("repository_dispatch", dispatch("1.5.0"));
      await deliver("repository_dispatch", dispatch("1.6.0-rc.1"));
      const [pr] = ferryPrs();
      expect(pr?.title).toBe("Promote api 1.5.0 to staging");
      expect(stack.github.comments("acme/deploy", pr?.number).at(-1)?.body).toContain("prerelease");
    });
  });

  describe("faults", () => {
    it("adopts a PR whose creation answered 502 after it landed, instead of duplicating it", async () => {
      stack.github.failNext({ graphql: "FerryOpenPromotion", status: 502, afterEffect: true, times: 1 });
      expect(await deliver("repository_dispatch", dispatch("1.5.0"))).toBe(202);
      expect(ferryPrs()).toHaveLength(1);
      expect([...(ferryPrs()[0]?.labels ?? [])]).toContain("ferry");
    });

    it("retries 5xx answers and secondary rate limits until the PR is made", async () => {
      stack.github.failNext({ graphql: "FerryPair", status: 500, times: 2 });
      stack.github.failNext({
        path: "/repos/acme/deploy/issues/1/labels",
        status: 403,
        headers: { "retry-after": "1" },
        body: {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        },
      });
      expect(await deliver("repository_dispatch", dispatch("1.5.0"))).toBe(202);
      expect(ferryPrs()).toHaveLength(1);
      expect([...(ferryPrs()[0]?.labels ?? [])].sort()).toEqual(["env:staging", "ferry"]);
    });

    it("a secondary rate limit without retry-after: waits GitHub's minute, then retries", async () => {
      const labels = "/repos/acme/deploy/issues/1/labels";
      stack.github.resetRequests();
      stack.github.failNext({ path: labels, status: 403, secondaryRateLimit: true });
      expect(await deliver("repository_dispatch", dispatch("1.5.0"))).toBe(202);
      expect([...(ferryPrs()[0]?.labels ?? [])].sort()).toEqual(["env:staging", "ferry"]);
      const [refused, retried] = stack.github.requests.filter((r) => r.path === labels);
      expect(refused).toMatchObject({ status: 403, injected: true });
      expect(retried).toMatchObject({ status: 200 });
      // "Otherwise, wait for at least one minute before retrying" (GitHub's REST rate-limit docs):
      // 60 × the retry base (GITHUB_RETRY_BASE_MS=5 here, 1 s in production). A lower bound: a
      // retry cannot come sooner than it was scheduled, however loaded the machine.
      expect((retried?.at ?? 0) - (refused?.answeredAt ?? 0)).toBeGreaterThanOrEqual(60 * 5);
    });

    it("re-reads the branch and retries when GitHub answers STALE_DATA to the commit", async () => {
      stack.github.resetRequests();
      // As GitHub answers it: the document runs (the branch is created), the commit field fails with
      // STALE_DATA ("Expected branch to point to …"), and the PR field then finds nothing to open.
      stack.github.failNext({
        graphql: "createCommitOnBranch",
        fieldError: { type: "STALE_DATA" },
        times: 1,
      });
      await deliver("repository_dispatch", dispatch("1.5.0"));
      const [refused] = stack.github.requests.filter((r) => r.injected);
      expect(refused).toMatchObject({ graphqlOperation: "FerryOpenPromotion", status: 200 });
      // Ferry read the pair again (the branch it had just created is there now) and converged
      expect(stack.github.requests.filter((r) => r.graphqlOperation === "FerryPair")).toHaveLength(2);
      const [pr, ...more] = ferryPrs();
      expect(more).toHaveLength(0);
      expect(stagingTag()).toBe("1.5.0");
      const head = stack.github.state.repos.get("acme/deploy")?.objects.commit(pr?.head.sha ?? "");
      expect(head?.parents).toEqual([stack.github.resolve("acme/deploy", "main")]);
    });

    it("when retries run out, says so on the build's commit", async () => {
      const built = stack.github.push("acme/api", { branch: "main", files: { "src.txt": "v2" } });
      stack.github.failNext({ graphql: "FerryOpenPromotion", status: 502, times: 20 });
      await deliver("repository_dispatch", dispatch("1.5.0", { sha: built }));
      expect(ferryPrs()).toHaveLength(0);
      const [run] = stack.github.checkRuns("acme/api", built);
      expect(run).toMatchObject({ name: "Ferry / propose (staging)", conclusion: "failure" });
      expect(run?.output.summary).toContain("GitHub kept refusing the change");
    });
  });
});

describe("ferry.yml caching", () => {
  it("reads ferry.yml once per build burst, and again as soon as a push changes it", async () => {
    const stack = await startStack({ env: { FERRY_CONFIG_MAX_AGE_MS: "600000" } });
    try {
      stack.github.createRepo("acme/deploy", { files: configRepoFiles() });
      stack.github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
      const deliver = async (payload: object) => {
        await sendWebhook(stack.webhookUrl, webhookSecret, "repository_dispatch", {
          ...payload,
          installation: { id: stack.github.installationId },
        });
        await stack.idle();
      };
      const configReads = () =>
        stack.github.requests.filter((r) => r.path === "/repos/acme/deploy/contents/.github%2Fferry.yml")
          .length;
      await deliver(ferryBuild("1.5.0"));
      const afterFirst = configReads();
      await deliver(ferryBuild("1.6.0"));
      expect(configReads()).toBe(afterFirst);
      // A push that changes ferry.yml takes effect for the very next build.
      stack.github.push("acme/deploy", {
        branch: "main",
        files: {
          ".github/ferry.yml": ferryYml.replace(
            "    paths: [overlays/staging/**]\n",
            '    paths: [overlays/staging/**]\n    tags: { pattern: "1\\\\.6\\\\..*" }\n',
          ),
        },
      });
      await stack.idle();
      await deliver(ferryBuild("1.7.0"));
      const pr = stack.github
        .pulls("acme/deploy")
        .find((p) => p.state === "open" && p.head.ref === "ferry/staging/api");
      expect(pr?.title).toBe("Promote api 1.6.0 to staging");
      expect(stack.github.comments("acme/deploy", pr?.number).at(-1)?.body).toContain(
        "does not match the environment's pattern",
      );
    } finally {
      await stack.close();
    }
  });
});
