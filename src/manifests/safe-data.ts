import { type Document, isAlias, isMap, isNode, isPair, isScalar, isSeq, type Pair } from "yaml";
import { hasMergeKeys, isMergeKey } from "./safe-yaml.js";

/**
 * A document as plain data, like `doc.toJS()` but linear: the parser's alias resolution searches
 * the document once per alias (quadratic), and its alias guard walks each anchor again per alias.
 * Here anchors are recorded in document order as they are converted, so an alias is one lookup;
 * an alias shares its anchor's value, as in `toJS()`. The document must have passed
 * `parseYamlSafely` without errors: that proves every alias resolves, without cycles, and bounds
 * the expanded size and depth. Maps become objects (keys as strings; `__proto__` and other
 * inherited names become own properties), `<<` merges where the document's schema has merge keys.
 */
export function documentToData(doc: Document.Parsed): unknown {
  const anchors = new Map<string, unknown>();
  const merging = hasMergeKeys(doc);
  /** Objects made from YAML maps: the only valid merge sources. */
  const maps = new WeakSet<object>();

  const convert = (node: unknown): unknown => {
    if (isAlias(node)) {
      if (!anchors.has(node.source)) throw new Error("This alias (*) names no anchor (&) set before it");
      return anchors.get(node.source);
    }
    if (isScalar(node)) {
      if (node.anchor) anchors.set(node.anchor, node.value);
      return node.value;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      if (node.anchor) anchors.set(node.anchor, out);
      for (const item of node.items as unknown[]) out.push(isPair(item) ? pairObject(item) : convert(item));
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      maps.add(out);
      if (node.anchor) anchors.set(node.anchor, out);
      for (const pair of node.items) addPair(out, pair);
      return out;
    }
    return isNode(node) ? null : (node ?? null);
  };

  /** A pair in a flow sequence (`[a: 1]`) is a one-key map. */
  const pairObject = (pair: Pair): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    addPair(out, pair);
    return out;
  };

  const addPair = (out: Record<string, unknown>, pair: Pair): void => {
    if (merging && isMergeKey(pair.key)) {
      merge(out, pair.value);
      return;
    }
    const key = stringKey(convert(pair.key));
    set(out, key, convert(pair.value), true);
  };

  /** YAML 1.1 merge: each source map's keys, unless the map already has them; earlier sources win. */
  const merge = (out: Record<string, unknown>, value: unknown): void => {
    const data = convert(value);
    for (const source of Array.isArray(data) ? data : [data]) {
      if (typeof source !== "object" || source === null || !maps.has(source)) {
        throw new Error("Merge sources (<<) must be maps or aliases of maps");
      }
      const entries = source as Record<string, unknown>;
      for (const key of Object.keys(entries)) set(out, key, entries[key], false);
    }
  };

  return convert(doc.contents);
}

/** A map key as the object key `toJS()` would use. */
function stringKey(key: unknown): string {
  if (key === null || key === undefined) return "";
  if (typeof key !== "object") return String(key);
  // A collection as a key: `toJS()` prints it as YAML and logs a warning quoting it; a stable
  // JSON form is enough for Ferry, which never reads such keys, and logs nothing.
  return JSON.stringify(key);
}

function set(out: Record<string, unknown>, key: string, value: unknown, overwrite: boolean): void {
  if (Object.hasOwn(out, key)) {
    if (!overwrite) return;
  } else if (!(key in out)) {
    out[key] = value;
    return;
  }
  // An own key, or a name the prototype has (`__proto__`, `toString`): define, never assign.
  Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
}
