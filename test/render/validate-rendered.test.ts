import { beforeAll, describe, expect, it } from "vitest";
import { helmPath, kubectlPath } from "../../scripts/tools.js";
import { renderEnvironments } from "../../src/render/environments.js";
import type { RenderTools } from "../../src/render/render.js";
import { config, markedLines, yaml } from "../policy/helpers.js";

const cfg = config({
  environments: [{ name: "staging", paths: ["overlays/staging/**"] }],
  policy: { "resources-required": "warning" },
});

const base = {
  "base/kustomization.yaml": "resources: [deployment.yaml]\n",
  "base/deployment.yaml": yaml`
    apiVersion: apps/v1
    kind: Deployment
    metadata: { name: api, labels: { app.kubernetes.io/name: api } }
    spec:
      selector: { matchLabels: { app: api } }
      template:
        metadata: { labels: { app: api } }
        spec:
          securityContext: { runAsNonRoot: true }
          containers:
            - name: api
              image: ghcr.io/acme/api:1.0.0
              securityContext: { allowPrivilegeEscalation: false }
            - name: sidecar
              image: ghcr.io/acme/sidecar:1.0.0
  `,
  "overlays/staging/kustomization.yaml": "resources: [../../base]\npatches:\n  - path: sidecar.yaml\n",
  "overlays/staging/sidecar.yaml": yaml`
    apiVersion: apps/v1
    kind: Deployment
    metadata: { name: api }
    spec:
      template:
        spec:
          containers:
            - name: sidecar
              env: [{ name: MODE, value: fast }]
  `,
};

describe("findings on rendered objects, mapped to the line that set the field", () => {
  let tools: RenderTools;
  beforeAll(async () => {
    tools = { kubectl: await kubectlPath(), helm: await helmPath() };
  });
  const render = async (changes: Record<string, string>) => {
    const head = { ...base, ...changes };
    const [result] = await renderEnvironments({
      config: cfg,
      base: Object.entries(base).map(([path, text]) => ({ path, text })),
      head: Object.entries(head).map(([path, text]) => ({ path, text })),
      changed: Object.keys(changes),
      self: { owner: "acme", repo: "deploy" },
      tools,
    });
    return result;
  };

  it("a value a strategic-merge patch sets lands on the patch's line", async () => {
    const patch = yaml`
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: api }
      spec:
        template:
          spec:
            containers:
              - name: sidecar
                env: [{ name: MODE, value: fast }]
                securityContext:
                  privileged: true # <-
    `;
    const result = await render({ "overlays/staging/sidecar.yaml": patch });
    expect(result?.findings.map((f) => [f.file, f.line, f.rule])).toEqual([
      ["overlays/staging/sidecar.yaml", markedLines(patch)[0], "no-privileged"],
    ]);
    expect(result?.findings[0]?.message).toMatch(/^apps\/Deployment api, as rendered for staging: /);
  });

  it("an image a kustomization's images: entry sets lands on its newTag", async () => {
    const kustomization = yaml`
      resources: [../../base]
      patches:
        - path: sidecar.yaml
      images:
        - name: ghcr.io/acme/api
          newTag: latest # <-
    `;
    const result = await render({ "overlays/staging/kustomization.yaml": kustomization });
    const latest = result?.findings.filter((f) => f.rule === "no-latest-tag");
    expect(latest?.map((f) => [f.file, f.line])).toEqual([
      ["overlays/staging/kustomization.yaml", markedLines(kustomization)[0]],
    ]);
  });

  it("a field of the base lands in the base file; problems the base render already had are not repeated", async () => {
    const patch = base["overlays/staging/sidecar.yaml"].replace("fast", "slow");
    const result = await render({ "overlays/staging/sidecar.yaml": patch });
    // resources are missing at base and head alike: not this change's doing.
    expect(result?.findings).toEqual([]);
    expect(result?.diffs.map((d) => d.key)).toEqual(["apps/Deployment api"]);
  });

  it("an unknown field added by a patch is a warning at the patch's line", async () => {
    const patch = base["overlays/staging/sidecar.yaml"].replace("env:", "envv:");
    const result = await render({ "overlays/staging/sidecar.yaml": patch });
    expect(result?.findings).toMatchObject([
      { file: "overlays/staging/sidecar.yaml", line: 9, rule: "unknown-field", severity: "warning" },
    ]);
  });
});
