import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/commands/plan.js";
import { parseFerryConfig } from "../../src/config/load.js";
import type { SourceFile } from "../../src/manifests/sites.js";
import { type PlanUpdateInput, planUpdate, planUpdateWith } from "../../src/promotion/plan-update.js";
import { createOffLoop } from "../../src/workers/pool.js";

const ferryYml = `environments:
  - name: staging
    paths: [envs/staging/**]
apps:
  - name: api
    image: ghcr.io/acme/api
    source: acme/api
    addToKustomization: true
`;

const deployment = (i: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: api-${i}}
spec:
  template:
    spec:
      containers:
        - name: api
          image: ${image}
`;

/**
 * An environment where 600 files name the image, in several layouts, with what depends on
 * other files (root kustomizations get an images: entry, nested ones do not) and what must be
 * reported (a YAML error, a digest the target lacks).
 */
function environment(): Record<string, string> {
  const files: Record<string, string> = { ".github/ferry.yml": ferryYml };
  for (let i = 0; i < 600; i++) {
    const dir = `envs/staging/app-${String(i).padStart(3, "0")}`;
    const layout = i % 6;
    if (layout === 0) files[`${dir}/deployment.yaml`] = deployment(i, `ghcr.io/acme/api:1.4.${i % 3}`);
    if (layout === 1)
      files[`${dir}/values.yaml`] = `image:\n  repository: ghcr.io/acme/api\n  tag: "1.4.1"\n`;
    if (layout === 2) files[`${dir}/kustomization.yaml`] = "resources: [deployment.yaml]\n";
    if (layout === 3) files[`${dir}/nested/kustomization.yaml`] = "resources: [../deployment.yaml]\n";
    if (layout === 4)
      files[`${dir}/deployment.yaml`] = deployment(i, `ghcr.io/acme/api:1.4.1@sha256:${"a".repeat(64)}`);
    if (layout === 5)
      files[`${dir}/multi.yaml`] =
        `${deployment(i, "ghcr.io/acme/api:1.4.1")}---\n${deployment(i, "ghcr.io/acme/web:2.0.0")}`;
    files[`${dir}/other.yaml`] = deployment(i, "ghcr.io/acme/web:2.0.0");
  }
  files["envs/staging/broken/deployment.yaml"] = "image: ghcr.io/acme/api:1.4.1\n  bad: [indent\n";
  // A root kustomization above half of the others: only it gets an images: entry.
  files["envs/staging/kustomization.yaml"] = "resources: [app-000, app-002]\n";
  return files;
}

function input(files: Record<string, string>): PlanUpdateInput {
  const loaded = parseFerryConfig(files[".github/ferry.yml"] ?? "");
  if (!loaded.ok) throw new Error("test ferry.yml does not load");
  const config = loaded.value;
  const sources: SourceFile[] = Object.entries(files).map(([path, text]) => ({ path, text }));
  return {
    files: sources,
    environment: config.environments[0] as PlanUpdateInput["environment"],
    app: config.apps[0] as PlanUpdateInput["app"],
    target: { tag: "1.5.0" },
  };
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe("a plan on worker threads", () => {
  it("is the same plan as on one thread: changes, references, findings", async () => {
    const files = environment();
    const inThread = planUpdate(input(files));
    expect(inThread.changes.length).toBeGreaterThan(300);
    expect(inThread.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(["yaml", "rewrite"]));
    // The root kustomization gets its images: entry; the nested ones, whoever's share they are in, do not.
    expect(inThread.changes.filter((c) => c.path.endsWith("kustomization.yaml")).map((c) => c.path)).toEqual([
      "envs/staging/kustomization.yaml",
    ]);
    // Shares of 50 files: the root kustomization and the ones under it land on different workers.
    const offLoop = createOffLoop({ threads: 2, filesPerTask: 50 });
    try {
      const onThreads = await planUpdateWith(input(files), (f, request) => offLoop.rewrite(f, request));
      expect(onThreads).toEqual(inThread);
    } finally {
      await offLoop.close();
    }
  });

  it("`ferry plan` prints the same with FERRY_WORKER_THREADS=2 as with 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-plan-pool-"));
    temps.push(dir);
    for (const [path, text] of Object.entries(environment())) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const plan = async (threads: string) => {
      const saved = process.env.FERRY_WORKER_THREADS;
      process.env.FERRY_WORKER_THREADS = threads;
      let stdout = "";
      try {
        const code = await run(["--image", "ghcr.io/acme/api:1.5.0", "--env", "staging", "--json", dir], {
          stdout: (t) => (stdout += t),
          stderr: () => {},
        });
        return { code, stdout };
      } finally {
        if (saved === undefined) delete process.env.FERRY_WORKER_THREADS;
        else process.env.FERRY_WORKER_THREADS = saved;
      }
    };
    const one = await plan("0");
    expect(one.code).toBe(1); // the broken file and the digest without a new digest are errors
    expect(JSON.parse(one.stdout).changes.length).toBeGreaterThan(300);
    expect(await plan("2")).toEqual(one);
  });
});
