/**
 * `ferry validate` over a generated 10,000-manifest config repo: files/s and peak RSS.
 * Usage: npx tsx bench/validate-cli.ts [files=10000]
 * The repo is generated in a temp dir; the measurement runs in a fresh child process so its peak
 * RSS is the validator's own, then a second child measures a cold start on one file.
 * `--generate DIR [files]` only writes the repo (e.g. for `node --cpu-prof`).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const mode = process.argv[2];

if (mode === "--measure") await measure(process.argv[3] ?? ".");
else if (mode === "--cold") await cold(process.argv[3] ?? ".");
// Keeps a generated repo for profiling: --generate DIR [files]
else if (mode === "--generate")
  generate(process.argv[3] ?? "bench/out/validate", Number(process.argv[4] ?? 10_000));
else main(Number(process.argv[2] ?? 10_000));

function main(count: number): void {
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-validate-"));
  try {
    const bytes = generate(dir, count);
    const child = (flag: string) =>
      execFileSync(process.execPath, ["--import", "tsx", "bench/validate-cli.ts", flag, dir], {
        encoding: "utf8",
      });
    const result = JSON.parse(child("--measure")) as Measured;
    const start = JSON.parse(child("--cold")) as ColdStart;
    const lines = [
      `node ${process.version}, ${count} manifest files (${(bytes / 1e6).toFixed(1)} MB, ${result.documents} documents) in ${result.files} YAML files`,
      `ferry validate (walk + read + validate, in process): ${result.seconds.toFixed(2)} s, ${Math.round(result.files / result.seconds)} files/s, peak RSS ${result.peakRssMb} MB`,
      `findings: ${result.findings} (${result.errors} errors); ${result.kinds} kinds in the repo, only their models imported`,
      `cold start, one Deployment: import engine ${start.importMs} ms + validate ${start.validateMs} ms; importing every model eagerly instead: ${start.eagerMs} ms, +${start.eagerRssMb} MB RSS`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Measured {
  files: number;
  seconds: number;
  peakRssMb: number;
  findings: number;
  errors: number;
  documents: number;
  kinds: number;
}

interface ColdStart {
  importMs: number;
  validateMs: number;
  eagerMs: number;
  eagerRssMb: number;
}

/** A config repo: base + three overlays, each app a Deployment, Service, ConfigMap and more. */
function generate(dir: string, count: number): number {
  const envs = ["staging", "production", "dev"];
  mkdirSync(join(dir, ".github"), { recursive: true });
  writeFileSync(
    join(dir, ".github/ferry.yml"),
    `environments:\n${envs.map((e) => `  - name: ${e}\n    paths: [overlays/${e}/**]\n`).join("")}policy:\n  allowed-registries: [ghcr.io/acme]\n`,
  );
  const templates = [deployment, service, configMap, helmRelease, application, cronJob, kustomization];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const env = envs[i % envs.length] ?? "dev";
    const app = `app-${Math.floor(i / templates.length)}`;
    const template = templates[i % templates.length] ?? deployment;
    const folder = join(dir, "overlays", env, app);
    mkdirSync(folder, { recursive: true });
    const name = template === kustomization ? "kustomization.yaml" : `${template.name.toLowerCase()}.yaml`;
    const text = template(app, i);
    bytes += text.length;
    writeFileSync(join(folder, name), text);
  }
  return bytes;
}

function deployment(app: string, i: number): string {
  // Every 10th one breaks a rule or the schema, so findings are rendered too.
  const image = i % 10 === 0 ? `ghcr.io/acme/${app}:latest` : `ghcr.io/acme/${app}:1.${i % 50}.0`;
  const port = i % 20 === 0 ? `"http"` : "8080";
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  labels: { app.kubernetes.io/name: ${app}, team: payments }
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${app} }
  template:
    metadata:
      labels: { app: ${app} }
    spec:
      securityContext: { runAsNonRoot: true }
      containers:
        - name: ${app}
          image: ${image}
          ports:
            - containerPort: ${port}
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }
          securityContext: { allowPrivilegeEscalation: false }
`;
}

function service(app: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${app} }
spec:
  selector: { app: ${app} }
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: ${app} }
`;
}

function configMap(app: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: { name: ${app} }
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "a,b,c"
`;
}

function helmRelease(app: string): string {
  return `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: ${app} }
spec:
  interval: 10m
  chart:
    spec:
      chart: ${app}
      version: "1.x"
      sourceRef: { kind: HelmRepository, name: acme }
  values:
    replicaCount: 2
`;
}

function application(app: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${app} }
spec:
  project: default
  destination: { server: "https://kubernetes.default.svc", namespace: ${app} }
  source: { repoURL: "https://github.com/acme/deploy", path: apps/${app}, targetRevision: main }
`;
}

function cronJob(app: string): string {
  return `apiVersion: batch/v1
kind: CronJob
metadata: { name: ${app}-report }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          securityContext: { runAsNonRoot: true }
          containers:
            - name: report
              image: ghcr.io/acme/${app}-report:2.0.1
              resources:
                requests: { cpu: 100m, memory: 128Mi }
                limits: { cpu: 500m, memory: 256Mi }
`;
}

function kustomization(app: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml, service.yaml]
images:
  - name: ghcr.io/acme/${app}
    newTag: "1.2.3"
`;
}

async function measure(dir: string): Promise<void> {
  const { run } = await import("../src/commands/validate.js");
  let output = "";
  const started = performance.now();
  await run([dir, "--format", "json"], { stdout: (t) => (output += t), stderr: () => {} });
  const seconds = (performance.now() - started) / 1000;
  const report = JSON.parse(output) as {
    filesChecked: number;
    findings: { severity: string; rule: string }[];
  };
  const { documents, kinds } = await countDocuments(dir);
  process.stdout.write(
    JSON.stringify({
      files: report.filesChecked,
      seconds,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      findings: report.findings.length,
      errors: report.findings.filter((f) => f.severity === "error").length,
      documents,
      kinds,
    }),
  );
}

async function countDocuments(dir: string): Promise<{ documents: number; kinds: number }> {
  const { readdirSync, readFileSync } = await import("node:fs");
  let documents = 0;
  const kinds = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".yaml")) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), "utf8");
    documents += text.split("\n---\n").length;
    for (const match of text.matchAll(/^apiVersion: (\S+)\nkind: (\S+)/gm))
      kinds.add(`${match[1]} ${match[2]}`);
  }
  return { documents, kinds: kinds.size };
}

async function cold(dir: string): Promise<void> {
  const t0 = performance.now();
  const { validateFiles } = await import("../src/policy/engine.js");
  const t1 = performance.now();
  await validateFiles({
    files: [{ path: "a.yaml", text: deployment("api", 1) }],
    config: { environments: [], apps: [], clusters: [], policy: {} },
  });
  const t2 = performance.now();
  const rssBefore = process.memoryUsage().rss;
  const { modelIndex } = await import("../src/manifests/validate-kinds.js");
  const t3 = performance.now();
  for (const { module, kinds } of Object.values(modelIndex)) {
    for (const kind of kinds) await import(`${module}/${kind}`);
  }
  const t4 = performance.now();
  process.stdout.write(
    JSON.stringify({
      importMs: Math.round(t1 - t0),
      validateMs: Math.round(t2 - t1),
      eagerMs: Math.round(t4 - t3),
      eagerRssMb: Math.round((process.memoryUsage().rss - rssBefore) / 1e6),
      dir,
    }),
  );
}
