import { isMap, isScalar, type Scalar, type YAMLMap } from "yaml";
import { parseImageReference } from "../images/reference.js";
import { scanValues } from "./helm-values.js";
import { scalarString, valueOffsets } from "./scalar-source.js";
import type { Source } from "./sites.js";
import {
  child,
  childMap,
  childScalar,
  childSeq,
  childString,
  finding,
  joinPath,
  partsSite,
  type ScanContext,
  stringSite,
} from "./walk.js";
import { parseYamlFile, positionOf } from "./yaml-file.js";

/** Argo CD Application (and ApplicationSet template): every `source` and `sources[]` entry. */
export function scanArgoApplication(ctx: ScanContext, root: YAMLMap, kind: string, source: Source): void {
  const base = kind === "ApplicationSet" ? "spec.template.spec" : "spec";
  const spec =
    kind === "ApplicationSet"
      ? childMap(childMap(childMap(root, "spec"), "template"), "spec")
      : childMap(root, "spec");
  const single = childMap(spec, "source");
  if (single) scanSource(ctx, single, joinPath(base, "source"), source);
  childSeq(spec, "sources")?.items.forEach((entry, i) => {
    if (isMap(entry)) scanSource(ctx, entry, joinPath(joinPath(base, "sources"), i), source);
  });
}

function scanSource(ctx: ScanContext, entry: YAMLMap, path: string, source: Source): void {
  const helm = childMap(entry, "helm");
  if (helm) {
    const helmPath = joinPath(path, "helm");
    const valuesObject = childMap(helm, "valuesObject");
    if (valuesObject)
      scanValues(ctx, valuesObject, "argocd-helm-values", joinPath(helmPath, "valuesObject"), source);
    const values = child(helm, "values");
    if (isMap(values)) scanValues(ctx, values, "argocd-helm-values", joinPath(helmPath, "values"), source);
    if (isScalar(values)) embeddedValues(ctx, values, joinPath(helmPath, "values"), source);
    scanParameters(ctx, helm, joinPath(helmPath, "parameters"), source);
  }
  const images = childSeq(childMap(entry, "kustomize"), "images");
  images?.items.forEach((item, i) => {
    if (!isScalar(item) || typeof item.value !== "string") return;
    // `[name=]image[:tag][@digest]`, as `kustomize edit set image` takes it.
    const equals = item.value.indexOf("=");
    stringSite(
      ctx,
      "argocd-kustomize-images",
      joinPath(joinPath(path, "kustomize.images"), i),
      item,
      source,
      {
        prefix: equals < 0 ? "" : item.value.slice(0, equals + 1),
        reportInvalid: true,
      },
    );
  });
}

/** `helm.values` is a YAML document in a string: parse it and map its offsets back into the file. */
function embeddedValues(ctx: ScanContext, scalar: Scalar, path: string, source: Source): void {
  const text = scalarString(scalar, source.yaml.text);
  if (text === undefined || !text.includes(ctx.image.slice(ctx.image.lastIndexOf("/") + 1))) return;
  const offsets = valueOffsets(scalar, source.yaml.text);
  if (offsets === undefined) {
    finding(
      ctx,
      source,
      scalar,
      "warning",
      "image-reference",
      `${path} is written in a style Ferry cannot edit in place; write it as a literal block (values: |)`,
    );
    return;
  }
  const inner = parseYamlFile(ctx.file.path, text);
  const embedded: Source = {
    yaml: inner,
    toFile: (offset) => {
      const mapped = offsets(offset);
      return mapped === undefined ? undefined : source.toFile(mapped);
    },
    embedded: true,
  };
  for (const problem of inner.findings) {
    const offset = (inner.lineCounter.lineStarts[problem.line - 1] ?? 0) + problem.column - 1;
    const { line, column } = positionOf(ctx.file, embedded.toFile(offset) ?? scalar.range?.[0] ?? 0);
    ctx.findings.push({ ...problem, line, column, message: `in ${path}: ${problem.message}` });
  }
  if (inner.findings.some((f) => f.severity === "error")) return;
  for (const doc of inner.documents) {
    scanValues(ctx, doc.contents, "argocd-helm-values", path, embedded);
  }
}

/**
 * `helm.parameters`: `{name: image.repository, value: ghcr.io/acme/api}` beside
 * `{name: image.tag, value: 1.4.1}` (and `image.registry`, `image.digest`), or one
 * parameter whose value is a whole reference.
 */
function scanParameters(ctx: ScanContext, helm: YAMLMap, path: string, source: Source): void {
  const params = childSeq(helm, "parameters");
  if (!params) return;
  const byName = new Map<string, { value: Scalar; index: number }>();
  params.items.forEach((item, index) => {
    const name = childString(item, "name", source);
    const value = childScalar(item, "value");
    if (name !== undefined && value !== undefined) byName.set(name, { value, index });
  });
  for (const [name, { value, index }] of byName) {
    const match = /^(.*?)(repository|repo)$/.exec(name);
    if (match) {
      const prefix = match[1] ?? "";
      const repository = scalarString(value, source.yaml.text);
      const registry = byName.get(`${prefix}registry`);
      const registryText = registry ? scalarString(registry.value, source.yaml.text) : undefined;
      const parsed = parseImageReference(registryText ? `${registryText}/${repository}` : (repository ?? ""));
      if (parsed.ok && parsed.value.name === ctx.image && !parsed.value.tag && !parsed.value.digest) {
        const tag = byName.get(`${prefix}tag`);
        const digest = byName.get(`${prefix}digest`);
        partsSite(
          ctx,
          "argocd-helm-parameters",
          joinPath(path, (tag ?? { index }).index),
          tag?.value ?? value,
          source,
          {
            tag: tag?.value,
            digest: digest?.value,
          },
        );
        continue;
      }
    }
    stringSite(ctx, "argocd-helm-parameters", joinPath(joinPath(path, index), "value"), value, source, {
      requirePin: true,
    });
  }
}
