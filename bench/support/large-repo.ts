/**
 * A generated config repo for bench/parse-ratio: two environments of many apps, each app a
 * Deployment, a Service + ServiceAccount, a ConfigMap, a Flux HelmRelease, an Argo CD Application,
 * a CronJob and a kustomization.yaml, one in ten Deployments breaking a rule. The app `api`
 * (`ghcr.io/acme/api`) is the one `ferry plan` and the guard look for: its name is a prefix of
 * `apiVersion`, and `ghcr.io/acme/api-report` (its CronJob) is another image.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const environments = ["staging", "production"] as const;
/** Apps listed in ferry.yml (the guard checks each of them in each environment). */
export const configuredApps = 20;

export interface LargeRepo {
  /** Relative path → text, in the order written. */
  files: Map<string, string>;
  bytes: number;
}

export function largeRepo(count: number): LargeRepo {
  const files = new Map<string, string>();
  const apps = ["api", ...Array.from({ length: configuredApps - 1 }, (_, i) => `svc-${i + 1}`)];
  files.set(
    ".github/ferry.yml",
    `environments:
  - name: staging
    paths: [overlays/staging/**]
  - name: production
    paths: [overlays/production/**]
    after: staging
apps:
${apps.map((a) => `  - name: ${a}\n    image: ghcr.io/acme/${a}\n    source: acme/${a}\n`).join("")}policy:
  allowed-registries: [ghcr.io/acme]
`,
  );
  const templates = [deployment, service, configMap, helmRelease, application, cronJob, kustomization];
  let bytes = 0;
  for (let i = 0; files.size - 1 < count; i++) {
    const env = environments[i % environments.length] ?? "staging";
    const group = Math.floor(i / (templates.length * environments.length));
    const app = group < apps.length ? (apps[group] ?? "api") : `app-${group}`;
    const template = templates[Math.floor(i / environments.length) % templates.length] ?? deployment;
    const name = template === kustomization ? "kustomization.yaml" : `${template.name.toLowerCase()}.yaml`;
    const text = template(app, i);
    bytes += text.length;
    files.set(`overlays/${env}/${app}/${name}`, text);
  }
  return { files, bytes };
}

export function writeRepo(dir: string, repo: LargeRepo): void {
  for (const [path, text] of repo.files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

function deployment(app: string, i: number): string {
  const image = i % 10 === 0 ? `ghcr.io/acme/${app}:latest` : `ghcr.io/acme/${app}:1.${i % 50}.0`;
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
            - containerPort: 8080
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
metadata: { name: ${app}-chart }
spec:
  interval: 10m
  chart:
    spec:
      chart: ${app}-chart
      version: "1.x"
      sourceRef: { kind: HelmRepository, name: acme }
  values:
    replicaCount: 2
`;
}

function application(app: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${app}-app }
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
