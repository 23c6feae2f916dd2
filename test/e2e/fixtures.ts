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

/** A `workflow_run.completed` payload shaped like GitHub's, for acme/api's build.yml. */
export function workflowRun(
  sha: string,
  opts: { conclusion?: string; branch?: string; path?: string; updatedAt?: string } = {},
) {
  const id = ++runId;
  return {
    action: "completed",
    workflow_run: {
      id,
      name: "build",
      path: opts.path ?? ".github/workflows/build.yml",
      head_branch: opts.branch ?? "main",
      head_sha: sha,
      run_number: id - 1000,
      event: "push",
      status: "completed",
      conclusion: opts.conclusion ?? "success",
      html_url: `https://github.example/acme/api/actions/runs/${id}`,
      created_at: opts.updatedAt ?? new Date().toISOString(),
      updated_at: opts.updatedAt ?? new Date().toISOString(),
      repository: { full_name: "acme/api" },
    },
    workflow: { id: 1, path: opts.path ?? ".github/workflows/build.yml" },
    repository: {
      full_name: "acme/api",
      name: "api",
      owner: { login: "acme" },
      html_url: "https://github.example/acme/api",
    },
    organization: { login: "acme" },
    sender: { login: "octocat" },
  };
}
