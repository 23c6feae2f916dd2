import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helmPath, kubectlPath } from "../../scripts/tools.js";
import { planEnvironment } from "../../src/render/plan.js";
import { type RenderTools, renderSide } from "../../src/render/render.js";
import { RepoFiles } from "../../src/render/repo-files.js";
import type { TreeFile } from "../../src/render/tree.js";
import { config, yaml } from "../policy/helpers.js";

const deployment = (image: string) => yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata: { name: api }
  spec:
    selector: { matchLabels: { app: api } }
    template:
      metadata: { labels: { app: api } }
      spec:
        containers:
          - name: api
            image: ${image}
`;

const env = config({ environments: [{ name: "staging", paths: ["overlays/staging/**"] }] }).environments[0];
const self = { owner: "acme", repo: "deploy" };

function plan(files: Record<string, string>) {
  const tree = Object.entries(files).map(([path, text]) => ({ path, text }));
  return planEnvironment(env as NonNullable<typeof env>, new RepoFiles(tree), self);
}

describe("rendering in a sandbox", () => {
  let tools: RenderTools;
  const scratch = mkdtempSync(join(tmpdir(), "ferry-sandbox-test-"));
  const previousTmp = process.env.TMPDIR;
  beforeAll(async () => {
    tools = { kubectl: await kubectlPath(), helm: await helmPath() };
    // The sandboxes of this file go here, so the test can see they are all removed.
    process.env.TMPDIR = scratch;
  });
  afterAll(() => {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
  });

  const render = (
    files: TreeFile[],
    targets = plan(Object.fromEntries(files.flatMap((f) => ("text" in f ? [[f.path, f.text]] : [])))).targets,
    t = tools,
  ) => renderSide(files, targets, t);

  it("renders an overlay with kubectl's kustomize and removes its temp folder", async () => {
    const files = [
      { path: "base/kustomization.yaml", text: "resources: [deployment.yaml]\n" },
      { path: "base/deployment.yaml", text: deployment("ghcr.io/acme/api:1.0.0") },
      {
        path: "overlays/staging/kustomization.yaml",
        text: "resources: [../../base]\nimages: [{ name: ghcr.io/acme/api, newTag: 1.1.0 }]\n",
      },
    ];
    const result = await render(files);
    expect(result.findings).toEqual([]);
    expect(result.objects).toMatchObject([{ key: "apps/Deployment api", origin: "base/deployment.yaml" }]);
    expect(JSON.stringify(result.objects[0]?.data)).toContain("ghcr.io/acme/api:1.1.0");
    // The origin annotation Ferry asked for is not part of the object.
    expect(JSON.stringify(result.objects[0]?.data)).not.toContain("config.kubernetes.io/origin");
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("refuses a ../ path out of the repository before running anything", () => {
    const { targets, findings } = plan({
      "overlays/staging/kustomization.yaml": "resources:\n  - ../../../../etc\n",
    });
    expect(targets).toEqual([]);
    expect(findings).toMatchObject([
      {
        file: "overlays/staging/kustomization.yaml",
        line: 2,
        severity: "error",
        message: 'resources "../../../../etc" leaves the repository; Ferry does not render it',
      },
    ]);
  });

  it("lets kustomize's root-only load restrictor refuse a patch from outside the kustomization", async () => {
    const files = [
      {
        path: "shared/patch.yaml",
        text: "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nspec: { replicas: 2 }\n",
      },
      { path: "overlays/staging/deployment.yaml", text: deployment("ghcr.io/acme/api:1.0.0") },
      {
        path: "overlays/staging/kustomization.yaml",
        text: "resources: [deployment.yaml]\npatches:\n  - path: ../../shared/patch.yaml\n",
      },
    ];
    const result = await render(files);
    expect(result.objects).toEqual([]);
    expect(result.findings).toMatchObject([
      {
        file: "overlays/staging/kustomization.yaml",
        severity: "error",
        rule: "render",
        message: expect.stringMatching(
          /kustomize build overlays\/staging failed: .*security; file .*shared\/patch.yaml' is not in or below/s,
        ),
      },
    ]);
    expect(result.findings[0]?.message).not.toContain(scratch);
  });

  it("never writes a symbolic link, and refuses one that points out of the repository", async () => {
    const files: TreeFile[] = [
      { path: "overlays/staging/passwd.yaml", symlink: "../../../../../../etc/passwd" },
      { path: "overlays/staging/inside.yaml", symlink: "../../base/deployment.yaml" },
      { path: "base/deployment.yaml", text: deployment("ghcr.io/acme/api:1.0.0") },
      { path: "overlays/staging/kustomization.yaml", text: "resources: [inside.yaml, passwd.yaml]\n" },
    ];
    const result = await render(files, [
      {
        tool: "kustomize",
        dir: "overlays/staging",
        source: "overlays/staging/kustomization.yaml",
        inputs: new Set(["overlays/staging"]),
        patches: [],
      },
    ]);
    expect(result.findings).toMatchObject([
      {
        file: "overlays/staging/passwd.yaml",
        rule: "render-sandbox",
        message: expect.stringContaining("points outside the repository"),
      },
      {
        file: "overlays/staging/kustomization.yaml",
        rule: "render",
        message: expect.stringContaining("passwd.yaml"),
      },
    ]);
    expect(result.findings.map((f) => f.message).join("\n")).not.toContain("root:x:0:0");
  });

  it("refuses a remote base, and the tool could not reach the network anyway", async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: stolen }\n");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    try {
      const kustomization = `resources:\n  - http://127.0.0.1:${port}/remote.yaml\n  - https://github.com/acme/bases//api?ref=v1\n`;
      const files = [{ path: "overlays/staging/kustomization.yaml", text: kustomization }];
      const planned = plan({ "overlays/staging/kustomization.yaml": kustomization });
      expect(planned.targets).toEqual([]);
      expect(planned.findings.map((f) => [f.severity, f.line])).toEqual([
        ["notice", 2],
        ["notice", 3],
      ]);
      expect(planned.findings[0]?.message).toContain("is remote, and Ferry renders without network");
      // Run it regardless: the sandbox has no route out.
      const result = await render(files, [
        {
          tool: "kustomize",
          dir: "overlays/staging",
          source: "overlays/staging/kustomization.yaml",
          inputs: new Set(["overlays/staging"]),
          patches: [],
        },
      ]);
      expect(result.objects).toEqual([]);
      expect(result.findings).toMatchObject([
        {
          rule: "render",
          severity: "error",
          message: expect.stringMatching(/network is unreachable|proxyconnect/),
        },
      ]);
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });

  it("refuses a kustomize exec plugin before running, and kustomize would not run it either", async () => {
    const marker = join(scratch, "plugin-ran");
    const plugin = yaml`
      apiVersion: acme.example.com/v1
      kind: Hook
      metadata:
        name: hook
        annotations:
          config.kubernetes.io/function: |
            exec:
              path: /bin/sh
    `;
    const files = [
      { path: "overlays/staging/plugin.yaml", text: plugin },
      { path: "overlays/staging/script.sh", text: `touch ${marker}\n` },
      { path: "overlays/staging/deployment.yaml", text: deployment("ghcr.io/acme/api:1.0.0") },
      {
        path: "overlays/staging/kustomization.yaml",
        text: "resources: [deployment.yaml]\ntransformers: [plugin.yaml]\n",
      },
    ];
    const planned = plan(Object.fromEntries(files.map((f) => [f.path, f.text])));
    expect(planned.targets).toEqual([]);
    expect(planned.findings).toMatchObject([
      { severity: "notice", line: 2, message: expect.stringContaining("configures the plugin Hook") },
    ]);
    const result = await render(files, [
      {
        tool: "kustomize",
        dir: "overlays/staging",
        source: "overlays/staging/kustomization.yaml",
        inputs: new Set(["overlays/staging"]),
        patches: [],
      },
    ]);
    expect(result.findings).toMatchObject([
      { rule: "render", severity: "error", message: expect.stringContaining("external plugins disabled") },
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it("stops a render past its wall time, its memory limit or its output bound", async () => {
    const chart = {
      "charts/loop/Chart.yaml": "apiVersion: v2\nname: loop\nversion: 0.1.0\n",
      "charts/loop/templates/cm.yaml":
        "{{- range $i := until 2000000 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: c{{ $i }} }\n{{- end }}\n",
    };
    const files = Object.entries(chart).map(([path, text]) => ({ path, text }));
    const target = {
      tool: "helm" as const,
      chart: "charts/loop",
      release: "loop",
      namespace: "default",
      values: [],
      set: [],
      source: "charts/loop/Chart.yaml",
      inputs: new Set(["charts/loop"]),
    };
    const slow = await renderSide(files, [target], {
      ...tools,
      limits: { timeoutMs: 300, memoryBytes: 1024 ** 3, maxOutputBytes: 1024 ** 3 },
    });
    expect(slow.findings).toMatchObject([{ message: expect.stringContaining("stopped after 300 ms") }]);
    const hungry = await renderSide(files, [target], {
      ...tools,
      limits: { timeoutMs: 60_000, memoryBytes: 1024 ** 3, maxOutputBytes: 1024 ** 3 },
    });
    expect(hungry.findings).toMatchObject([
      { message: expect.stringContaining("(over the 1024 MiB memory limit)") },
    ]);
    expect(hungry.findings[0]?.message).not.toContain("goroutine");
    const small = files.map((f) => ({ ...f, text: f.text.replace("2000000", "5000") }));
    const big = await renderSide(small, [target], {
      ...tools,
      limits: { timeoutMs: 60_000, memoryBytes: 1024 ** 3, maxOutputBytes: 64 * 1024 },
    });
    expect(big.findings).toMatchObject([{ message: expect.stringContaining("output over 65536 bytes") }]);
    expect(readdirSync(scratch).filter((f) => f.startsWith("ferry-render-"))).toEqual([]);
  });

  it("refuses a chart whose dependencies would be downloaded", () => {
    const { targets, findings } = plan({
      "overlays/staging/app/Chart.yaml":
        "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 19.x\n    repository: oci://registry-1.docker.io/bitnamicharts\n",
      "overlays/staging/app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n",
    });
    expect(targets).toEqual([]);
    expect(findings).toMatchObject([{ line: 4, message: expect.stringContaining("redis are not vendored") }]);
  });
});
