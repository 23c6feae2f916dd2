/** The Kubernetes objects Ferry ships, rendered with the real kustomize and helm. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { helmPath, kubectlPath } from "../../scripts/tools.js";
import { repoRoot } from "./build.js";

const run = promisify(execFile);

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<string, unknown>;

/** Values that make the chart render everything it can: the app, Redis and the agent. */
export const fullChartValues = [
  "app.existingSecret=ferry",
  "app.replicaCount=2",
  "redis.enabled=true",
  "agent.enabled=true",
  "agent.cluster=prod-eu-1",
  "agent.environment=production",
  "agent.existingSecret=ferry-agent",
];

export interface Rendered {
  /** The multi-document YAML the tool printed. */
  text: string;
  objects: K8sObject[];
}

function parse(text: string): Rendered {
  const objects = parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  return { text, objects };
}

/** `kubectl kustomize <dir>` (kustomize built into kubectl). */
export async function kustomize(dir: string): Promise<Rendered> {
  const { stdout } = await run(await kubectlPath(), ["kustomize", dir], { maxBuffer: 16 * 1024 * 1024 });
  return parse(stdout);
}

/** `helm template` of charts/ferry with `--set` values. */
export async function helmTemplate(values: readonly string[], release = "ferry"): Promise<Rendered> {
  const { stdout } = await run(
    await helmPath(),
    [
      "template",
      release,
      join(repoRoot, "charts", "ferry"),
      "--namespace",
      "ferry",
      ...values.flatMap((v) => ["--set", v]),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return parse(stdout);
}

/** Every shipped workload source with how it renders by default. */
export const shippedWorkloads = {
  "deploy/app": () => kustomize(join(repoRoot, "deploy", "app")),
  "deploy/agent": () => kustomize(join(repoRoot, "deploy", "agent")),
  "charts/ferry": () => helmTemplate(fullChartValues),
} as const;
