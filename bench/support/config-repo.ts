/**
 * Generated config repos for the benchmarks: realistic manifests in every layout Ferry reads,
 * plus unrelated files elsewhere. Everything is built in memory.
 */

export const image = "ghcr.io/acme/api";

export const ferryYml = `environments:
  - name: staging
    paths: [envs/staging/**]
  - name: production
    paths: [envs/production/**]
    after: staging
    tags: { semver: ">=1.0.0", prerelease: false }
apps:
  - name: api
    image: ${image}
    source: acme/api
policy:
  allowed-registries: [ghcr.io/acme, docker.io/envoyproxy]
`;

const deployment = (name: string, tag: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/part-of: api
spec:
  replicas: 3
  selector:
    matchLabels: { app.kubernetes.io/name: ${name} }
  template:
    metadata:
      labels: { app.kubernetes.io/name: ${name} }
    spec:
      serviceAccountName: api
      securityContext: { runAsNonRoot: true }
      initContainers:
        - name: migrate
          image: ${image}:${tag}
          args: [migrate, --wait]
          resources:
            requests: { cpu: 50m, memory: 64Mi }
            limits: { cpu: 200m, memory: 128Mi }
      containers:
        - name: ${name}
          image: "${image}:${tag}"
          ports:
            - { name: http, containerPort: 8080 }
          env:
            - { name: LOG_LEVEL, value: info }
            - { name: DATABASE_URL, valueFrom: { secretKeyRef: { name: api-db, key: url } } }
          readinessProbe:
            httpGet: { path: /healthz, port: http }
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: "1", memory: 512Mi }
        - name: envoy
          image: docker.io/envoyproxy/envoy:v1.30.1
          resources:
            requests: { cpu: 50m, memory: 64Mi }
            limits: { cpu: 200m, memory: 128Mi }
${extra}`;

const kustomization = (tag: string, i: number) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: api-${i}
resources:
  - ../../../../base/api
commonLabels:
  app.kubernetes.io/instance: api-${i}
images:
  # the API server
  - name: ${image}
    newTag: "${tag}"
  - name: ghcr.io/acme/worker
    newTag: 2.0.0
patches:
  - path: replicas.yaml
`;

const helmValues = (tag: string, i: number) => `# Values for the acme chart, shard ${i}
replicaCount: 2
api:
  image:
    registry: ghcr.io
    repository: acme/api
    tag: "${tag}"
    pullPolicy: IfNotPresent
  resources:
    requests: { cpu: 100m, memory: 128Mi }
    limits: { cpu: 500m, memory: 256Mi }
worker:
  image: ${image}:${tag}
  concurrency: 4
redis:
  image: { repository: ghcr.io/acme/redis, tag: 7.2.4 }
ingress:
  enabled: true
  hosts: [api-${i}.staging.acme.test]
`;

const helmRelease = (tag: string, i: number) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: api-${i}
  namespace: flux-system
spec:
  interval: 10m
  chart:
    spec:
      chart: acme
      version: 1.0.0
      sourceRef: { kind: HelmRepository, name: acme }
  install:
    remediation: { retries: 3 }
  values:
    image:
      repository: ${image}
      tag: ${tag}
    resources:
      requests: { cpu: 100m, memory: 128Mi }
      limits: { cpu: 500m, memory: 256Mi }
`;

const argoApplication = (tag: string, i: number) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api-${i}
  namespace: argocd
spec:
  project: default
  destination: { server: https://kubernetes.default.svc, namespace: api-${i} }
  syncPolicy:
    automated: { prune: true, selfHeal: true }
  source:
    repoURL: https://charts.acme.test
    chart: acme
    targetRevision: 1.0.0
    helm:
      valuesObject:
        image:
          repository: ${image}
          tag: ${tag}
`;

/** One kustomization.yaml pinning the image: the single-file environment. */
export function singleFileEnvironment(env: string, tag: string): Record<string, string> {
  return { [`envs/${env}/kustomization.yaml`]: kustomization(tag, 0).replace("../../../../", "../../") };
}

/**
 * Twenty files pinning the image across layouts: 6 Deployments, 4 kustomization.yaml `images:`,
 * 4 Helm values files, 3 Flux HelmReleases, 3 Argo CD Applications.
 */
export function twentyFileEnvironment(env: string, tag: string): Record<string, string> {
  const files: Record<string, string> = {};
  const root = `envs/${env}`;
  for (let i = 0; i < 6; i++)
    files[`${root}/workloads/api-${i}/deployment.yaml`] = deployment(`api-${i}`, tag);
  for (let i = 0; i < 4; i++)
    files[`${root}/overlays/region-${i}/kustomization.yaml`] = kustomization(tag, i);
  for (let i = 0; i < 4; i++) files[`${root}/helm/api-${i}/values.yaml`] = helmValues(tag, i);
  for (let i = 0; i < 3; i++) files[`${root}/flux/api-${i}.helmrelease.yaml`] = helmRelease(tag, i);
  for (let i = 0; i < 3; i++) files[`${root}/argocd/api-${i}.application.yaml`] = argoApplication(tag, i);
  return files;
}

/** A few hundred files that have nothing to do with the promoted environment. */
export function unrelatedFiles(count = 300): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const app = `svc-${String(i % 60).padStart(2, "0")}`;
    switch (i % 5) {
      case 0:
        files[`base/${app}/deployment.yaml`] = deployment(app, "3.1.0").replaceAll(
          image,
          `ghcr.io/acme/${app}`,
        );
        break;
      case 1:
        files[`base/${app}/service.yaml`] =
          `apiVersion: v1\nkind: Service\nmetadata: { name: ${app} }\nspec:\n  selector: { app.kubernetes.io/name: ${app} }\n  ports: [{ name: http, port: 80, targetPort: 8080 }]\n`;
        break;
      case 2:
        files[`base/${app}/configmap.yaml`] =
          `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${app} }\ndata:\n  LOG_LEVEL: info\n  FEATURES: "a,b,c"\n`;
        break;
      case 3:
        files[`docs/runbooks/${app}.md`] =
          `# ${app}\n\nOn call: #team-${app}.\n\n- Dashboards: https://grafana.acme.test/d/${app}\n- Restart: \`kubectl rollout restart deploy/${app}\`\n`;
        break;
      default:
        files[`clusters/prod-${i % 4}/${app}.yaml`] =
          `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: { name: ${app}, namespace: flux-system }\nspec:\n  interval: 5m\n  path: ./base/${app}\n  prune: true\n  sourceRef: { kind: GitRepository, name: deploy }\n`;
    }
  }
  return files;
}

/**
 * A config repo: ferry.yml, the staging environment (`single` or `twenty` files), the same
 * layout for production (untouched by a staging promotion), and unrelated files.
 */
export function promotionRepo(shape: "single" | "twenty", tag = "1.4.1"): Record<string, string> {
  const env = shape === "single" ? singleFileEnvironment : twentyFileEnvironment;
  return {
    ".github/ferry.yml": ferryYml,
    "base/api/deployment.yaml": deployment("api", "1.0.0"),
    "base/api/kustomization.yaml": "resources: [deployment.yaml]\n",
    ...env("staging", tag),
    ...env("production", tag),
    ...unrelatedFiles(),
  };
}

/**
 * A file of a large PR: Deployments, Services, ConfigMaps, HelmReleases, Argo CD Applications,
 * CronJobs and kustomization.yaml; every tenth Deployment has a `latest` tag, every tenth
 * CronJob a privileged container (errors), every fourth Deployment a sidecar without resources
 * (warning).
 */
export function prManifest(i: number, version: number): { path: string; text: string } {
  const env = i % 3 === 0 ? "production" : "staging";
  const app = `app-${String(Math.floor(i / 7)).padStart(4, "0")}`;
  const dir = `envs/${env}/apps/${app}`;
  const tag = `1.${version}.${i % 20}`;
  switch (i % 7) {
    case 0: {
      const n = Math.floor(i / 7);
      let text = deployment(app, tag).replaceAll(image, `ghcr.io/acme/${app}`);
      if (n % 10 === 0) text = text.replace(`ghcr.io/acme/${app}:${tag}"`, `ghcr.io/acme/${app}:latest"`);
      // A sidecar without requests and limits: a warning.
      if (n % 4 === 1) text = text.replace(/(envoy:v1\.30\.1\n)\s+resources:\n.*\n.*\n/, "$1");
      return { path: `${dir}/deployment.yaml`, text };
    }
    case 1:
      return {
        path: `${dir}/service.yaml`,
        text: `apiVersion: v1\nkind: Service\nmetadata: { name: ${app}, labels: { version: "${version}" } }\nspec:\n  selector: { app.kubernetes.io/name: ${app} }\n  ports: [{ name: http, port: 80, targetPort: 8080 }]\n`,
      };
    case 2:
      return {
        path: `${dir}/configmap.yaml`,
        text: `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${app} }\ndata:\n  LOG_LEVEL: info\n  VERSION: "${version}"\n`,
      };
    case 3:
      return {
        path: `${dir}/helmrelease.yaml`,
        text: helmRelease(tag, i).replaceAll(image, `ghcr.io/acme/${app}`),
      };
    case 4:
      return {
        path: `${dir}/application.yaml`,
        text: argoApplication(tag, i).replaceAll(image, `ghcr.io/acme/${app}`),
      };
    case 5: {
      const bad = Math.floor(i / 7) % 10 === 5;
      const container = bad
        ? `              image: ghcr.io/acme/${app}-cron:${tag}\n              securityContext: { privileged: true }\n`
        : `              image: ghcr.io/acme/${app}-cron:${tag}\n`;
      const resources = `              resources:\n                requests: { cpu: 50m, memory: 64Mi }\n                limits: { cpu: 200m, memory: 128Mi }\n`;
      return {
        path: `${dir}/cronjob.yaml`,
        text: `apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: ${app}-report }\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          securityContext: { runAsNonRoot: true }\n          containers:\n            - name: report\n${container}${resources}`,
      };
    }
    default:
      return {
        path: `${dir}/kustomization.yaml`,
        text: `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml, service.yaml, configmap.yaml]\nimages:\n  - name: ghcr.io/acme/${app}\n    newTag: "${tag}"\n`,
      };
  }
}
