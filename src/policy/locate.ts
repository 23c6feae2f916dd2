import { type Document, isCollection, isMap, isNode, isPair, isScalar, isSeq, type Node } from "yaml";
import type { YamlFile } from "../manifests/yaml-file.js";

/** Where a finding points: 1-based, with an end only for single scalars. */
export interface Location {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/**
 * The position of the node at `path`, or of its nearest existing ancestor when the path does
 * not exist (a missing `resources:` points at its container). A map or list that is the value
 * of a key is located at the key, so `spec` errors land on the `spec:` line, not its first child.
 */
export function locate(file: YamlFile, doc: Document.Parsed, path: readonly (string | number)[]): Location {
  let node: Node | null = doc.contents;
  let keyNode: Node | undefined;
  for (const step of path) {
    const found = child(node, step);
    if (found === undefined) break;
    node = found.node;
    keyNode = found.key;
  }
  if (node === null) return { file: file.path, line: 1, column: 1 };
  const anchor = isCollection(node) && keyNode !== undefined ? keyNode : node;
  const range = anchor.range;
  if (range === undefined || range === null) return { file: file.path, line: 1, column: 1 };
  const start = file.lineCounter.linePos(range[0]);
  if (!isScalar(anchor)) return { file: file.path, line: start.line, column: start.col };
  const end = file.lineCounter.linePos(range[1]);
  return { file: file.path, line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}

function child(node: Node | null, step: string | number): { node: Node; key: Node | undefined } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      // YAML keys may be numbers or strings; instance paths always give strings.
      if (key === step || String(key) === String(step)) {
        if (!isNode(pair.value)) return isNode(pair.key) ? { node: pair.key, key: undefined } : undefined;
        return { node: pair.value, key: isNode(pair.key) ? pair.key : undefined };
      }
    }
    return undefined;
  }
  if (isSeq(node)) {
    const index = typeof step === "number" ? step : Number(step);
    const item = Number.isInteger(index) ? node.items[index] : undefined;
    return isNode(item) ? { node: item, key: undefined } : undefined;
  }
  return undefined;
}
