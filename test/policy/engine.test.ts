import { describe, expect, it } from "vitest";
import { UnknownEnvironmentError, validateFiles } from "../../src/policy/engine.js";
import { check, config, emptyConfig, goodDeployment, yaml } from "./helpers.js";

const latest = goodDeployment.replace(/image: .*/, "image: ghcr.io/acme/api:latest");

const layered = config({
  environments: [
    { name: "staging", paths: ["overlays/staging/**"] },
    {
      name: "production",
      paths: ["overlays/production/**"],
      digest: "required",
      policy: { "no-latest-tag": "error" },
    },
    { name: "dev", paths: ["overlays/dev/**"], policy: { "no-latest-tag": "off" } },
  ],
  policy: { "no-latest-tag": "warning" },
});

describe("severity resolution", () => {
  it.each([
    ["overlays/staging/app.yaml", "warning"],
    ["overlays/production/app.yaml", "error"],
    ["overlays/dev/app.yaml", undefined],
    ["base/app.yaml", "warning"],
  ])("%s: environment override > top-level policy > rule default → %s", async (path, severity) => {
    const findings = await check(latest, { config: layered, path });
    expect(findings.find((f) => f.rule === "no-latest-tag")?.severity).toBe(severity);
  });

  it("uses the rule default when nothing is configured", async () => {
    const findings = await check(latest);
    expect(findings.find((f) => f.rule === "no-latest-tag")?.severity).toBe("error");
  });

  it("turns digest-pinned on as an error where the environment has digest: required", async () => {
    const tagged = goodDeployment.replace(/image: .*/, "image: ghcr.io/acme/api:1.4.2");
    const staging = await check(tagged, { config: layered, path: "overlays/staging/app.yaml" });
    const production = await check(tagged, { config: layered, path: "overlays/production/app.yaml" });
    expect(staging.filter((f) => f.rule === "digest-pinned")).toEqual([]);
    expect(production.filter((f) => f.rule === "digest-pinned")).toMatchObject([
      { severity: "error", line: 21, message: expect.stringContaining("digest: required") },
    ]);
  });

  it("--env applies one environment to every file", async () => {
    const findings = await check(latest, { config: layered, path: "base/app.yaml", environment: "dev" });
    expect(findings.filter((f) => f.rule === "no-latest-tag")).toEqual([]);
  });

  it("rejects an environment ferry.yml does not define", async () => {
    await expect(check(latest, { config: layered, environment: "qa" })).rejects.toThrow(
      UnknownEnvironmentError,
    );
  });

  it("reads the list of an environment's object setting and the top-level array shorthand", async () => {
    const cfg = config({
      environments: [
        { name: "prod", paths: ["prod/**"], policy: { "allowed-registries": { registries: ["docker.io"] } } },
      ],
      policy: { "allowed-registries": ["ghcr.io/acme"] },
    });
    const nginx = goodDeployment.replace(/image: .*/, "image: nginx:1.27");
    expect(
      (await check(nginx, { config: cfg, path: "prod/a.yaml" })).filter(
        (f) => f.rule === "allowed-registries",
      ),
    ).toEqual([]);
    expect(
      (await check(nginx, { config: cfg, path: "base/a.yaml" })).filter(
        (f) => f.rule === "allowed-registries",
      ),
    ).toMatchObject([{ severity: "error", message: expect.stringContaining("docker.io/library/nginx") }]);
  });
});

describe("validateFiles", () => {
  it("reports YAML syntax errors with line and column and keeps checking the other files", async () => {
    const report = await validateFiles({
      files: [
        { path: "a.yaml", text: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n" },
        { path: "b.yaml", text: latest },
      ],
      config: emptyConfig,
    });
    expect(report.filesChecked).toBe(2);
    const yamlError = report.findings.find((f) => f.file === "a.yaml");
    expect(yamlError).toMatchObject({ rule: "yaml", severity: "error" });
    expect(yamlError?.line).toBeGreaterThanOrEqual(4);
    expect(report.findings.some((f) => f.file === "b.yaml" && f.rule === "no-latest-tag")).toBe(true);
  });

  it("reports binary and oversized YAML files as errors, skips Helm templates with a note, ignores non-YAML files", async () => {
    const report = await validateFiles({
      files: [
        { path: "logo.yaml", text: "\u0000\u0001PNG" },
        { path: "big.yaml", text: `x: ${"a".repeat(200)}\n` },
        { path: "charts/api/Chart.yaml", text: "apiVersion: v2\nname: api\nversion: 1.0.0\n" },
        { path: "charts/api/templates/deployment.yaml", text: "kind: {{ .Values.kind }}\n" },
        { path: "README.md", text: "# hi" },
      ],
      config: emptyConfig,
      maxFileBytes: 100,
    });
    expect(report.skipped).toEqual([
      {
        path: "charts/api/templates/deployment.yaml",
        reason: expect.stringContaining("Helm chart template"),
      },
    ]);
    expect(report.filesChecked).toBe(1);
    expect(report.findings).toEqual([
      expect.objectContaining({
        file: "big.yaml",
        line: 1,
        severity: "error",
        rule: "yaml-limits",
        message: expect.stringContaining("over the 100-byte limit"),
      }),
      expect.objectContaining({
        file: "logo.yaml",
        line: 1,
        severity: "error",
        rule: "yaml-encoding",
        message: expect.stringContaining("binary file"),
      }),
    ]);
  });

  it("checks every document of a multi-document file and ignores non-Kubernetes YAML", async () => {
    const text = yaml`
      replicaCount: 2
      image: { tag: latest }
      ---
      apiVersion: v1
      kind: Pod
      metadata: { name: p }
      spec:
        hostPID: true
        containers: []
    `;
    const findings = await check(text);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([["no-host-namespaces", 8]]);
  });

  it("flags an object with kind but no apiVersion", async () => {
    const findings = await check("kind: Deployment\nmetadata: { name: x }\n");
    expect(findings).toMatchObject([
      { rule: "schema", severity: "error", line: 1, message: "apiVersion is missing" },
    ]);
  });

  it("flags an image reference that does not parse", async () => {
    const findings = await check(goodDeployment.replace(/image: .*/, "image: ghcr.io/Acme/API:1.0"));
    expect(findings).toMatchObject([{ rule: "image-reference", severity: "error", line: 21 }]);
  });

  it("returns findings sorted by file and position", async () => {
    const report = await validateFiles({
      files: [
        { path: "z.yaml", text: latest },
        { path: "a.yaml", text: latest.replace("hostNetwork", "x") },
      ],
      config: emptyConfig,
    });
    const keys = report.findings.map((f) => `${f.file}:${String(f.line).padStart(4, "0")}`);
    expect(keys).toEqual([...keys].sort());
  });
});

describe("kustomization images: overrides", () => {
  const base = goodDeployment.replace(/image: .*/, "image: ghcr.io/acme/api");
  const overlay = (entry: string) => `resources: [../../base]\nimages:\n  - name: ghcr.io/acme/api\n${entry}`;
  const run = (files: Record<string, string>, cfg = emptyConfig) =>
    validateFiles({ files: Object.entries(files).map(([path, text]) => ({ path, text })), config: cfg });

  it("an untagged base image passes when an overlay sets newTag, and the overlay's tag is checked instead", async () => {
    const ok = await run({
      "base/deploy.yaml": base,
      "overlays/prod/kustomization.yaml": overlay('    newTag: "1.4.2"\n'),
    });
    expect(ok.findings).toEqual([]);
    const latest = await run({
      "base/deploy.yaml": base,
      "overlays/prod/kustomization.yaml": overlay("    newTag: latest\n"),
    });
    expect(latest.findings).toMatchObject([
      {
        file: "overlays/prod/kustomization.yaml",
        line: 4,
        rule: "no-latest-tag",
        message: expect.stringContaining('kustomization image "ghcr.io/acme/api"'),
      },
    ]);
  });

  it("overrides in unchanged context files count, and context files get no findings", async () => {
    const report = await validateFiles({
      files: [{ path: "base/deploy.yaml", text: base }],
      contextFiles: [
        { path: "overlays/prod/kustomization.yaml", text: `${overlay("    newTag: latest\n")}bogus: 1\n` },
      ],
      config: emptyConfig,
    });
    expect(report.findings).toEqual([]);
    expect(report.filesChecked).toBe(1);
  });

  it("an untagged base image alone still fails", async () => {
    const report = await run({ "base/deploy.yaml": base });
    expect(report.findings.map((f) => [f.file, f.rule])).toEqual([["base/deploy.yaml", "no-latest-tag"]]);
  });

  it("allowed-registries judges a newName, not the base image it replaces", async () => {
    const cfg = config({
      environments: [{ name: "p", paths: ["**"] }],
      policy: { "allowed-registries": ["ghcr.io/acme"] },
    });
    const nginx = goodDeployment.replace(/image: .*/, "image: nginx:1.27");
    const mirrored = await run(
      {
        "base/d.yaml": nginx,
        "k/kustomization.yaml": "images:\n  - name: nginx\n    newName: ghcr.io/acme/nginx\n",
      },
      cfg,
    );
    expect(mirrored.findings).toEqual([]);
    const elsewhere = await run(
      {
        "base/d.yaml": nginx,
        "k/kustomization.yaml": "images:\n  - name: nginx\n    newName: quay.io/nginx/nginx\n",
      },
      cfg,
    );
    expect(elsewhere.findings).toMatchObject([
      { file: "k/kustomization.yaml", line: 3, rule: "allowed-registries" },
    ]);
  });
});

describe("a file named kustomization.yaml", () => {
  it("holding a Flux Kustomization is validated as that object, not as kustomize config", async () => {
    const text =
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: { name: apps }\nspec:\n  interval: 10\n  prune: true\n  sourceRef: { kind: GitRepository, name: flux-system }\n";
    const findings = await check(text, { path: "clusters/prod/kustomization.yaml" });
    expect(findings).toMatchObject([{ rule: "schema", line: 5, message: "spec.interval: must be string" }]);
  });
});

describe("malformed objects", () => {
  it.each([
    ["containers as a string", "spec:\n  containers: nginx\n"],
    ["a container as a list", "spec:\n  containers:\n    - [a, b]\n"],
    [
      "env as a number, securityContext as a string",
      "spec:\n  containers:\n    - name: a\n      image: nginx:1.27\n      env: 5\n      securityContext: root\n",
    ],
    ["spec as a list", "spec: [1, 2]\n"],
    ["image as a map", "spec:\n  containers:\n    - name: a\n      image: { repo: nginx }\n"],
  ])("%s: schema errors, no crash", async (_, body) => {
    const findings = await check(`apiVersion: v1\nkind: Pod\nmetadata: { name: p }\n${body}`);
    expect(findings.some((f) => f.rule === "schema" && f.severity === "error")).toBe(true);
    expect(findings.filter((f) => f.message.startsWith("Ferry bug"))).toEqual([]);
  });

  it("a null pod spec is allowed by the schema and crashes no rule", async () => {
    expect(await check("apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n")).toEqual([]);
  });
});
