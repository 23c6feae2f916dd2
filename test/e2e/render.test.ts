import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { helmPath, kubectlPath } from "../../scripts/tools.js";
import { type Stack, startStack } from "../support/ferry.js";
import type { CheckRunRecord } from "../support/github/index.js";
import { configRepoFiles } from "./fixtures.js";
import { build, concluded, freshRepos, openPr as openDeployPr } from "./world.js";

const chartFiles = {
  "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
  "charts/web/values.yaml": "replicaCount: 1\nimage:\n  repository: ghcr.io/acme/web\n  tag: 2.0.0\n",
  "charts/web/templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: {{ .Values.replicaCount }}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`,
  "overlays/staging/web-release.yaml": `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: web
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
      sourceRef: { kind: GitRepository, name: flux-system, namespace: flux-system }
      valuesFiles: [./charts/web/values.yaml, ./overlays/staging/web-values.yaml]
`,
  "overlays/staging/web-values.yaml": "replicaCount: 2\n",
};

describe("Ferry / render (<env>): the rendered diff of a PR", () => {
  let stack: Stack;
  const check = (sha: string, name: string): CheckRunRecord | undefined =>
    stack.github
      .checkRuns("acme/deploy", sha)
      .filter((r) => r.name === name)
      .at(-1);
  const openPr = async (branch: string, files: Record<string, string | null>) =>
    (await openDeployPr(stack, branch, files)).head;

  beforeAll(async () => {
    stack = await startStack({
      env: { FERRY_RENDER: "on", FERRY_KUBECTL: await kubectlPath(), FERRY_HELM: await helmPath() },
    });
  });
  beforeEach(() => freshRepos(stack, { ...configRepoFiles(), ...chartFiles }));
  afterAll(() => stack?.close());

  it("shows the changed line of a values change in the rendered Deployment, and only that", async () => {
    stack.github.resetRequests();
    const head = await openPr("more-replicas", { "overlays/staging/web-values.yaml": "replicaCount: 3\n" });
    // The chart outside the environment's paths is read in one query for base and head together.
    const reads = stack.github.requests.filter((r) => r.graphqlOperation === "FerryRenderInputs");
    expect(reads.length).toBe(1);
    const run = check(head, "Ferry / render (staging)");
    expect(run).toMatchObject({
      status: "completed",
      conclusion: "success",
      output: { title: "1 object changed" },
    });
    expect(run?.output.text).toContain("<code>apps/Deployment web/web-web</code> changed (+1 −1)");
    const diffLines = (run?.output.text ?? "").split("\n").filter((l) => /^[-+] /.test(l));
    expect(diffLines).toEqual(["-  replicas: 2", "+  replicas: 3"]);
    // production was not touched: no check for it.
    expect(check(head, "Ferry / render (production)")).toBeUndefined();
  });

  it("shows exactly the image lines of a Ferry promotion PR", async () => {
    await build(stack, "1.5.0");
    const pr = stack.github.pulls("acme/deploy").find((p) => p.head.ref === "ferry/staging/api");
    // A build answers before the PR's checks run (GitHub delivers the PR's events on its own): wait.
    const run = await concluded(stack, pr?.head.sha ?? "", "Ferry / render (staging)");
    expect(run).toMatchObject({ conclusion: "success" });
    const diffLines = (run?.output.text ?? "").split("\n").filter((l) => /^[-+] /.test(l));
    expect(diffLines).toEqual([
      "-        - image: ghcr.io/acme/api:1.4.1",
      "+        - image: ghcr.io/acme/api:1.5.0",
    ]);
  });

  it("a GitHub failure while reading what to render makes the render check neutral and leaves the other checks alone", async () => {
    stack.github.failNext({ graphql: "FerryRenderInputs", status: 502, times: 5 });
    const head = await openPr("flaky", { "overlays/staging/web-values.yaml": "replicaCount: 4\n" });
    expect(check(head, "Ferry / render (staging)")).toMatchObject({
      conclusion: "neutral",
      output: { title: "Not rendered", summary: expect.stringContaining("Ferry failed while rendering") },
    });
    expect(check(head, "Ferry / validate")).toMatchObject({ conclusion: "success" });
    expect(check(head, "Ferry / promotion")).toMatchObject({ conclusion: "success" });
  });

  it("fails with the tool's message when the render fails", async () => {
    const head = await openPr("broken", {
      "charts/web/templates/deployment.yaml": `${chartFiles["charts/web/templates/deployment.yaml"]}{{ .Values.missing.field }}\n`,
    });
    const run = check(head, "Ferry / render (staging)");
    // The failed render is not shown as every object removed.
    expect(run).toMatchObject({ conclusion: "failure", output: { title: "No rendered change, 1 error" } });
    expect(run?.output.annotations).toMatchObject([
      {
        path: "overlays/staging/web-release.yaml",
        start_line: 1,
        annotation_level: "failure",
        title: "render",
        message: expect.stringMatching(
          /^helm template charts\/web failed: .*nil pointer evaluating interface \{\}\.field/s,
        ),
      },
    ]);
  });

  it("annotates a policy finding on the rendered object at the values line that set it", async () => {
    const head = await openPr("latest", {
      "overlays/staging/web-values.yaml": "replicaCount: 2\nimage:\n  tag: latest\n",
    });
    const run = check(head, "Ferry / render (staging)");
    expect(run?.output.annotations).toContainEqual(
      expect.objectContaining({
        path: "overlays/staging/web-values.yaml",
        start_line: 3,
        title: "no-latest-tag",
        message: expect.stringContaining("apps/Deployment web/web-web, as rendered for staging:"),
      }),
    );
  });
});
