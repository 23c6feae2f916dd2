import { createTwoFilesPatch } from "diff";
import { objectText, type RenderedObject } from "./objects.js";
import { isRecord } from "./repo-files.js";

/** One object whose rendered form differs between base and head. */
export interface ObjectDiff {
  key: string;
  change: "added" | "removed" | "changed";
  /** Unified diff of the object's YAML, without file headers; Secret values masked. */
  patch: string;
  added: number;
  removed: number;
  base?: RenderedObject;
  head?: RenderedObject;
}

/**
 * The objects that differ between two renders, by key (group, kind, namespace, name), sorted
 * by key. A Secret's `data` and `stringData` values are never shown: each becomes a mask that
 * only says whether it changed.
 */
export function diffRendered(base: readonly RenderedObject[], head: readonly RenderedObject[]): ObjectDiff[] {
  const before = byKey(base);
  const after = byKey(head);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const diffs: ObjectDiff[] = [];
  for (const key of keys) {
    const b = before.get(key);
    const h = after.get(key);
    const [bData, hData] = maskSecrets(b?.data, h?.data);
    const oldText = bData === undefined ? "" : objectText(bData);
    const newText = hData === undefined ? "" : objectText(hData);
    if (oldText === newText) continue;
    const patch = createTwoFilesPatch(key, key, oldText, newText, "", "", { context: 3 })
      .split("\n")
      .filter((line, i) => i > 3 || !/^(=+|Index:|---|\+\+\+)/.test(line))
      .join("\n")
      .trimEnd();
    const lines = patch.split("\n");
    diffs.push({
      key,
      change: b === undefined ? "added" : h === undefined ? "removed" : "changed",
      patch,
      added: lines.filter((l) => l.startsWith("+")).length,
      removed: lines.filter((l) => l.startsWith("-")).length,
      ...(b ? { base: b } : {}),
      ...(h ? { head: h } : {}),
    });
  }
  return diffs;
}

/** Later objects with the same key (two roots rendering one object) keep a numbered key. */
function byKey(objects: readonly RenderedObject[]): Map<string, RenderedObject> {
  const map = new Map<string, RenderedObject>();
  for (const object of objects) {
    let key = object.key;
    for (let n = 2; map.has(key); n++) key = `${object.key} (${n})`;
    map.set(key, object);
  }
  return map;
}

const mask = "<secret value>";
const changedMask = "<secret value, changed>";

/** Copies of a base/head pair with Secret values replaced by masks (same mask when equal). */
export function maskSecrets(
  base: Record<string, unknown> | undefined,
  head: Record<string, unknown> | undefined,
): [Record<string, unknown> | undefined, Record<string, unknown> | undefined] {
  const isSecret = (o: Record<string, unknown> | undefined) => o?.kind === "Secret" && o.apiVersion === "v1";
  if (!isSecret(base) && !isSecret(head)) return [base, head];
  const b = base === undefined ? undefined : structuredClone(base);
  const h = head === undefined ? undefined : structuredClone(head);
  for (const field of ["data", "stringData"]) {
    const bValues = isRecord(b?.[field]) ? (b?.[field] as Record<string, unknown>) : undefined;
    const hValues = isRecord(h?.[field]) ? (h?.[field] as Record<string, unknown>) : undefined;
    for (const k of Object.keys(bValues ?? {})) if (bValues) bValues[k] = mask;
    for (const k of Object.keys(hValues ?? {})) {
      if (!hValues) continue;
      const original = base?.[field];
      const old = isRecord(original) ? original[k] : undefined;
      hValues[k] = old === undefined || old === hValues[k] ? mask : changedMask;
    }
    if (b && !isRecord(b[field]) && b[field] !== undefined) b[field] = mask;
    if (h && !isRecord(h[field]) && h[field] !== undefined) h[field] = mask;
  }
  // kubectl's last-applied annotation would carry the values again.
  for (const o of [b, h]) {
    const annotations =
      isRecord(o?.metadata) && isRecord(o.metadata.annotations) ? o.metadata.annotations : undefined;
    if (annotations?.["kubectl.kubernetes.io/last-applied-configuration"] !== undefined)
      annotations["kubectl.kubernetes.io/last-applied-configuration"] = mask;
  }
  return [b, h];
}
