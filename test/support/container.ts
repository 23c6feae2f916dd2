/**
 * What a container runtime and the kubelet would run for a container of a rendered workload:
 * the image's ENTRYPOINT/CMD/ENV/WORKDIR from the Dockerfile (exec form only), then the pod
 * spec's command/args/env/envFrom on top, with Kubernetes' rules.
 */
import { DockerfileParser, type JSONInstruction } from "dockerfile-ast";
import type { K8sObject } from "./workloads.js";

export interface ImageConfig {
  base: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  user: string | undefined;
  /** `ln -s target link` in RUN lines of the final stage: link → target. */
  links: Map<string, string>;
}

/** The final stage of a Dockerfile, as the image would be configured. */
export function imageConfig(dockerfile: string): ImageConfig {
  const instructions = DockerfileParser.parse(dockerfile).getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf("FROM");
  const config: ImageConfig = {
    base: instructions[lastFrom]?.getArgumentsContent() ?? "",
    workdir: "/",
    entrypoint: [],
    cmd: [],
    env: {},
    user: undefined,
    links: new Map(),
  };
  for (const instruction of instructions.slice(lastFrom + 1)) {
    const keyword = instruction.getKeyword();
    const content = instruction.getArgumentsContent() ?? "";
    if (keyword === "ENTRYPOINT" || keyword === "CMD") {
      const strings = (instruction as JSONInstruction).getJSONStrings();
      if (strings.length === 0) throw new Error(`${keyword} must use the exec form: ${content}`);
      const value = strings.map((s) => s.getJSONValue());
      if (keyword === "ENTRYPOINT") {
        config.entrypoint = value;
        config.cmd = []; // Docker resets CMD when ENTRYPOINT is set after it.
      } else config.cmd = value;
    } else if (keyword === "WORKDIR") config.workdir = content;
    else if (keyword === "USER") config.user = content;
    else if (keyword === "ENV") {
      for (const pair of content.split(/\s+/)) {
        const at = pair.indexOf("=");
        if (at > 0) config.env[pair.slice(0, at)] = pair.slice(at + 1);
      }
    } else if (keyword === "RUN") {
      for (const match of content.matchAll(/ln -s (\S+) (\S+)/g))
        config.links.set(match[2] ?? "", match[1] ?? "");
    }
  }
  return config;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: Record<string, unknown>;
}

/** Kubernetes: `command` replaces ENTRYPOINT (and drops CMD); `args` replaces CMD. */
export function containerArgv(container: Container, image: ImageConfig): string[] {
  if (container.command !== undefined) return [...container.command, ...(container.args ?? [])];
  return [...image.entrypoint, ...(container.args ?? image.cmd)];
}

export interface PodContext {
  namespace: string;
  podName: string;
  /** Secret name → key → value (Secrets are created out of git, so the test supplies them). */
  secrets: Record<string, Record<string, string>>;
  /** The rendered objects, for ConfigMaps. */
  objects: readonly K8sObject[];
}

/** The environment the kubelet gives the container: image ENV, then envFrom, then env. */
export function containerEnv(
  container: Container,
  image: ImageConfig,
  pod: PodContext,
): Record<string, string> {
  const configMap = (name: string): Record<string, string> => {
    const found = pod.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
    if (found === undefined) throw new Error(`ConfigMap ${name} is not among the rendered objects`);
    return (found.data ?? {}) as Record<string, string>;
  };
  const secret = (name: string): Record<string, string> => {
    const found = pod.secrets[name];
    if (found === undefined) throw new Error(`the test supplies no Secret ${name}`);
    return found;
  };
  const env: Record<string, string> = { ...image.env };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMap(source.configMapRef.name));
    if (source.secretRef) Object.assign(env, secret(source.secretRef.name));
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    const from = entry.valueFrom;
    if (from?.secretKeyRef) {
      const value = secret(from.secretKeyRef.name ?? "")[from.secretKeyRef.key ?? ""];
      if (value === undefined)
        throw new Error(`Secret ${from.secretKeyRef.name} has no key ${from.secretKeyRef.key}`);
      env[entry.name] = value;
    } else if (from?.configMapKeyRef) {
      const value = configMap(from.configMapKeyRef.name ?? "")[from.configMapKeyRef.key ?? ""];
      if (value === undefined)
        throw new Error(`ConfigMap ${from.configMapKeyRef.name} has no key ${from.configMapKeyRef.key}`);
      env[entry.name] = value;
    } else if (from?.fieldRef) {
      const field = from.fieldRef.fieldPath;
      const value =
        field === "metadata.namespace" ? pod.namespace : field === "metadata.name" ? pod.podName : undefined;
      if (value === undefined) throw new Error(`fieldRef ${field} is not simulated`);
      env[entry.name] = value;
    }
  }
  return env;
}

/** Deployments' pod specs and containers, with the pod-level fields the tests check. */
export function workloadContainers(objects: readonly K8sObject[]) {
  return objects
    .filter((o) => o.kind === "Deployment")
    .flatMap((deployment) => {
      const pod = (
        deployment.spec as {
          template: { spec: { containers: Container[]; securityContext?: Record<string, unknown> } };
        }
      ).template.spec;
      return pod.containers.map((container) => ({ deployment, pod, container }));
    });
}
