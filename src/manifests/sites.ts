import type { Scalar, YAMLMap } from "yaml";
import type { Unreadable } from "./safe-text.js";
import type { YamlFile } from "./yaml-file.js";

/** A file of a config repo, as text: the core never reads the disk or GitHub itself. */
export interface SourceFile {
  /** Repo-relative path with `/` separators. */
  path: string;
  text: string;
  /** Set (and `text` empty) when the file could not be read as text: binary, not UTF-8, too large. */
  unreadable?: Unreadable;
}

/** The layout a reference was found in; names the field a reviewer would look at. */
export type ReferenceKind =
  /** `image:` of a container, init container or ephemeral container in a workload or Pod. */
  | "container"
  /** An `images:` entry of a kustomization.yaml. */
  | "kustomize-images"
  /** A Flux Kustomization's `spec.images` entry. */
  | "flux-kustomization-images"
  /** An image string or `{registry, repository, tag, digest}` map in a Helm values file. */
  | "helm-values"
  /** The same inside a Flux HelmRelease's `spec.values`. */
  | "helmrelease-values"
  /** The same inside an Argo CD Application's `helm.valuesObject` or `helm.values` string. */
  | "argocd-helm-values"
  /** Argo CD `helm.parameters` (`image.repository` / `image.tag` pairs, or a whole reference). */
  | "argocd-helm-parameters"
  /** Argo CD `kustomize.images` (`[name=]image[:tag][@digest]`). */
  | "argocd-kustomize-images"
  /** A location named in ferry.yml `apps[].fields`. */
  | "field";

/** One place that pins the image: plain data, safe to print or serialise. */
export interface ImageSite {
  file: string;
  /** 1-based position of the scalar (or map) holding the tag, digest or reference. */
  line: number;
  column: number;
  kind: ReferenceKind;
  /** Key path inside the document, e.g. `spec.template.spec.containers[0].image`. */
  path: string;
  /** Zero-based index of the YAML document within the file. */
  document: number;
  /** Normalised image name, e.g. `ghcr.io/acme/api`. */
  image: string;
  tag?: string;
  digest?: string;
}

/** Where node offsets of an (possibly embedded) YAML text land in the file's own text. */
export interface Source {
  /** The parsed text the nodes' ranges refer to. */
  yaml: YamlFile;
  /** File offset of an offset in `yaml.text`; undefined when the position cannot be mapped. */
  toFile(offset: number): number | undefined;
  /** True inside a YAML string embedded in the file (Argo CD `helm.values`). */
  embedded: boolean;
}

/** A scalar that holds (part of) a reference, with the string Ferry read from it. */
export interface Slot {
  node: Scalar;
  source: Source;
  value: string;
  /** The key is there with no value (`tag:` or `tag: ~`); a rewrite replaces the whole scalar. */
  empty?: boolean;
}

/** A found site with what the rewriter needs to edit it. Internal to src/manifests. */
export interface Site {
  info: ImageSite;
  /** The whole reference in one string; `prefix` (e.g. `api=` in Argo CD kustomize images) is kept. */
  reference?: { slot: Slot; prefix: string };
  tag?: Slot;
  digest?: Slot;
  /**
   * The map that would receive a missing tag or digest key, with the key names it uses.
   * `digestKey` is absent where adding one proves nothing (a chart may ignore `image.digest`).
   */
  owner?: { map: YAMLMap; source: Source; tagKey: string; digestKey?: string };
}
