/**
 * Time per PR to render, diff and validate (renderEnvironments: plan, kustomize and helm runs
 * in their sandboxes, the per-object diff, schemas and policy on the changed objects).
 *
 * A generated config repo: 50 apps, each a kustomize base with 3 overlays (dev, staging,
 * production), and one in-repo Helm chart deployed to each environment by a Flux HelmRelease
 * with its own values file. PRs of four shapes, as config repos see them:
 *   bump      an image tag in one app's overlay (a Ferry promotion PR)  → 1 environment
 *   base      a change to one app's base Deployment                      → 3 environments
 *   values    a values change for the chart in one environment           → 1 environment
 *   fan       image tags in 5 apps' staging overlays                     → 1 environment
 *
 *   npx tsx bench/render.ts [rounds]     (default 5 rounds of the 4 shapes = 20 PRs)
 */
import { performance } from "node:perf_hooks";
import { helmPath, kubectlPath } from "../scripts/tools.js";
import { ferryConfigSchema } from "../src/config/schema.js";
import { renderEnvironments } from "../src/render/environments.js";

const apps = 50;
const envs = ["dev", "staging", "production"] as const;
const rounds = Number(process.argv[2] ?? 5);

const config = ferryConfigSchema.parse({
  environments: envs.map((name) => ({ name, paths: [`apps/*/overlays/${name}/**`, `clusters/${name}/**`] })),
  apps: [],
});

const deployment = (app: string, logLevel = "info") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  labels: { app.kubernetes.io/name: ${app}, team: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app.kubernetes.io/name: ${app} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: ${app}, team: shop } }
    spec:
      securityContext: { runAsNonRoot: true }
      containers:
        - name: ${app}
          image: ghcr.io/acme/${app}:1.0.0
          ports: [{ name: http, containerPort: 8080 }]
          env: [{ name: LOG_LEVEL, value: ${logLevel} }]
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: "1", memory: 512Mi }
          securityContext: { allowPrivilegeEscalation: false }
`;
const service = (app: string) => `apiVersion: v1
kind: Service
metadata: { name: ${app}, labels: { app.kubernetes.io/name: ${app}, team: shop } }
spec:
  selector: { app.kubernetes.io/name: ${app} }
  ports: [{ name: http, port: 80, targetPort: http }]
`;
const overlay = (app: string, env: string, tag: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${env}
resources: [../../base]
images:
  - name: ghcr.io/acme/${app}
    newTag: "${tag}"
patches:
  - path: replicas.yaml
`;
const replicas = (app: string, n: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${app} }\nspec: { replicas: ${n} }\n`;

function repo(): Map<string, string> {
  const files = new Map<string, string>();
  for (let i = 0; i < apps; i++) {
    const app = `app-${String(i).padStart(2, "0")}`;
    files.set(`apps/${app}/base/kustomization.yaml`, "resources: [deployment.yaml, service.yaml]\n");
    files.set(`apps/${app}/base/deployment.yaml`, deployment(app));
    files.set(`apps/${app}/base/service.yaml`, service(app));
    for (const [n, env] of envs.entries()) {
      files.set(`apps/${app}/overlays/${env}/kustomization.yaml`, overlay(app, env, "1.0.0"));
      files.set(`apps/${app}/overlays/${env}/replicas.yaml`, replicas(app, n + 1));
    }
  }
  files.set("charts/platform/Chart.yaml", "apiVersion: v2\nname: platform\nversion: 1.0.0\n");
  files.set(
    "charts/platform/values.yaml",
    "replicaCount: 1\nimage: { repository: ghcr.io/acme/gateway, tag: 2.0.0 }\nresources:\n  requests: { cpu: 100m, memory: 128Mi }\n  limits: { cpu: 500m, memory: 256Mi }\n",
  );
  files.set(
    "charts/platform/templates/deployment.yaml",
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: { app.kubernetes.io/name: gateway, team: shop }
spec:
  replicas: {{ .Values.replicaCount }}
  selector: { matchLabels: { app.kubernetes.io/name: gateway } }
  template:
    metadata: { labels: { app.kubernetes.io/name: gateway, team: shop } }
    spec:
      securityContext: { runAsNonRoot: true }
      containers:
        - name: gateway
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          resources: {{- toYaml .Values.resources | nindent 12 }}
`,
  );
  for (const env of envs) {
    files.set(
      `clusters/${env}/platform.yaml`,
      `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: platform, namespace: ${env} }
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/platform
      sourceRef: { kind: GitRepository, name: flux-system, namespace: flux-system }
      valuesFiles: [./charts/platform/values.yaml, ./clusters/${env}/platform-values.yaml]
`,
    );
    files.set(`clusters/${env}/platform-values.yaml`, "replicaCount: 2\n");
  }
  return files;
}

type Shape = "bump" | "base" | "values" | "fan";
function change(shape: Shape, round: number): Record<string, string> {
  const app = (i: number) => `app-${String((round * 7 + i) % apps).padStart(2, "0")}`;
  const tag = `1.${round + 1}.0`;
  switch (shape) {
    case "bump":
      return { [`apps/${app(0)}/overlays/staging/kustomization.yaml`]: overlay(app(0), "staging", tag) };
    case "base":
      return { [`apps/${app(1)}/base/deployment.yaml`]: deployment(app(1), `debug-${round}`) };
    case "values":
      return { "clusters/production/platform-values.yaml": `replicaCount: ${round + 3}\n` };
    case "fan":
      return Object.fromEntries(
        [0, 1, 2, 3, 4].map((i) => [
          `apps/${app(i)}/overlays/staging/kustomization.yaml`,
          overlay(app(i), "staging", tag),
        ]),
      );
  }
}

const tools = { kubectl: await kubectlPath(), helm: await helmPath() };
const base = repo();
const tree = (files: Map<string, string>) => [...files].map(([path, text]) => ({ path, text }));
const shapes: Shape[] = ["bump", "base", "values", "fan"];
const times: Record<Shape | "all", number[]> = { bump: [], base: [], values: [], fan: [], all: [] };
let objects = 0;
let findings = 0;
// One warm-up: the first validation imports the model modules.
await renderEnvironments({
  config,
  base: tree(base),
  head: tree(base),
  changed: [],
  self: { owner: "acme", repo: "deploy" },
  tools,
});
for (let round = 0; round < rounds; round++) {
  for (const shape of shapes) {
    const changes = change(shape, round);
    const head = new Map([...base, ...Object.entries(changes)]);
    const start = performance.now();
    const results = await renderEnvironments({
      config,
      base: tree(base),
      head: tree(head),
      changed: Object.keys(changes),
      self: { owner: "acme", repo: "deploy" },
      tools,
    });
    const ms = performance.now() - start;
    times[shape].push(ms);
    times.all.push(ms);
    objects += results.reduce((n, r) => n + r.diffs.length, 0);
    findings += results.reduce((n, r) => n + r.findings.length, 0);
    if (results.length === 0) throw new Error(`${shape}: nothing rendered`);
  }
}

const pct = (list: number[], p: number) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
console.log(`config repo: ${base.size} files, ${apps} apps × 3 overlays + 1 chart in 3 environments`);
console.log(
  `PRs: ${times.all.length} (${rounds} rounds × ${shapes.join(", ")}); changed objects ${objects}, findings ${findings}`,
);
console.log("| PR shape | p50 ms | p90 ms | max ms |\n| --- | ---: | ---: | ---: |");
for (const key of [...shapes, "all"] as const)
  console.log(
    `| ${key} | ${pct(times[key], 50).toFixed(0)} | ${pct(times[key], 90).toFixed(0)} | ${Math.max(...times[key]).toFixed(0)} |`,
  );
console.log(`peak RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
