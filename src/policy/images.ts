import { dockerHub, type ImageReference, parseImageReference } from "../images/reference.js";
import type { KubeObject, NodePath } from "./rule.js";
import { type ContainerAt, containersOf, describeContainer } from "./workloads.js";

/** A container's image reference, parsed, with the path of its `image:` value. */
export interface ImageAt {
  path: NodePath;
  text: string;
  /** Who uses it, for messages: `container "api"`. */
  owner: string;
  reference: ImageReference | undefined;
  /** Why the reference did not parse. */
  error: string | undefined;
}

/** Every container image of a workload; images that do not parse carry their reason. */
export function imagesOf(object: KubeObject): ImageAt[] {
  return containersOf(object).flatMap((at: ContainerAt) => {
    const text = at.container.image;
    if (typeof text !== "string") return [];
    const parsed = parseImageReference(text);
    return [
      {
        path: [...at.path, "image"],
        text,
        owner: describeContainer(at),
        reference: parsed.ok ? parsed.value : undefined,
        error: parsed.ok ? undefined : parsed.errors,
      },
    ];
  });
}

/**
 * Normalises an allowed-registries entry the way image names are normalised: a bare host
 * (`ghcr.io`, `registry:5000`) allows the whole registry, `ghcr.io/acme` a path prefix, and a
 * Docker Hub shorthand (`nginx`, `bitnami`) its `docker.io/…` form.
 */
export function registryPrefix(entry: string): { registry: string; path: string | undefined } {
  const trimmed = entry.replace(/\/+$/, "");
  const slash = trimmed.indexOf("/");
  const first = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const looksLikeHost = first.includes(".") || first.includes(":") || first === "localhost";
  if (looksLikeHost) {
    const registry = first === "index.docker.io" ? dockerHub : first;
    return { registry, path: slash < 0 ? undefined : trimmed.slice(slash + 1) };
  }
  // A single Docker Hub component is an official image (`nginx` → `library/nginx`).
  return { registry: dockerHub, path: slash < 0 ? `library/${trimmed}` : trimmed };
}

/** Whether `ref` lies under one of the allowed prefixes (path prefixes match whole components). */
export function isAllowedRegistry(ref: ImageReference, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const { registry, path } = registryPrefix(entry);
    if (ref.registry !== registry) return false;
    return path === undefined || ref.repository === path || ref.repository.startsWith(`${path}/`);
  });
}
