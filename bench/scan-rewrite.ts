/**
 * Scan and rewrite benchmark: a generated config repo of 10,000 files across every layout
 * Ferry reads (workloads, multi-document, List, kustomize, Helm values, Flux, Argo CD, CRLF,
 * BOM, and files for other apps). Prints scan throughput, per-file rewrite time (median,
 * p99), a whole-environment planUpdate, and peak RSS.
 *
 *   npx tsx bench/scan-rewrite.ts [files=10000]
 */
import { Worker } from "node:worker_threads";
import { parseFerryConfig } from "../src/config/load.js";
import { findImageReferences } from "../src/manifests/find.js";
import { rewriteImageReferences } from "../src/manifests/rewrite.js";
import type { SourceFile } from "../src/manifests/sites.js";
import { planUpdate } from "../src/promotion/plan-update.js";

const count = Number(process.argv[2] ?? 10_000);
const image = "ghcr.io/acme/api";

const env = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `            - name: SETTING_${i}\n              value: "value-${i}"`,
  ).join("\n");

const workload = (kind: string, i: number) => `# ${kind} ${i}
apiVersion: apps/v1
kind: ${kind}
metadata:
  name: api-${i}
  labels: {app.kubernetes.io/name: api, app.kubernetes.io/instance: api-${i}}
spec:
  replicas: 2
  template:
    metadata:
      labels: {app.kubernetes.io/name: api}
    spec:
      initContainers:
        - name: migrate
          image: "${image}:1.4.1"
      containers:
        - name: api
          image: ${image}:1.4.1 # pinned by Ferry
          env:
${env(12)}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
        - name: proxy
          image: docker.io/envoyproxy/envoy:v1.30.1
`;

const layouts: Record<string, (i: number) => { name: string; text: string }> = {
  deployment: (i) => ({ name: `deploy-${i}.yaml`, text: workload("Deployment", i) }),
  statefulset: (i) => ({ name: `sts-${i}.yaml`, text: workload("StatefulSet", i) }),
  cronjob: (i) => ({
    name: `cron-${i}.yaml`,
    text: `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: report-${i}}\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: report\n              image: ${image}:1.4.1\n`,
  }),
  rollout: (i) => ({
    name: `rollout-${i}.yaml`,
    text: workload("Rollout", i).replace("apps/v1", "argoproj.io/v1alpha1"),
  }),
  "multi-document": (i) => ({
    name: `all-${i}.yaml`,
    text: `${workload("Deployment", i)}---\napiVersion: v1\nkind: Service\nmetadata: {name: api-${i}}\nspec:\n  ports: [{port: 80}]\n---\n${workload("DaemonSet", i)}`,
  }),
  list: (i) => ({
    name: `list-${i}.yaml`,
    text: `apiVersion: v1\nkind: List\nitems:\n${workload("Deployment", i)
      .split("\n")
      .map((l, n) => (n === 0 || l === "" ? l : n === 1 ? `  - ${l}` : `    ${l}`))
      .slice(1)
      .join("\n")}\n`,
  }),
  kustomization: (i) => ({
    name: `k${i}/kustomization.yaml`,
    text: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\nimages:\n  - name: ${image}\n    newTag: 1.4.1\n  - name: ghcr.io/acme/worker\n    newTag: 2.0.0\n`,
  }),
  "helm-values": (i) => ({
    name: `values-${i}.yaml`,
    text: `api:\n  image:\n    registry: ghcr.io\n    repository: acme/api\n    tag: "1.4.1"\n  replicas: 2\nworker:\n  image: ${image}:1.4.1\nredis:\n  image: {repository: bitnami/redis, tag: 7.2.4}\n`,
  }),
  helmrelease: (i) => ({
    name: `hr-${i}.yaml`,
    text: `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: api-${i}}\nspec:\n  chart:\n    spec: {chart: acme, version: 1.0.0, sourceRef: {kind: HelmRepository, name: acme}}\n  values:\n    image:\n      repository: ${image}\n      tag: 1.4.1\n`,
  }),
  "argocd-values": (i) => ({
    name: `app-${i}.yaml`,
    text: `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api-${i}}\nspec:\n  sources:\n    - chart: acme\n      helm:\n        valuesObject:\n          image: {repository: ${image}, tag: 1.4.1}\n        values: |\n          worker:\n            image: ${image}:1.4.1\n        parameters:\n          - {name: cron.image.repository, value: ${image}}\n          - {name: cron.image.tag, value: "1.4.1"}\n    - path: overlays/x\n      kustomize:\n        images: [api=${image}:1.4.1]\n`,
  }),
  "flux-kustomization": (i) => ({
    name: `flux-${i}.yaml`,
    text: `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: api-${i}}\nspec:\n  path: ./x\n  images:\n    - name: ${image}\n      newTag: 1.4.1\n`,
  }),
  crlf: (i) => ({ name: `crlf-${i}.yaml`, text: workload("Deployment", i).replaceAll("\n", "\r\n") }),
  bom: (i) => ({ name: `bom-${i}.yaml`, text: `\ufeff${workload("Deployment", i)}` }),
  "other-app": (i) => ({
    name: `other-${i}.yaml`,
    text: workload("Deployment", i).replaceAll("acme/api", "acme/billing"),
  }),
};

const kinds = Object.keys(layouts);
const files: SourceFile[] = [];
for (let i = 0; i < count; i++) {
  const kind = kinds[i % kinds.length] as string;
  const { name, text } = (layouts[kind] as (i: number) => { name: string; text: string })(i);
  files.push({ path: `overlays/staging/${kind}/${name}`, text });
}
const bytes = files.reduce((n, f) => n + f.text.length, 0);

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
/** CPU time of this process since `from`, in ms: wall time overstates it on a busy machine. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

// Scan: find every reference in every file.
let start = process.hrtime.bigint();
let cpu = process.cpuUsage();
const scan = findImageReferences(files, { image });
const scanMs = ms(start);
const scanCpu = cpuMs(cpu);

// The same scan spread over one worker thread per core (the core is pure, so this is safe).
const workers = 2;
start = process.hrtime.bigint();
const parallelRefs = (
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const share = files.filter((_, i) => i % workers === w);
      return new Promise<number>((resolve, reject) => {
        // Workers do not inherit tsx's loader: register it, then load the .ts worker file.
        const script = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((tsx) => {
          tsx.register();
          return import(${JSON.stringify(new URL("./scan-rewrite-worker.ts", import.meta.url).href)});
        });`;
        const worker = new Worker(script, { eval: true, workerData: { files: share, image } });
        worker.once("message", (n: number) => resolve(n));
        worker.once("error", reject);
      });
    }),
  )
).reduce((a, b) => a + b, 0);
const parallelMs = ms(start);

// Rewrite: each file on its own (parse, splice, re-parse to confirm).
const perFile: number[] = [];
let changed = 0;
for (const file of files) {
  const t = process.hrtime.bigint();
  const result = rewriteImageReferences([file], { image, target: { tag: "1.4.2" } });
  perFile.push(ms(t));
  changed += result.changes.length;
}
perFile.sort((a, b) => a - b);

// The whole environment through planUpdate, as `ferry plan` and the propose flow run it.
const config = parseFerryConfig(
  `environments:\n  - name: staging\n    paths: [overlays/staging/**]\napps:\n  - name: api\n    image: ${image}\n`,
);
if (!config.ok) throw new Error("bench config is invalid");
const [environment] = config.value.environments;
const [app] = config.value.apps;
if (!environment || !app) throw new Error("bench config is incomplete");
start = process.hrtime.bigint();
cpu = process.cpuUsage();
const plan = planUpdate({ files, environment, app, target: { tag: "1.4.2" } });
const planMs = ms(start);
const planCpu = cpuMs(cpu);

const errors = [...scan.findings, ...plan.findings].filter((f) => f.severity === "error");
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `scan-rewrite: ${files.length} files (${(bytes / 1e6).toFixed(1)} MB) across ${kinds.length} layouts`,
);
console.log(
  `  scan:        ${scan.references.length} references in ${scanMs.toFixed(0)} ms = ${Math.round(files.length / (scanMs / 1000))} files/s (CPU ${scanCpu.toFixed(0)} ms = ${Math.round(files.length / (scanCpu / 1000))} files/s)`,
);
console.log(
  `  scan x${workers}:     ${parallelRefs} references in ${parallelMs.toFixed(0)} ms = ${Math.round(files.length / (parallelMs / 1000))} files/s on ${workers} worker threads (incl. their start-up)`,
);
console.log(
  `  rewrite:     ${changed} files; per file median ${pct(perFile, 50).toFixed(2)} ms, p99 ${pct(perFile, 99).toFixed(2)} ms, max ${(perFile.at(-1) ?? 0).toFixed(2)} ms`,
);
console.log(
  `  planUpdate:  ${plan.changes.length} files changed, ${plan.references.length} references, ${planMs.toFixed(0)} ms for the whole environment (CPU ${planCpu.toFixed(0)} ms)`,
);
console.log(`  peak RSS:    ${rssMb.toFixed(0)} MB`);
console.log(`  errors:      ${errors.length}`);
if (errors.length > 0) {
  console.log(errors.slice(0, 5));
  process.exitCode = 1;
}
