import { type Document, isMap, isScalar, isSeq, type Node } from "yaml";
import type { Source } from "./sites.js";
import { finding, partsSite, type ScanContext, stringSite } from "./walk.js";

/** An explicit location from ferry.yml `apps[].fields`, for layouts no heuristic finds. */
export interface FieldRef {
  /** Glob of the files holding the value (matched by the caller). */
  file: string;
  /** Dotted key path to the scalar, e.g. `spec.values.api.image.tag`; numbers index lists. */
  path: string;
  part: "tag" | "digest" | "reference";
}

/** The node at a dotted path; aliases are not followed. */
export function nodeAtPath(doc: Document.Parsed, path: string): Node | undefined {
  let node: unknown = doc.contents;
  for (const segment of path.split(".")) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      node = pair?.value;
    } else if (isSeq(node) && /^\d+$/.test(segment)) {
      node = node.items[Number(segment)];
    } else {
      return undefined;
    }
  }
  return isMap(node) || isSeq(node) || isScalar(node) ? node : undefined;
}

/** Claims the scalars named by `fields` in one document; true when any was found. */
export function scanFields(
  ctx: ScanContext,
  doc: Document.Parsed,
  fields: readonly FieldRef[],
  source: Source,
): boolean {
  let found = false;
  for (const field of fields) {
    const node = nodeAtPath(doc, field.path);
    if (node === undefined) continue;
    found = true;
    if (!isScalar(node)) {
      finding(ctx, source, node, "error", "fields", `ferry.yml field ${field.path} is not a scalar here`);
      continue;
    }
    if (field.part === "reference") {
      const ref = stringSite(ctx, "field", field.path, node, source, { reportInvalid: true });
      if (ref === undefined && !ctx.claimed.has(node)) {
        finding(
          ctx,
          source,
          node,
          "error",
          "fields",
          `ferry.yml field ${field.path} does not hold ${ctx.image}`,
        );
      }
    } else {
      partsSite(
        ctx,
        "field",
        field.path,
        node,
        source,
        field.part === "tag" ? { tag: node } : { digest: node },
      );
    }
  }
  return found;
}
