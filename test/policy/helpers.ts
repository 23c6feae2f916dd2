import type { FerryConfig } from "../../src/config/schema.js";
import { ferryConfigSchema } from "../../src/config/schema.js";
import type { Finding } from "../../src/findings.js";
import { validateFiles } from "../../src/policy/engine.js";

/** Strips the common indentation of a template literal, so YAML can be written inline. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, "");
  const indents = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => line.length - line.trimStart().length);
  const indent = Math.min(...indents);
  return `${text
    .split("\n")
    .map((line) => line.slice(indent))
    .join("\n")
    .trimEnd()}\n`;
}

/** 1-based lines of the lines marked `# <-` in a YAML text: where a finding is expected. */
export function markedLines(text: string): number[] {
  return text.split("\n").flatMap((line, i) => (line.includes("# <-") ? [i + 1] : []));
}

/** A config with no environments, as the CLI uses when the repo has no ferry.yml. */
export const emptyConfig: FerryConfig = { environments: [], apps: [], clusters: [], policy: {} };

/** A config from plain data, with zod's defaults applied (environments need only name and paths). */
export function config(data: unknown): FerryConfig {
  return ferryConfigSchema.parse(data);
}

/** Findings of one file validated alone. */
export async function check(
  text: string,
  options: { config?: FerryConfig; environment?: string; path?: string } = {},
): Promise<Finding[]> {
  const report = await validateFiles({
    files: [{ path: options.path ?? "deploy/app.yaml", text }],
    config: options.config ?? emptyConfig,
    ...(options.environment === undefined ? {} : { environment: options.environment }),
  });
  return report.findings;
}

/** A Deployment that passes every rule: tests change one thing at a time. */
export const goodDeployment = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: api
    labels:
      app.kubernetes.io/name: api
      team: payments
  spec:
    selector:
      matchLabels:
        app: api
    template:
      metadata:
        labels:
          app: api
      spec:
        securityContext:
          runAsNonRoot: true
        containers:
          - name: api
            image: ghcr.io/acme/api:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            resources:
              requests: { cpu: 100m, memory: 128Mi }
              limits: { cpu: 500m, memory: 256Mi }
            securityContext:
              allowPrivilegeEscalation: false
`;
