import { describe, expect, it } from "vitest";
import { parseFerryConfig } from "../../src/config/load.js";
import type { FerryConfig } from "../../src/config/schema.js";
import type { SourceFile } from "../../src/manifests/sites.js";
import { imageChanges } from "../../src/promotion/image-changes.js";

const yaml = (strings: TemplateStringsArray, ...values: unknown[]) => String.raw({ raw: strings }, ...values);

function config(): FerryConfig {
  const loaded = parseFerryConfig(yaml`environments:
  - name: staging
    paths: [envs/staging/**]
  - name: production
    paths: [envs/production/**]
    after: staging
apps:
  - name: api
    image: ghcr.io/acme/api
    source: acme/api
  - name: web
    image: nginx
    source: acme/web
  - name: worker
    image: ghcr.io/acme/worker
    source: acme/worker
`);
  if (!loaded.ok) throw new Error("test ferry.yml does not load");
  return loaded.value;
}

const deployment = (name: string, image: string) => yaml`apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  template:
    spec:
      containers:
        - name: ${name}
          image: ${image}
`;

const splitValues = (tag: string) => yaml`image:
  registry: ghcr.io/acme
  repository: worker
  tag: ${tag}
`;

/** A repo at base: every app in both environments, plus files that name no app. */
function base(): SourceFile[] {
  const files: SourceFile[] = [];
  for (const env of ["staging", "production"]) {
    files.push(
      { path: `envs/${env}/api/deployment.yaml`, text: deployment("api", "ghcr.io/acme/api:1.4.1") },
      { path: `envs/${env}/web/deployment.yaml`, text: deployment("web", "nginx:1.27") },
      { path: `envs/${env}/worker/values.yaml`, text: splitValues("2.0.0") },
      {
        path: `envs/${env}/report/cronjob.yaml`,
        text: deployment("report", "ghcr.io/acme/api-report:3.0.0"),
      },
    );
    for (let i = 0; i < 50; i++) {
      files.push({
        path: `envs/${env}/other-${i}/deployment.yaml`,
        text: deployment(`o${i}`, `ghcr.io/acme/o${i}:1.0.0`),
      });
    }
  }
  return files;
}

/** base() with some files' texts replaced (or added). */
function headWith(changes: Record<string, string>): SourceFile[] {
  const files = base().map((f) => (f.path in changes ? { ...f, text: changes[f.path] as string } : f));
  for (const [path, text] of Object.entries(changes)) {
    if (!files.some((f) => f.path === path)) files.push({ path, text });
  }
  return files;
}

const summary = (changes: ReturnType<typeof imageChanges>) =>
  changes.map((c) => ({ env: c.env.name, app: c.app.name, from: c.from, to: c.to, sites: c.sites }));

describe("imageChanges (the guard's Ferry / promotion check)", () => {
  it("finds nothing when no pin moved, whatever else changed", () => {
    const head = headWith({
      "envs/staging/report/cronjob.yaml": deployment("report", "ghcr.io/acme/api-report:3.1.0"),
      "envs/staging/other-3/deployment.yaml": deployment("o3", "ghcr.io/acme/o3:1.1.0"),
    });
    expect(imageChanges(config(), base(), head)).toEqual([]);
  });

  it("catches every kind of image change, in the environment where it happens", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const head = headWith({
      // a tag bump
      "envs/staging/api/deployment.yaml": deployment("api", "ghcr.io/acme/api:1.5.0"),
      // a new file that names the image
      "envs/staging/api/canary.yaml": deployment("api-canary", "ghcr.io/acme/api:1.5.0"),
      // a Docker Hub short name gaining a digest
      "envs/production/web/deployment.yaml": deployment("web", `nginx:1.27@${digest}`),
      // a name split across a registry key
      "envs/production/worker/values.yaml": splitValues("2.1.0"),
    });
    expect(summary(imageChanges(config(), base(), head))).toEqual([
      {
        env: "staging",
        app: "api",
        from: ["1.4.1"],
        to: [{ tag: "1.5.0" }],
        sites: [
          { file: "envs/staging/api/deployment.yaml", line: 9 },
          { file: "envs/staging/api/canary.yaml", line: 9 },
        ],
      },
      {
        env: "production",
        app: "web",
        from: ["1.27"],
        to: [{ tag: "1.27", digest }],
        sites: [{ file: "envs/production/web/deployment.yaml", line: 9 }],
      },
      {
        env: "production",
        app: "worker",
        from: ["2.0.0"],
        to: [{ tag: "2.1.0" }],
        sites: [{ file: "envs/production/worker/values.yaml", line: 4 }],
      },
    ]);
  });

  it("says which tags the environment ran at the base, from every file, not only the changed ones", () => {
    const head = headWith({
      "envs/staging/api/deployment.yaml": deployment("api", "ghcr.io/acme/api:1.5.0"),
    });
    const files = base().map((f) =>
      f.path === "envs/staging/report/cronjob.yaml"
        ? { ...f, text: `${f.text}---\n${deployment("api-old", "ghcr.io/acme/api:1.3.0")}` }
        : f,
    );
    const headFiles = head.map((f) => files.find((b) => b.path === f.path && f.path.includes("report")) ?? f);
    const [change] = imageChanges(config(), files, headFiles);
    expect(change?.from).toEqual(["1.4.1", "1.3.0"]);
    expect(change?.sites).toEqual([{ file: "envs/staging/api/deployment.yaml", line: 9 }]);
  });
});
