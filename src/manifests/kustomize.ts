import { type Document, isMap, isNode, isScalar, isSeq, type YAMLMap, type YAMLSeq } from "yaml";
import { parseImageReference } from "../images/reference.js";
import { endOfLine, lineEnding, startOfLine, type TextEdit } from "./edits.js";
import { scalarSource } from "./scalar-source.js";
import type { ReferenceKind, Source } from "./sites.js";
import { childScalar, childSeq, childString, joinPath, partsSite, type ScanContext } from "./walk.js";

const kustomizationNames = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);

/** Whether the path names a kustomization file (the names `kustomize build` looks for). */
export function isKustomizationPath(path: string): boolean {
  return kustomizationNames.has(path.slice(path.lastIndexOf("/") + 1));
}

/** `images:` entries (name, newName, newTag, digest) that resolve to the sought image. */
export function scanImageEntries(
  ctx: ScanContext,
  list: YAMLSeq | undefined,
  kind: ReferenceKind,
  base: string,
  source: Source,
): void {
  list?.items.forEach((entry, i) => {
    if (!isMap(entry)) return;
    const image = childString(entry, "newName", source) ?? childString(entry, "name", source);
    if (image === undefined) return;
    const parsed = parseImageReference(image);
    if (!parsed.ok || parsed.value.name !== ctx.image) return;
    partsSite(ctx, kind, joinPath(base, i), entry, source, {
      tag: childScalar(entry, "newTag"),
      digest: childScalar(entry, "digest"),
      owner: { map: entry, source, tagKey: "newTag", digestKey: "digest" },
    });
  });
}

/** Kustomize's own kustomization.yaml: the top-level `images:` list. */
export function scanKustomization(ctx: ScanContext, root: YAMLMap, source: Source): void {
  scanImageEntries(ctx, childSeq(root, "images"), "kustomize-images", "images", source);
}

/**
 * The edit that appends an `images:` entry for `image` to a kustomization file that has none,
 * in the file's own style (sequence indentation, line endings). A reason string when the
 * file's shape gives no safe place to add it.
 */
export function addImageEntry(
  text: string,
  doc: Document.Parsed,
  image: string,
  target: { tag?: string | undefined; digest?: string | undefined },
): TextEdit | string {
  const root = doc.contents;
  if (!isMap(root)) return "the kustomization is not a YAML map";
  const eol = lineEnding(text);
  const fields: [string, string][] = [["name", image]];
  if (target.tag !== undefined) fields.push(["newTag", target.tag]);
  if (target.digest !== undefined) fields.push(["digest", target.digest]);
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === "images");
  if (pair !== undefined) {
    const images = pair.value;
    if (!isSeq(images)) return "its images: key is not a list";
    if (images.flow) {
      const close = (images.range?.[1] ?? 0) - 1;
      if (text[close] !== "]") return "its images: flow list could not be located";
      const entry = `{${fields.map(([k, v]) => `${k}: ${scalarSource(v)}`).join(", ")}}`;
      return { start: close, end: close, insert: images.items.length > 0 ? `, ${entry}` : entry };
    }
    const last = images.items[images.items.length - 1];
    if (!isMap(last) || last.range == null) return "its images: list has an entry that is not a map";
    const lineStart = startOfLine(text, last.range[0]);
    const dash = text.indexOf("-", lineStart);
    if (dash < 0 || dash >= last.range[0]) return "its images: entries are not one per line";
    const at = endOfLine(text, last.range[1]);
    const lead = text.slice(lineStart, dash);
    const inner = " ".repeat(last.range[0] - dash);
    return {
      start: at,
      end: at,
      insert: (at === text.length && !text.endsWith("\n") ? eol : "") + block(lead, inner, fields, eol),
    };
  }
  const lead = sequenceIndent(text, root);
  const prefix = text.length === 0 || text.endsWith("\n") ? "" : eol;
  return {
    start: text.length,
    end: text.length,
    insert: `${prefix}images:${eol}${block(lead, "  ", fields, eol)}`,
  };
}

function block(lead: string, inner: string, fields: [string, string][], eol: string): string {
  return fields
    .map(
      ([key, value], i) =>
        `${lead}${i === 0 ? `-${inner.slice(1)}` : inner}${key}: ${scalarSource(value)}${eol}`,
    )
    .join("");
}

/** How the file indents top-level block sequences (`resources:` items), so a new one matches. */
function sequenceIndent(text: string, root: YAMLMap): string {
  for (const pair of root.items) {
    const value = pair.value;
    const first = isSeq(value) && !value.flow ? value.items[0] : undefined;
    const start = isNode(first) ? first.range?.[0] : undefined;
    if (start !== undefined) {
      const lineStart = startOfLine(text, start);
      const dash = text.indexOf("-", lineStart);
      if (dash >= lineStart && dash < start) return text.slice(lineStart, dash);
    }
  }
  return "";
}
