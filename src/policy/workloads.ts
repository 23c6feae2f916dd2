import { containerLists, podSpecPaths } from "../manifests/pod-spec-paths.js";
import type { KubeObject, NodePath } from "./rule.js";

/** A pod spec inside a workload, with the path that leads to it. */
export interface PodSpecAt {
  path: NodePath;
  spec: Record<string, unknown>;
}

/** One container (regular, init or ephemeral) and the path of its map in the document. */
export interface ContainerAt {
  path: NodePath;
  container: Record<string, unknown>;
  /** `containers`, `initContainers` or `ephemeralContainers`. */
  list: string;
  name: string;
}

/** Whether the object is a workload whose pods Ferry's rules inspect. */
export function isWorkload(object: KubeObject): boolean {
  return Object.hasOwn(podSpecPaths, object.kind) && (object.kind !== "Rollout" || isArgo(object));
}

/** The pod spec of a workload, if it has one of the expected shape. */
export function podSpecOf(object: KubeObject): PodSpecAt | undefined {
  if (!isWorkload(object)) return undefined;
  const path = podSpecPaths[object.kind];
  if (path === undefined) return undefined;
  const spec = dig(object, path);
  return isRecord(spec) ? { path, spec } : undefined;
}

/** The pod template's metadata (or the Pod's own), where pod-level labels live. */
export function podMetadataPath(object: KubeObject): NodePath | undefined {
  const at = podSpecOf(object);
  if (at === undefined) return undefined;
  return [...at.path.slice(0, -1), "metadata"];
}

/** Every container of a workload, in document order per list. */
export function containersOf(object: KubeObject): ContainerAt[] {
  const pod = podSpecOf(object);
  if (pod === undefined) return [];
  const found: ContainerAt[] = [];
  for (const list of containerLists) {
    const items = pod.spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((container, index) => {
      if (!isRecord(container)) return;
      const name = typeof container.name === "string" ? container.name : `#${index}`;
      found.push({ path: [...pod.path, list, index], container, list, name });
    });
  }
  return found;
}

/** Reads a value at a path of plain data. */
export function dig(value: unknown, path: NodePath): unknown {
  let current = value;
  for (const step of path) {
    if (Array.isArray(current) && typeof step === "number") current = current[step];
    else if (isRecord(current) && typeof step === "string") current = current[step];
    else return undefined;
  }
  return current;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `initContainers` → "init container", for messages. */
export function describeContainer(at: ContainerAt): string {
  const kind =
    at.list === "initContainers"
      ? "init container"
      : at.list === "ephemeralContainers"
        ? "ephemeral container"
        : "container";
  return `${kind} "${at.name}"`;
}

function isArgo(object: KubeObject): boolean {
  return object.apiVersion.startsWith("argoproj.io/");
}
