import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/findings.js";
import { validateFiles } from "../../src/policy/engine.js";
import { check, config, emptyConfig, markedLines, yaml } from "../policy/helpers.js";

/** Findings of several files validated together (the PR's files), with optional unchanged context. */
async function checkFiles(
  files: Record<string, string>,
  context: Record<string, string> = {},
  cfg = emptyConfig,
): Promise<Finding[]> {
  const report = await validateFiles({
    files: Object.entries(files).map(([path, text]) => ({ path, text })),
    contextFiles: Object.entries(context).map(([path, text]) => ({ path, text })),
    config: cfg,
  });
  return report.findings;
}

// Shapes as in the Flux example repos (flux2-kustomize-helm-example) and Flux 2.6/2.7 docs.
const fluxSources = yaml`
  apiVersion: source.toolkit.fluxcd.io/v1
  kind: HelmRepository
  metadata: { name: podinfo, namespace: podinfo }
  spec:
    type: oci
    interval: 5m
    url: oci://ghcr.io/stefanprodan/charts
  ---
  apiVersion: source.toolkit.fluxcd.io/v1
  kind: GitRepository
  metadata: { name: flux-system, namespace: flux-system }
  spec:
    interval: 1m0s
    ref: { branch: main }
    secretRef: { name: flux-system }
    url: ssh://git@github.com/acme/fleet
  ---
  apiVersion: source.toolkit.fluxcd.io/v1
  kind: OCIRepository
  metadata: { name: podinfo, namespace: flux-system }
  spec:
    interval: 10m
    url: oci://ghcr.io/stefanprodan/manifests/podinfo
    ref: { semver: ">=6.0.0" }
  ---
  apiVersion: source.toolkit.fluxcd.io/v1
  kind: Bucket
  metadata: { name: assets, namespace: flux-system }
  spec:
    interval: 5m
    provider: aws
    bucketName: podinfo
    endpoint: s3.amazonaws.com
    region: us-east-1
  ---
  apiVersion: source.toolkit.fluxcd.io/v1
  kind: ExternalArtifact
  metadata: { name: podinfo, namespace: flux-system }
  spec:
    sourceRef: { apiVersion: source.extensions.fluxcd.io/v1alpha1, kind: ArtifactGenerator, name: podinfo }
`;

describe("current schemas: Flux 2.6+ and Argo CD 3", () => {
  it("validates the Flux source kinds instead of calling them unknown", async () => {
    expect(await check(fluxSources, { path: "infrastructure/sources.yaml" })).toEqual([]);
  });

  it("still finds errors in a Flux source", async () => {
    const text = yaml`
      apiVersion: source.toolkit.fluxcd.io/v1
      kind: HelmRepository
      metadata: { name: podinfo }
      spec:
        interval: 5m
        type: git # <-
        url: https://stefanprodan.github.io/podinfo
    `;
    const findings = await check(text);
    expect(findings.map((f) => f.line)).toEqual(markedLines(text));
    expect(findings[0]).toMatchObject({
      rule: "schema",
      message: 'spec.type: must be one of "default", "oci"',
    });
  });

  it("accepts sourceRef.kind ExternalArtifact in a Flux Kustomization and a HelmRelease chartRef", async () => {
    const text = yaml`
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata: { name: apps, namespace: flux-system }
      spec:
        interval: 10m
        path: ./
        prune: true
        sourceRef: { kind: ExternalArtifact, name: apps }
      ---
      apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: { name: podinfo, namespace: podinfo }
      spec:
        interval: 10m
        chartRef: { kind: ExternalArtifact, name: podinfo, namespace: flux-system }
    `;
    expect(await check(text)).toEqual([]);
  });

  it("validates HelmRelease helm.toolkit.fluxcd.io/v2 with its own schema", async () => {
    const text = yaml`
      apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: { name: podinfo, namespace: podinfo }
      spec:
        releaseName: podinfo
        interval: 50m
        install: { remediation: { retries: 3 } }
        driftDetection: { mode: enabled }
        chart:
          spec:
            chart: podinfo
            version: "6.x"
            sourceRef: { kind: HelmRepository, name: podinfo }
            valuesFiles: [values.yaml, values-prod.yaml]
        values:
          ingress: { enabled: true, hosts: [{ host: podinfo.example.com }] }
      ---
      apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: { name: broken }
      spec:
        interval: 10m
        chartRef:
          kind: GitRepository # <-
          name: podinfo
    `;
    const findings = await check(text);
    expect(findings.map((f) => f.line)).toEqual(markedLines(text));
    expect(findings[0]?.message).toBe(
      'spec.chartRef.kind: must be one of "OCIRepository", "HelmChart", "ExternalArtifact"',
    );
  });

  it("accepts an Argo CD 3 Application with multiple sources and a source hydrator", async () => {
    const text = yaml`
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata: { name: guestbook, namespace: argocd }
      spec:
        project: default
        destination: { server: https://kubernetes.default.svc, namespace: guestbook }
        sources:
          - repoURL: https://github.com/acme/deploy
            targetRevision: HEAD
            ref: values
          - repoURL: https://github.com/acme/deploy
            path: charts/guestbook
            helm:
              valueFiles: [$values/envs/prod/values.yaml]
              valuesObject: { replicaCount: 2 }
        syncPolicy:
          automated: { prune: true, selfHeal: true, enabled: true }
          syncOptions: [CreateNamespace=true, ServerSideApply=true]
          managedNamespaceMetadata: { labels: { team: a } }
      ---
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata: { name: hydrated, namespace: argocd }
      spec:
        project: default
        destination: { server: https://kubernetes.default.svc, namespace: guestbook }
        sourceHydrator:
          drySource: { repoURL: https://github.com/acme/deploy, targetRevision: HEAD, path: helm-guestbook }
          syncSource: { targetBranch: environments/dev, path: helm-guestbook }
    `;
    expect(await check(text)).toEqual([]);
  });
});

describe("removed Kubernetes API versions", () => {
  it.each([
    ["extensions/v1beta1", "Deployment", "apps/v1", "1.16"],
    ["apps/v1beta1", "Deployment", "apps/v1", "1.16"],
    ["apps/v1beta2", "StatefulSet", "apps/v1", "1.16"],
    ["extensions/v1beta1", "Ingress", "networking.k8s.io/v1", "1.22"],
    ["batch/v1beta1", "CronJob", "batch/v1", "1.25"],
    ["autoscaling/v2beta1", "HorizontalPodAutoscaler", "autoscaling/v2", "1.25"],
    ["autoscaling/v2beta2", "HorizontalPodAutoscaler", "autoscaling/v2", "1.26"],
    ["policy/v1beta1", "PodDisruptionBudget", "policy/v1", "1.25"],
  ])("%s %s is an error naming %s", async (apiVersion, kind, replacement, removedIn) => {
    const text = `apiVersion: ${apiVersion} # <-\nkind: ${kind}\nmetadata: { name: x }\nspec: {}\n`;
    const findings = (await check(text)).filter((f) => f.rule === "removed-api");
    expect(findings.map((f) => f.line)).toEqual(markedLines(text));
    expect(findings[0]).toMatchObject({
      severity: "error",
      message: `${apiVersion} ${kind} was removed in Kubernetes ${removedIn}; use ${replacement}`,
    });
  });

  it("says PodSecurityPolicy has no replacement kind", async () => {
    const text = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: { name: x }\nspec: {}\n";
    const [finding] = (await check(text)).filter((f) => f.rule === "removed-api");
    expect(finding?.message).toBe(
      "policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25; use Pod Security Admission (namespace labels pod-security.kubernetes.io/*)",
    );
  });

  it("reports only the removal, not the old schema's complaints", async () => {
    const text =
      "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: { name: x }\nspec: { replicas: two }\n";
    expect((await check(text)).filter((f) => f.rule === "schema")).toEqual([]);
  });
});

describe("unknown fields (strict decoding)", () => {
  it("warns at each unknown field, at any depth", async () => {
    const text = yaml`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: api
        lables: { app: api } # <-
      spec:
        replica: 2 # <-
        selector: { matchLabels: { app: api } }
        template:
          metadata: { labels: { app: api } }
          spec:
            containers:
              - name: api
                image: ghcr.io/acme/api:1.0.0
                env:
                  - name: MODE
                    valeu: fast # <-
    `;
    const findings = (await check(text)).filter((f) => f.rule === "unknown-field");
    expect(findings.map((f) => f.line)).toEqual(markedLines(text));
    expect(findings.map((f) => [f.severity, f.message])).toEqual([
      ["warning", 'metadata: unknown field "lables"'],
      ["warning", 'spec: unknown field "replica"'],
      ["warning", 'spec.template.spec.containers[0].env[0]: unknown field "valeu"'],
    ]);
  });

  it("leaves free-form fields alone: labels, ConfigMap data, Helm values, CRD schemas", async () => {
    const text = yaml`
      apiVersion: v1
      kind: ConfigMap
      metadata: { name: c, labels: { anything: goes }, annotations: { a.b/c: d } }
      data: { any-key: value }
      ---
      apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      metadata: { name: podinfo }
      spec:
        interval: 10m
        chartRef: { kind: OCIRepository, name: podinfo }
        values: { whatever: { nested: [1, 2] } }
      ---
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: { name: widgets.example.com }
      spec:
        group: example.com
        names: { kind: Widget, plural: widgets }
        scope: Namespaced
        versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec: { type: object, x-kubernetes-preserve-unknown-fields: true }
    `;
    expect(await check(text)).toEqual([]);
  });
});

describe("what is not a whole manifest", () => {
  it("accepts a components: list whose entries are all commented out (null)", async () => {
    const text = yaml`
      apiVersion: kustomize.config.k8s.io/v1beta1
      kind: Kustomization
      resources:
        - deployment.yaml
      components:
        # - ../../components/monitoring
      patches:
    `;
    expect(await check(text, { path: "overlays/dev/kustomization.yaml" })).toEqual([]);
  });

  it("skips Helm templates when Chart.yaml is up the tree but not among the changed files", async () => {
    const template = yaml`
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: {{ include "app.fullname" . }}
      spec:
        {{- if not .Values.autoscaling.enabled }}
        replicas: {{ .Values.replicaCount }}
        {{- end }}
    `;
    const report = await validateFiles({
      files: [
        { path: "charts/app/templates/deployment.yaml", text: template },
        {
          path: "charts/app/templates/sub/service.yaml",
          text: "kind: Service\nmetadata: { name: x }\nspec: {}\n",
        },
      ],
      contextFiles: [{ path: "charts/app/Chart.yaml", text: "apiVersion: v2\nname: app\nversion: 1.0.0\n" }],
      config: emptyConfig,
    });
    expect(report.findings).toEqual([]);
    expect(report.skipped.map((s) => s.path)).toEqual([
      "charts/app/templates/deployment.yaml",
      "charts/app/templates/sub/service.yaml",
    ]);
  });

  it("skips a file with template syntax under templates/ even without a Chart.yaml", async () => {
    const report = await validateFiles({
      files: [
        {
          path: "templates/configmap.yaml",
          text: "metadata:\n  name: {{ .Release.Name }}\n{{ toYaml .Values.x }}\n",
        },
      ],
      config: emptyConfig,
    });
    expect(report.findings).toEqual([]);
    expect(report.skipped).toMatchObject([
      { path: "templates/configmap.yaml", reason: expect.stringContaining("Helm") },
    ]);
  });

  const kustomization = yaml`
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    resources:
      - ../base/podinfo
    patches:
      - path: podinfo-values.yaml
        target: { kind: HelmRelease, name: podinfo }
    patchesStrategicMerge:
      - replicas.yaml
  `;
  const helmReleasePatch = yaml`
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata:
      name: podinfo
      namespace: podinfo
    spec:
      chart:
        spec:
          version: ">=1.0.0-alpha"
      test:
        enable: true
      values:
        ingress:
          hosts:
            - host: podinfo.staging
  `;
  const replicasPatch = yaml`
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      replicas: 3
  `;
  const cfg = config({
    environments: [{ name: "staging", paths: ["apps/staging/**"] }],
    policy: { "resources-required": "error", "required-labels": { severity: "error", labels: ["team"] } },
  });

  it("does not validate kustomize patches (a HelmRelease values patch, a strategic-merge patch) as whole objects", async () => {
    const findings = await checkFiles(
      {
        "apps/staging/podinfo-values.yaml": helmReleasePatch,
        "apps/staging/replicas.yaml": replicasPatch,
      },
      { "apps/staging/kustomization.yaml": kustomization },
      cfg,
    );
    expect(findings).toEqual([]);
  });

  it("still checks the values a patch sets (a latest tag)", async () => {
    const patch = yaml`
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: api }
      spec:
        template:
          spec:
            containers:
              - name: api
                image: ghcr.io/acme/api:latest # <-
    `;
    const findings = await checkFiles(
      { "apps/staging/replicas.yaml": patch, "apps/staging/kustomization.yaml": kustomization },
      {},
      cfg,
    );
    expect(findings.map((f) => [f.rule, f.line])).toEqual([["no-latest-tag", markedLines(patch)[0]]]);
  });

  it("validates the same file as a whole object when no kustomization lists it as a patch", async () => {
    const findings = await checkFiles({ "apps/staging/replicas.yaml": replicasPatch }, {}, cfg);
    expect(findings.map((f) => f.rule)).toContain("schema");
  });
});
