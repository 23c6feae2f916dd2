import { isMap, isScalar, type YAMLMap } from "yaml";
import { containerLists, podSpecPaths } from "./pod-spec-paths.js";
import type { Source } from "./sites.js";
import { childMap, childSeq, joinPath, type ScanContext, stringSite } from "./walk.js";

export function isWorkloadKind(kind: string): boolean {
  return Object.hasOwn(podSpecPaths, kind);
}

/** Container images of a workload object; invalid references are reported, not guessed at. */
export function scanWorkload(
  ctx: ScanContext,
  object: YAMLMap,
  kind: string,
  source: Source,
  base: string,
): void {
  let node: YAMLMap | undefined = object;
  let path = base;
  for (const key of podSpecPaths[kind] ?? []) {
    node = childMap(node, key);
    path = joinPath(path, key);
    if (node === undefined) return;
  }
  for (const list of containerLists) {
    const containers = childSeq(node, list);
    containers?.items.forEach((container, i) => {
      if (!isMap(container)) return;
      const image = container.get("image", true);
      if (!isScalar(image)) return;
      stringSite(ctx, "container", joinPath(joinPath(joinPath(path, list), i), "image"), image, source, {
        reportInvalid: true,
      });
    });
  }
}
