import { isAlias, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import type { TextEdit } from "./edits.js";
import { positionOf, type YamlFile } from "./yaml-file.js";

/**
 * Proves a rewrite changed nothing but what it meant to: `after` must have the same documents,
 * keys, list lengths and values as `before`, except scalars that overlap an edit and map
 * entries or list items that an edit inserted. Returns the first difference, or undefined.
 */
export function differenceOutsideEdits(
  before: YamlFile,
  after: YamlFile,
  edits: readonly TextEdit[],
): string | undefined {
  if (before.documents.length !== after.documents.length) {
    return `the document count changed from ${before.documents.length} to ${after.documents.length}`;
  }
  // Edit spans in the new text's coordinates.
  const spans: [number, number][] = [];
  let shift = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    const start = edit.start + shift;
    spans.push([start, start + edit.insert.length]);
    shift += edit.insert.length - (edit.end - edit.start);
  }
  const edited = (node: unknown): boolean => {
    const range = (node as Node | null)?.range;
    return range != null && spans.some(([s, e]) => range[0] <= e && s <= range[1]);
  };
  const where = (node: unknown): string => {
    const { line, column } = positionOf(after, (node as Node | null)?.range?.[0] ?? 0);
    return `line ${line}, column ${column}`;
  };

  const compare = (a: unknown, b: unknown): string | undefined => {
    if (isScalar(a) && isScalar(b)) {
      return a.value === b.value || edited(b) ? undefined : `the value at ${where(b)} changed`;
    }
    if (isAlias(a) && isAlias(b))
      return a.source === b.source ? undefined : `the alias at ${where(b)} changed`;
    if ((isMap(a) && isMap(b)) || (isSeq(a) && isSeq(b))) {
      let i = 0;
      for (const item of b.items) {
        const old = a.items[i];
        const key = isPair(item) ? item.key : item;
        const same =
          isPair(item) && isPair(old) ? compare(old.key, item.key) === undefined : old !== undefined;
        if (same && old !== undefined) {
          const problem = isPair(item) && isPair(old) ? compare(old.value, item.value) : compare(old, item);
          if (problem === undefined) {
            i++;
            continue;
          }
          if (!edited(key)) return problem;
        }
        // Not the next old entry: only an inserted one may stand here.
        if (!edited(key)) return `an entry at ${where(key)} appeared or moved`;
      }
      return i === a.items.length ? undefined : `an entry near ${where(b)} disappeared`;
    }
    if ((a === null || a === undefined) && (b === null || b === undefined)) return undefined;
    return edited(b) ? undefined : `the structure at ${where(b)} changed`;
  };

  for (const [index, doc] of after.documents.entries()) {
    const problem = compare(before.documents[index]?.contents, doc.contents);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
