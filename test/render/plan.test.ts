import { describe, expect, it } from "vitest";
import { planEnvironment } from "../../src/render/plan.js";
import { RepoFiles } from "../../src/render/repo-files.js";
import { config, yaml } from "../policy/helpers.js";

const [staging] = config({
  environments: [{ name: "staging", paths: ["apps/staging/**", "argocd/**"] }],
}).environments;
const plan = (files: Record<string, string>) =>
  planEnvironment(
    staging as NonNullable<typeof staging>,
    new RepoFiles(Object.entries(files).map(([path, text]) => ({ path, text }))),
    { owner: "acme", repo: "deploy" },
  );
const chart = {
  "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
  "charts/web/values.yaml": "replicaCount: 1\n",
};

describe("what an environment renders", () => {
  it("a HelmRelease values patch is a patch, not a release: no Helm render, no note", () => {
    const result = plan({
      "apps/base/podinfo/kustomization.yaml": "resources: [release.yaml]\n",
      "apps/base/podinfo/release.yaml":
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: podinfo }\nspec: { chart: { spec: { chart: podinfo, sourceRef: { kind: HelmRepository, name: podinfo } } } }\n",
      "apps/staging/kustomization.yaml":
        "resources: [../base/podinfo]\npatches:\n  - path: podinfo-values.yaml\n    target: { kind: HelmRelease }\n",
      "apps/staging/podinfo-values.yaml":
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: podinfo }\nspec: { values: { replicaCount: 2 } }\n",
    });
    expect(result.targets.map((t) => [t.tool, t.tool === "kustomize" ? t.dir : t.chart])).toEqual([
      ["kustomize", "apps/staging"],
    ]);
    expect(result.findings).toEqual([]);
  });

  it("a HelmRelease whose chart comes from a Helm repository is noted, not fetched", () => {
    const release = yaml`
      apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: { name: podinfo, namespace: podinfo }
      spec:
        interval: 10m
        chart:
          spec:
            chart: podinfo
            sourceRef: { kind: HelmRepository, name: podinfo }
    `;
    const result = plan({ "apps/staging/release.yaml": release });
    expect(result.targets).toEqual([]);
    expect(result.findings).toMatchObject([
      {
        line: 6,
        severity: "notice",
        message:
          'not rendered: HelmRelease podinfo takes chart "podinfo" from a HelmRepository; Ferry renders only charts in this repository (no network)',
      },
    ]);
  });

  it("an Argo CD Application on this repo renders its chart with $values files, values and parameters", () => {
    const app = yaml`
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata: { name: web, namespace: argocd }
      spec:
        project: default
        destination: { server: https://kubernetes.default.svc, namespace: web }
        sources:
          - repoURL: git@github.com:acme/deploy.git
            ref: values
          - repoURL: https://github.com/acme/deploy
            path: charts/web
            helm:
              valueFiles: [$values/apps/staging/web.yaml]
              valuesObject: { replicaCount: 3 }
              parameters: [{ name: image.tag, value: "1.2.3", forceString: true }]
    `;
    const result = plan({ ...chart, "apps/staging/web.yaml": "replicaCount: 2\n", "argocd/web.yaml": app });
    expect(result.findings).toEqual([]);
    expect(result.targets).toMatchObject([
      {
        tool: "helm",
        chart: "charts/web",
        release: "web",
        namespace: "web",
        values: [
          { file: "apps/staging/web.yaml" },
          { inline: { values: { replicaCount: 3 }, in: "argocd/web.yaml" } },
        ],
        set: [{ name: "image.tag", value: "1.2.3", string: true }],
      },
    ]);
  });

  it("an Application on another repo is not this repo's to render; a release name that looks like a flag is refused", () => {
    const app = (repoURL: string, releaseName: string) => yaml`
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata: { name: web }
      spec:
        project: default
        destination: { server: https://kubernetes.default.svc, namespace: web }
        source: { repoURL: "${repoURL}", path: charts/web, helm: { releaseName: "${releaseName}" } }
    `;
    expect(
      plan({ ...chart, "argocd/web.yaml": app("https://github.com/other/deploy", "web") }),
    ).toMatchObject({ targets: [], findings: [] });
    const hostile = plan({
      ...chart,
      "argocd/web.yaml": app("https://github.com/acme/deploy", "--post-renderer=/bin/sh"),
    });
    expect(hostile.targets).toEqual([]);
    expect(hostile.findings).toMatchObject([
      {
        severity: "error",
        message: expect.stringContaining(
          'release name "--post-renderer=/bin/sh" is not a valid Helm release name',
        ),
      },
    ]);
  });
});
