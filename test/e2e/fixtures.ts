import { repository, webhookExample } from "../support/payloads.js";

/** A small config repo (Kustomize base + overlays) and its ferry.yml, shared by end-to-end tests. */
export const ferryYml = `environments:
  - name: staging
    paths: [overlays/staging/**]
  - name: production
    paths: [overlays/production/**]
    after: staging
    tags: { semver: ">=1.0.0", prerelease: false }
apps:
  - name: api
    image: ghcr.io/acme/api
    source: acme/api
    trigger: { workflow: build.yml, branch: main }
`;

export const kustomization = (tag: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  # the API server
  - name: ghcr.io/acme/api
    newTag: "${tag}"
`;

export const configRepoFiles = (tag = "1.4.1"): Record<string, string> => ({
  ".github/ferry.yml": ferryYml,
  "base/kustomization.yaml": "resources: [deployment.yaml]\n",
  "base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
`,
  "overlays/staging/kustomization.yaml": kustomization(tag),
  "overlays/production/kustomization.yaml": kustomization(tag),
});

let runId = 1000;

/** `workflow_run.completed` for acme/api's build.yml, on GitHub's published example. */
export function workflowRun(
  sha: string,
  opts: { conclusion?: string; branch?: string; path?: string; updatedAt?: string } = {},
) {
  const id = ++runId;
  const when = opts.updatedAt ?? new Date().toISOString();
  return webhookExample("workflow_run", "completed", {
    workflow_run: {
      id,
      path: opts.path ?? ".github/workflows/build.yml",
      head_branch: opts.branch ?? "main",
      head_sha: sha,
      run_number: id - 1000,
      conclusion: opts.conclusion ?? "success",
      html_url: `https://github.example/acme/api/actions/runs/${id}`,
      created_at: when,
      updated_at: when,
      event: "push",
      repository: repository("acme/api"),
      head_repository: repository("acme/api"),
    },
    workflow: { path: opts.path ?? ".github/workflows/build.yml" },
    repository: repository("acme/api"),
  });
}

/** `repository_dispatch` `ferry-build` from any CI, on GitHub's published example. */
export function ferryBuild(tag: string, extra: Record<string, unknown> = {}, image = "ghcr.io/acme/api") {
  return webhookExample("repository_dispatch", undefined, {
    action: "ferry-build",
    branch: "main",
    client_payload: { image, tag, ...extra },
    repository: repository("acme/api"),
  });
}

/** `release.published` for acme/api, on GitHub's published example. */
export function releasePublished(tag: string, publishedAt: string) {
  return webhookExample("release", "published", {
    release: {
      tag_name: tag,
      html_url: `https://github.example/acme/api/releases/${tag}`,
      published_at: publishedAt,
      draft: false,
    },
    repository: repository("acme/api"),
  });
}

/**
 * `registry_package.published` for a container: GitHub publishes no example of this event, so
 * it is built from the fields in GitHub's webhook schema (@octokit/openapi-webhooks-types).
 */
export function containerPublished(tag: string, digest: string, extra: Record<string, unknown> = {}) {
  return {
    action: "published",
    registry_package: {
      name: "api",
      namespace: "acme",
      package_type: "CONTAINER",
      registry: { url: "https://ghcr.io" },
      package_version: { version: digest, container_metadata: { tag: { name: tag, digest } }, ...extra },
    },
    repository: repository("acme/api"),
  };
}
