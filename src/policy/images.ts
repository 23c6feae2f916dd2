import { dockerHub, type ImageReference, normalisedName, parseImageReference } from "../images/reference.js";
import type { KubeObject, NodePath } from "./rule.js";
import { type ContainerAt, containersOf, describeContainer, isRecord } from "./workloads.js";

/** A container's (or a kustomization `images:` entry's) image reference, parsed, with the path to annotate. */
export interface ImageAt {
  path: NodePath;
  text: string;
  /** Who uses it, for messages: `container "api"`. */
  owner: string;
  reference: ImageReference | undefined;
  /** Why the reference did not parse. */
  error: string | undefined;
  /** A kustomization entry that sets neither newTag nor digest: the tag comes from the base. */
  tagFromBase: boolean;
}

/** What kustomization.yaml files in the same change set override, by normalised image name. */
export interface KustomizeOverride {
  tag: boolean;
  digest: boolean;
  name: boolean;
}
export type KustomizeOverrides = ReadonlyMap<string, KustomizeOverride>;

const kustomizeApi = "kustomize.config.k8s.io/";

/**
 * Every container image of a workload, or every `images:` entry of a kustomization (as the
 * reference it produces: `newName:newTag@digest`); images that do not parse carry their reason.
 */
export function imagesOf(object: KubeObject): ImageAt[] {
  if (object.kind === "Kustomization" && object.apiVersion.startsWith(kustomizeApi))
    return kustomizeImages(object);
  return containersOf(object).flatMap((at: ContainerAt) => {
    const text = at.container.image;
    if (typeof text !== "string") return [];
    return [imageAt([...at.path, "image"], text, describeContainer(at), false)];
  });
}

function kustomizeImages(object: KubeObject): ImageAt[] {
  if (!Array.isArray(object.images)) return [];
  return object.images.flatMap((entry, i) => {
    if (!isRecord(entry) || typeof entry.name !== "string") return [];
    const { name, newName, newTag, digest } = entry;
    if (![newName, newTag, digest].every((v) => v === undefined || typeof v === "string")) return [];
    const text = `${(newName as string | undefined) ?? name}${newTag === undefined ? "" : `:${newTag}`}${digest === undefined ? "" : `@${digest}`}`;
    const key =
      newTag !== undefined
        ? "newTag"
        : digest !== undefined
          ? "digest"
          : newName !== undefined
            ? "newName"
            : "name";
    return [
      imageAt(
        ["images", i, key],
        text,
        `kustomization image "${name}"`,
        newTag === undefined && digest === undefined,
      ),
    ];
  });
}

function imageAt(path: NodePath, text: string, owner: string, tagFromBase: boolean): ImageAt {
  const parsed = parseImageReference(text);
  return {
    path,
    text,
    owner,
    reference: parsed.ok ? parsed.value : undefined,
    error: parsed.ok ? undefined : parsed.errors,
    tagFromBase,
  };
}

/**
 * The image overrides of kustomization documents: a base may leave an image untagged when
 * every overlay sets `newTag`, so image rules judge the override, not the base.
 */
export function collectKustomizeOverrides(kustomizations: readonly unknown[]): KustomizeOverrides {
  const overrides = new Map<string, KustomizeOverride>();
  for (const data of kustomizations) {
    if (!isRecord(data) || !Array.isArray(data.images)) continue;
    for (const entry of data.images) {
      if (!isRecord(entry) || typeof entry.name !== "string") continue;
      const key = normalisedName(entry.name) ?? entry.name;
      const previous = overrides.get(key) ?? { tag: false, digest: false, name: false };
      overrides.set(key, {
        tag: previous.tag || entry.newTag !== undefined || entry.digest !== undefined,
        digest: previous.digest || entry.digest !== undefined,
        name: previous.name || entry.newName !== undefined,
      });
    }
  }
  return overrides;
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
