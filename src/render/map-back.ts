import { type Document, isMap, isNode, isPair, isScalar, isSeq, type Node } from "yaml";
import { parseYamlFile, type YamlFile } from "../manifests/yaml-file.js";
import { type Location, locate } from "../policy/locate.js";
import type { RenderedObject } from "./objects.js";
import { isRecord, type RepoFiles } from "./repo-files.js";

type Path = readonly (string | number)[];

/**
 * The source line that set the field at `path` of a rendered object:
 * - kustomize: the patch that sets it (the last applied first), else the resource file the
 *   object came from (its origin), at the deepest part of the path each has;
 * - Helm: a values source (inline values, then the values files from last to first, then the
 *   chart's values.yaml) with a key named like the field — preferring one whose value is the
 *   rendered value —, else the template's line with that key;
 * - otherwise the kustomization, HelmRelease or Application the render stands for.
 */
export function mapBack(
  object: RenderedObject,
  path: Path,
  files: RepoFiles,
  cache = new Map<string, YamlFile>(),
): Location {
  const parsed = (file: string): YamlFile | undefined => {
    let yaml = cache.get(file);
    if (yaml === undefined) {
      const text = files.text(file);
      if (text === undefined) return undefined;
      yaml = parseYamlFile(file, text);
      cache.set(file, yaml);
    }
    return yaml;
  };
  const target = object.target;
  const fallback: Location = { file: target.source, line: 1, column: 1 };
  if (target.tool === "kustomize") {
    const image = imageOverride(object, path, target, files, parsed);
    if (image) return image;
    let best: { location: Location; depth: number } | undefined;
    const consider = (file: string, doc: Document.Parsed) => {
      const yaml = parsed(file);
      if (!yaml) return;
      const { sourcePath, depth } = translate(object.data, doc, path);
      if (depth === 0 || (best && best.depth >= depth)) return;
      best = { location: locate(yaml, doc, sourcePath), depth };
    };
    // Patches apply after the resources, and the root's own patches last: look at them first.
    for (const patch of [...target.patches].reverse()) {
      const yaml = parsed(patch.file);
      for (const doc of yaml?.documents ?? [])
        if (patchMatches(doc, object, patch.target)) consider(patch.file, doc);
    }
    if (object.origin !== undefined) {
      const yaml = parsed(object.origin);
      const docs = yaml?.documents ?? [];
      const same = docs.filter((d) => d.get("kind") === object.kind);
      const named = same.find((d) => {
        const name = d.getIn(["metadata", "name"]);
        return typeof name === "string" && object.name.includes(name);
      });
      const doc = named ?? same[0];
      if (doc) {
        const yamlFile = yaml as YamlFile;
        const { sourcePath, depth } = translate(object.data, doc, path);
        if (!best || depth > best.depth) best = { location: locate(yamlFile, doc, sourcePath), depth };
      }
    }
    if (best) return best.location;
    if (object.generatedIn !== undefined) {
      // A generated ConfigMap or Secret: the generator's entry in its kustomization.
      const { file, field } = object.generatedIn;
      const lines = files.text(file)?.split("\n") ?? [];
      const index = lines.findIndex((l) => l.startsWith(`${field}:`));
      if (index >= 0) return { file, line: index + 1, column: 1 };
    }
    return fallback;
  }
  // Helm: look the field up by name in the values.
  const key = [...path].reverse().find((p): p is string => typeof p === "string");
  if (key === undefined) return fallback;
  const rendered = valueAt(object.data, path);
  const sources: { file: string; root: Node | null; yaml: YamlFile }[] = [];
  for (const source of [...target.values].reverse()) {
    if (source.file !== undefined) {
      const yaml = parsed(source.file);
      for (const doc of yaml?.documents ?? [])
        sources.push({ file: source.file, root: doc.contents, yaml: yaml as YamlFile });
    } else if (source.inline !== undefined) {
      const yaml = parsed(source.inline.in);
      const [index, ...inner] = source.inline.path;
      const doc = yaml?.documents[index as number];
      const node = doc?.getIn(inner, true);
      if (yaml && isNode(node)) sources.push({ file: source.inline.in, root: node, yaml });
    }
  }
  const chartValues = target.chart === "" ? "values.yaml" : `${target.chart}/values.yaml`;
  const defaults = parsed(chartValues);
  for (const doc of defaults?.documents ?? [])
    sources.push({ file: chartValues, root: doc.contents, yaml: defaults as YamlFile });
  // First a key named like the field holding the rendered value (or a part of it, as
  // `image.tag: latest` is part of `image: ghcr.io/acme/web:latest`), then the name alone.
  for (const exact of [true, false]) {
    for (const { root, yaml } of sources) {
      const found = findKey(root, key, exact ? rendered : undefined);
      if (found?.range) {
        const { line, col } = yaml.lineCounter.linePos(found.range[0]);
        return { file: yaml.path, line, column: col };
      }
    }
  }
  if (object.template !== undefined) {
    const text = files.text(object.template);
    const index = text?.split("\n").findIndex((l) => new RegExp(`^\\s*${escapeRegExp(key)}:`).test(l)) ?? -1;
    if (text !== undefined) return { file: object.template, line: index >= 0 ? index + 1 : 1, column: 1 };
  }
  return fallback;
}

/**
 * An image a kustomization's `images:` entry rewrote: its newTag (or digest, newName) line,
 * the root's own kustomization first.
 */
function imageOverride(
  object: RenderedObject,
  path: Path,
  target: Extract<RenderedObject["target"], { tool: "kustomize" }>,
  files: RepoFiles,
  parsed: (file: string) => YamlFile | undefined,
): Location | undefined {
  if (path.at(-1) !== "image") return undefined;
  const rendered = valueAt(object.data, path);
  if (typeof rendered !== "string") return undefined;
  const kustomizations = [target.source, ...[...target.inputs].map((d) => files.kustomizationIn(d))].filter(
    (f): f is string => f !== undefined,
  );
  for (const file of new Set(kustomizations)) {
    const yaml = parsed(file);
    const doc = yaml?.documents[0];
    const images = doc?.get("images", true);
    if (!yaml || !doc || !isSeq(images)) continue;
    for (const [i, entry] of images.items.entries()) {
      if (!isMap(entry)) continue;
      const newName = entry.get("newName") ?? entry.get("name");
      if (typeof newName !== "string" || !rendered.startsWith(newName)) continue;
      if (rendered.length > newName.length && !":@".includes(rendered.charAt(newName.length))) continue;
      const field = ["newTag", "digest", "newName"].find((k) => entry.has(k));
      if (field) return locate(yaml, doc, ["images", i, field]);
    }
  }
  return undefined;
}

/**
 * The rendered path in a source document: list indices follow items by their `name` (a
 * strategic-merge patch lists only the containers it changes), and the depth says how much of
 * the path the source has.
 */
function translate(
  rendered: unknown,
  doc: Document.Parsed,
  path: Path,
): { sourcePath: (string | number)[]; depth: number } {
  const sourcePath: (string | number)[] = [];
  let node: unknown = doc.contents;
  let value: unknown = rendered;
  let depth = 0;
  for (const step of path) {
    if (typeof step === "number" && isSeq(node)) {
      const item = Array.isArray(value) ? value[step] : undefined;
      const name = isRecord(item) ? item.name : undefined;
      let index = step;
      if (name !== undefined) index = node.items.findIndex((i) => isMap(i) && i.get("name") === name);
      if (index < 0 || index >= node.items.length) break;
      node = node.items[index];
      sourcePath.push(index);
    } else if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step),
      );
      if (!pair) break;
      node = pair.value;
      sourcePath.push(step);
    } else break;
    value =
      isRecord(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[step] : undefined;
    depth++;
  }
  // Only `apiVersion`/`kind`/`metadata` in common says nothing about where a field was set.
  if (depth === 1 && (path[0] === "metadata" || path[0] === "spec") && path.length > 2) depth = 0;
  return { sourcePath, depth };
}

function patchMatches(
  doc: Document.Parsed,
  object: RenderedObject,
  target: { kind?: string; name?: string } | undefined,
): boolean {
  if (target?.kind !== undefined && target.kind !== object.kind) return false;
  if (target?.name !== undefined && !object.name.includes(target.name)) return false;
  if (target !== undefined) return isMap(doc.contents);
  const kind = doc.get("kind");
  const name = doc.getIn(["metadata", "name"]);
  return kind === object.kind && typeof name === "string" && object.name.includes(name);
}

/** The key node of the first map entry named `key` (depth first), with that value when given. */
function findKey(node: unknown, key: string, value: unknown, depth = 0): Node | undefined {
  if (depth > 50) return undefined;
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      if (String(pair.key.value) === key) {
        if (value === undefined) return pair.key;
        const part = scalarWithin(pair.value, String(value));
        if (part) return part;
      }
      const inner = findKey(pair.value, key, value, depth + 1);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const inner = findKey(item, key, value, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The key node of a scalar (the node itself, or one inside it) whose value is part of `rendered`. */
function scalarWithin(node: unknown, rendered: string, depth = 0): Node | undefined {
  if (depth > 10) return undefined;
  if (isScalar(node)) {
    const v = node.value;
    return v !== null && v !== undefined && String(v) !== "" && rendered.includes(String(v))
      ? node
      : undefined;
  }
  if (isMap(node)) {
    for (const pair of [...node.items].reverse()) {
      if (!isPair(pair)) continue;
      if (isScalar(pair.value) && scalarWithin(pair.value, rendered, depth + 1) && isScalar(pair.key))
        return pair.key;
      const inner = scalarWithin(pair.value, rendered, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

function valueAt(data: unknown, path: Path): unknown {
  let current = data;
  for (const step of path) {
    if (!isRecord(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return typeof current === "object" ? undefined : current;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
