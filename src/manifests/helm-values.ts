import { isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from "yaml";
import { parseImageReference } from "../images/reference.js";
import type { ReferenceKind, Source } from "./sites.js";
import {
  child,
  childScalar,
  childString,
  joinPath,
  partsSite,
  type ScanContext,
  stringSite,
} from "./walk.js";

/** Keys charts use for the image name in an image map, most specific first. */
const repositoryKeys = ["repository", "repo", "image", "name"] as const;
/** `image` and `name` mean many things; they count as the image name only beside a tag or digest. */
const needsSibling = new Set<string>(["image", "name"]);

/**
 * Helm values, wherever they live: every map shaped like `{[registry], repository, tag, [digest]}`
 * for the image, and every string `repo:tag` / `repo@digest` naming it, at any depth (so
 * per-component maps such as `api.image` and `worker.image` are all found).
 */
export function scanValues(
  ctx: ScanContext,
  node: Node | null,
  kind: ReferenceKind,
  path: string,
  source: Source,
): void {
  if (isMap(node)) {
    imageMap(ctx, node, kind, path, source);
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const value = pair.value;
      if (isMap(value) || isSeq(value) || isScalar(value)) {
        scanValues(ctx, value, kind, joinPath(path, String(pair.key.value)), source);
      }
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (isMap(item) || isSeq(item) || isScalar(item))
        scanValues(ctx, item, kind, joinPath(path, i), source);
    });
  } else if (isScalar(node) && typeof node.value === "string") {
    // A bare name without tag or digest is too weak a signal to rewrite.
    stringSite(ctx, kind, path, node, source, { requirePin: true });
  }
}

function imageMap(ctx: ScanContext, map: YAMLMap, kind: ReferenceKind, path: string, source: Source): void {
  const hasPin = child(map, "tag") !== undefined || child(map, "digest") !== undefined;
  // `tag: ""` (or `tag:`) beside no digest is the chart's default left empty on purpose (usually
  // its appVersion): nothing is pinned here, so it is not Ferry's to fill — unless ferry.yml
  // `fields` names it, which claims the scalar before this heuristic runs.
  if (
    isEmpty(childScalar(map, "tag")) &&
    (child(map, "digest") === undefined || isEmpty(childScalar(map, "digest")))
  )
    return;
  for (const key of repositoryKeys) {
    const repository = childString(map, key, source);
    if (repository === undefined) continue;
    if (needsSibling.has(key) && !hasPin) return;
    const registry = childString(map, "registry", source);
    const name = registry ? `${registry.replace(/\/+$/, "")}/${repository}` : repository;
    const parsed = parseImageReference(name);
    // A repository that carries its own tag is a string reference; the scalar walk finds it.
    if (!parsed.ok || parsed.value.name !== ctx.image || parsed.value.tag || parsed.value.digest) return;
    partsSite(ctx, kind, path, map, source, {
      tag: childScalar(map, "tag"),
      digest: childScalar(map, "digest"),
      // A digest key is never invented: only the chart knows whether it reads one.
      owner: { map, source, tagKey: "tag" },
    });
    return;
  }
}

/** A scalar written empty: `""`, `''`, `~` or nothing. */
function isEmpty(node: Scalar | undefined): boolean {
  return node !== undefined && (node.value === null || node.value === "");
}
