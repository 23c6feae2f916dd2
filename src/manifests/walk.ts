import { isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import type { Finding } from "../findings.js";
import { type ImageReference, parseImageReference } from "../images/reference.js";
import { scalarString } from "./scalar-source.js";
import type { ImageSite, ReferenceKind, Site, Slot, Source } from "./sites.js";
import { positionOf, type YamlFile } from "./yaml-file.js";

/** State of one file's scan: the image sought, what was found, what went wrong. */
export interface ScanContext {
  /** The file as a whole; positions are reported against it. */
  file: YamlFile;
  /** Normalised name of the image sought, e.g. `ghcr.io/acme/api`. */
  image: string;
  document: number;
  sites: Site[];
  findings: Finding[];
  /** Scalars already part of a site, so two detectors never edit the same bytes. */
  claimed: Set<Scalar>;
}

export function topLevelSource(file: YamlFile): Source {
  return { yaml: file, toFile: (offset) => offset, embedded: false };
}

/** The value under `key` in a map; aliases are not followed (their anchor is visited where it is defined). */
export function child(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (isScalar(pair.key) && pair.key.value === key) {
      const value = pair.value;
      return isMap(value) || isSeq(value) || isScalar(value) ? value : undefined;
    }
  }
  return undefined;
}

export function childMap(node: unknown, key: string): YAMLMap | undefined {
  const value = child(node, key);
  return isMap(value) ? value : undefined;
}

export function childSeq(node: unknown, key: string): YAMLSeq | undefined {
  const value = child(node, key);
  return isSeq(value) ? value : undefined;
}

export function childScalar(node: unknown, key: string): Scalar | undefined {
  const value = child(node, key);
  return isScalar(value) ? value : undefined;
}

/** The string of `map[key]` when it is a scalar string (or plain number). */
export function childString(node: unknown, key: string, source: Source): string | undefined {
  const scalar = childScalar(node, key);
  return scalar === undefined ? undefined : scalarString(scalar, source.yaml.text);
}

export function slotOf(node: Scalar | undefined, source: Source): Slot | undefined {
  if (node === undefined) return undefined;
  if (node.value === null) return { node, source, value: "", empty: true };
  const value = scalarString(node, source.yaml.text);
  return value === undefined ? undefined : { node, source, value };
}

/** 1-based position in the file of a node of `source` (embedded positions map to the file). */
export function filePosition(ctx: ScanContext, source: Source, node: Node): { line: number; column: number } {
  const offset = source.toFile(node.range?.[0] ?? 0) ?? 0;
  return positionOf(ctx.file, offset);
}

export function finding(
  ctx: ScanContext,
  source: Source,
  node: Node,
  severity: Finding["severity"],
  rule: string,
  message: string,
): void {
  const { line, column } = filePosition(ctx, source, node);
  ctx.findings.push({ file: ctx.file.path, line, column, severity, rule, message });
}

/** A site where one scalar holds the whole reference (`prefix` excluded), if it is the sought image. */
export function stringSite(
  ctx: ScanContext,
  kind: ReferenceKind,
  path: string,
  node: Scalar,
  source: Source,
  options: { prefix?: string; reportInvalid?: boolean; requirePin?: boolean } = {},
): ImageReference | undefined {
  if (ctx.claimed.has(node)) return undefined;
  const slot = slotOf(node, source);
  if (slot === undefined) return undefined;
  const prefix = options.prefix ?? "";
  const parsed = parseImageReference(slot.value.slice(prefix.length));
  if (!parsed.ok) {
    if (options.reportInvalid) finding(ctx, source, node, "warning", "image-reference", parsed.errors);
    return undefined;
  }
  const ref = parsed.value;
  if (ref.name !== ctx.image) return undefined;
  if (options.requirePin && ref.tag === undefined && ref.digest === undefined) return undefined;
  ctx.claimed.add(node);
  ctx.sites.push({
    info: siteInfo(ctx, kind, path, source, node, ref.tag, ref.digest),
    reference: { slot, prefix },
  });
  return ref;
}

/** A site where the tag and digest live in separate scalars of a map (kustomize, Helm maps). */
export function partsSite(
  ctx: ScanContext,
  kind: ReferenceKind,
  path: string,
  anchor: Node,
  source: Source,
  parts: { tag?: Scalar | undefined; digest?: Scalar | undefined; owner?: Site["owner"] },
): void {
  // Explicit ferry.yml fields run first; a heuristic never re-claims what they point at.
  if ((parts.tag && ctx.claimed.has(parts.tag)) || (parts.digest && ctx.claimed.has(parts.digest))) return;
  const tag = slotOf(parts.tag, source);
  const digest = slotOf(parts.digest, source);
  if (tag) ctx.claimed.add(tag.node);
  if (digest) ctx.claimed.add(digest.node);
  const site: Site = {
    info: siteInfo(
      ctx,
      kind,
      path,
      source,
      parts.tag ?? anchor,
      nonEmpty(tag?.value),
      nonEmpty(digest?.value),
    ),
  };
  if (tag) site.tag = tag;
  if (digest) site.digest = digest;
  if (parts.owner) site.owner = parts.owner;
  ctx.sites.push(site);
}

function siteInfo(
  ctx: ScanContext,
  kind: ReferenceKind,
  path: string,
  source: Source,
  node: Node,
  tag: string | undefined,
  digest: string | undefined,
): ImageSite {
  const { line, column } = filePosition(ctx, source, node);
  const info: ImageSite = {
    file: ctx.file.path,
    line,
    column,
    kind,
    path,
    document: ctx.document,
    image: ctx.image,
  };
  if (tag !== undefined) info.tag = tag;
  if (digest !== undefined) info.digest = digest;
  return info;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** `a.b[0].c` from path segments. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}
