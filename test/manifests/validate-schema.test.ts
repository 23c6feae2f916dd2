import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/findings.js";
import { check, config, markedLines, yaml } from "../policy/helpers.js";

const schemaOnly = (findings: Finding[]) =>
  findings.filter((f) => f.rule === "schema" || f.rule === "unknown-kind");

describe("Kubernetes schema validation", () => {
  it.each([
    {
      name: "a string containerPort, at the value",
      text: yaml`
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: api }
        spec:
          selector: { matchLabels: { app: api } }
          template:
            spec:
              containers:
                - name: api
                  image: nginx:1.27
                  ports:
                    - containerPort: "abc" # <-
      `,
      message: "spec.template.spec.containers[0].ports[0].containerPort: must be integer",
    },
    {
      name: "a missing required field, at its parent's key",
      text: yaml`
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: api }
        spec: # <-
          template:
            spec:
              containers: [{ name: api, image: "nginx:1.27" }]
      `,
      message: 'spec: required field "selector" is missing',
    },
    {
      name: "an enum value",
      text: yaml`
        apiVersion: v1
        kind: Service
        metadata: { name: api }
        spec:
          ports:
            - port: 80
              protocol: HTTP # <-
      `,
      message: 'spec.ports[0].protocol: must be one of "SCTP", "TCP", "UDP"',
    },
    {
      name: "an Argo CD Application without a destination",
      text: yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: { name: api }
        spec: # <-
          project: default
          source: { repoURL: "https://github.com/acme/deploy", path: overlays/prod }
      `,
      message: 'spec: required field "destination" is missing',
    },
    {
      name: "a Flux Kustomization with a numeric interval",
      text: yaml`
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: { name: apps }
        spec:
          interval: 10 # <-
          prune: true
          sourceRef: { kind: GitRepository, name: flux-system }
      `,
      message: "spec.interval: must be string",
    },
    {
      name: "an ExternalSecret with a wrong refreshInterval type",
      text: yaml`
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: { name: db }
        spec:
          refreshInterval: 1 # <-
          secretStoreRef: { name: vault, kind: ClusterSecretStore }
      `,
      message: "spec.refreshInterval: must be string",
    },
    {
      name: "a SealedSecret with a list for encryptedData",
      text: yaml`
        apiVersion: bitnami.com/v1alpha1
        kind: SealedSecret
        metadata: { name: db }
        spec:
          encryptedData: [a, b] # <-
      `,
      message: "spec.encryptedData: must be object",
    },
  ])("$name", async ({ text, message }) => {
    const findings = schemaOnly(await check(text));
    expect(findings.map((f) => f.line)).toEqual(markedLines(text));
    expect(findings[0]).toMatchObject({ rule: "schema", severity: "error", message });
  });

  it("accepts valid objects of core and CRD kinds", async () => {
    const text = yaml`
      apiVersion: v1
      kind: Service
      metadata: { name: api }
      spec: { ports: [{ port: 80, targetPort: 8080 }] }
      ---
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata: { name: api }
      spec:
        project: default
        destination: { server: "https://kubernetes.default.svc", namespace: api }
        source: { repoURL: "https://github.com/acme/deploy", path: overlays/prod, targetRevision: main }
      ---
      apiVersion: bitnami.com/v1alpha1
      kind: SealedSecret
      metadata: { name: db }
      spec: { encryptedData: { password: AgBy3i4OJSWK } }
    `;
    expect(await check(text)).toEqual([]);
  });

  it("reports a few specific errors, not AJV's oneOf noise", async () => {
    const text = yaml`
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: 5
      data: { a: b }
    `;
    const findings = schemaOnly(await check(text));
    expect(findings.map((f) => f.message)).toEqual(["metadata.name: must be string"]);
  });
});

describe("unknown kinds", () => {
  const widget = yaml`
    apiVersion: example.com/v1
    kind: Widget # <-
    metadata: { name: w }
  `;
  const cfg = config({
    environments: [
      { name: "staging", paths: ["staging/**"] },
      { name: "production", paths: ["production/**"], strict: true },
    ],
  });

  it("are a notice outside strict environments", async () => {
    const findings = schemaOnly(await check(widget, { config: cfg, path: "staging/w.yaml" }));
    expect(findings).toMatchObject([
      {
        rule: "unknown-kind",
        severity: "notice",
        line: 2,
        message: "not validated: unknown kind Widget (example.com/v1)",
      },
    ]);
  });

  it("are an error in a strict environment", async () => {
    const findings = schemaOnly(await check(widget, { config: cfg, path: "production/w.yaml" }));
    expect(findings).toMatchObject([{ rule: "unknown-kind", severity: "error", line: 2 }]);
    expect(findings[0]?.message).toContain("production is strict");
  });

  it("include a known group at an unknown version", async () => {
    const findings = schemaOnly(
      await check("apiVersion: apps/v9\nkind: Deployment\nmetadata: { name: x }\n"),
    );
    expect(findings).toMatchObject([{ rule: "unknown-kind", severity: "notice" }]);
  });
});

describe("Flux HelmRelease helm.toolkit.fluxcd.io/v2", () => {
  it.each([
    [
      "chart",
      yaml`
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: { name: podinfo }
        spec:
          interval: 10m
          chart:
            spec:
              chart: podinfo
              version: "6.x"
              sourceRef: { kind: HelmRepository, name: podinfo }
          values: { replicaCount: 2 }
      `,
    ],
    [
      "chartRef",
      yaml`
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: { name: podinfo }
        spec:
          interval: 10m
          chartRef: { kind: OCIRepository, name: podinfo, namespace: flux-system }
      `,
    ],
  ])("accepts a v2 release with %s", async (_, text) => {
    expect(await check(text)).toEqual([]);
  });

  it.each([
    {
      name: "no chart and no chartRef",
      text: yaml`
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: { name: podinfo }
        spec: # <-
          interval: 10m
      `,
      message: "spec: set exactly one of chart and chartRef",
    },
    {
      name: "a chartRef of the wrong kind",
      text: yaml`
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: { name: podinfo }
        spec:
          interval: 10m
          chartRef:
            kind: GitRepository # <-
            name: podinfo
      `,
      message: 'spec.chartRef.kind: must be one of "OCIRepository", "HelmChart", "ExternalArtifact"',
    },
    {
      name: "a field removed in v2",
      text: yaml`
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: { name: podinfo }
        spec:
          interval: 10m
          chart:
            spec:
              chart: podinfo
              sourceRef: { kind: HelmRepository, name: podinfo }
              valuesFile: values-prod.yaml # <-
      `,
      message: 'spec.chart.spec: unknown field "valuesFile"',
      severity: "warning",
    },
    {
      name: "a v2beta2 type error (interval as a number)",
      text: yaml`
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: { name: podinfo }
        spec:
          interval: 10 # <-
          chartRef: { kind: OCIRepository, name: podinfo }
      `,
      message: "spec.interval: must be string",
    },
  ])("rejects $name", async ({ text, message, severity }) => {
    const findings = (await check(text)).filter((f) => f.rule === "schema" || f.rule === "unknown-field");
    expect(findings.map((f) => f.line)).toEqual(markedLines(text));
    expect(findings[0]).toMatchObject({ severity: severity ?? "error", message });
  });
});

describe("kustomization.yaml", () => {
  it("accepts a typical overlay", async () => {
    const text = yaml`
      apiVersion: kustomize.config.k8s.io/v1beta1
      kind: Kustomization
      namespace: api
      resources: [../../base]
      images:
        - name: ghcr.io/acme/api
          newTag: "1.4.2"
      patches:
        - path: replicas.yaml
          target: { kind: Deployment, name: api }
      configMapGenerator:
        - name: api
          literals: [LOG=debug]
    `;
    expect(await check(text, { path: "overlays/prod/kustomization.yaml" })).toEqual([]);
  });

  it("reports a number where kustomize needs a string, and unknown fields as warnings", async () => {
    const text = yaml`
      resources: [../../base]
      images:
        - name: ghcr.io/acme/api
          newTag: 1.5 # <-
      commonLable: { team: a } # <-
    `;
    const findings = await check(text, { path: "overlays/prod/kustomization.yaml" });
    expect(findings.map((f) => f.line)).toEqual(markedLines(text));
    expect(findings).toMatchObject([
      { rule: "kustomization", severity: "error", message: expect.stringContaining("images[0].newTag") },
      { rule: "kustomization", severity: "warning", message: 'unknown kustomization field "commonLable"' },
    ]);
  });
});
