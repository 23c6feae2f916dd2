import { posix } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import type { SchemaIssue } from "./validate-schema.js";

/**
 * kustomization.yaml (kustomize.config.k8s.io/v1beta1 Kustomization, v1alpha1 Component).
 * No kubernetes-models package has it (Flux's kustomize.toolkit.fluxcd.io Kustomization is a
 * different object), so this is a hand-written schema of the fields kustomize v5 reads, typed
 * where a wrong type breaks `kustomize build` (a number in `newTag` or a label value) and
 * tolerant of the inner shape of rarely used fields.
 */
// kustomize reads `key:` with nothing after it (say, every entry commented out) as an empty list.
const stringList = z.array(z.string()).nullable();
const stringMap = z.record(z.string(), z.string()).nullable();
const loose = z.looseObject({}).nullable();

const target = z.looseObject({
  group: z.string().optional(),
  version: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  labelSelector: z.string().optional(),
  annotationSelector: z.string().optional(),
});

const generator = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  behavior: z.enum(["create", "replace", "merge"]).optional(),
  files: stringList.optional(),
  literals: stringList.optional(),
  envs: stringList.optional(),
  env: z.string().optional(),
  type: z.string().optional(),
  options: loose.optional(),
});

/** Fields of kustomize's types.Kustomization; an unknown top-level key is reported. */
export const kustomizationSchema = z
  .object({
    apiVersion: z.enum(["kustomize.config.k8s.io/v1beta1", "kustomize.config.k8s.io/v1alpha1"]).optional(),
    kind: z.enum(["Kustomization", "Component"]).optional(),
    metadata: loose.optional(),
    openapi: loose.optional(),
    namespace: z.string().optional(),
    namePrefix: z.string().optional(),
    nameSuffix: z.string().optional(),
    commonLabels: stringMap.optional(),
    commonAnnotations: stringMap.optional(),
    labels: z
      .array(
        z.looseObject({
          pairs: stringMap.optional(),
          includeSelectors: z.boolean().optional(),
          includeTemplates: z.boolean().optional(),
          fields: z.array(loose).optional(),
        }),
      )
      .nullish(),
    resources: stringList.optional(),
    bases: stringList.optional(),
    components: stringList.optional(),
    crds: stringList.optional(),
    configurations: stringList.optional(),
    generators: stringList.optional(),
    transformers: stringList.optional(),
    validators: stringList.optional(),
    patches: z
      .array(
        z
          .object({
            path: z.string().optional(),
            patch: z.string().optional(),
            target: target.optional(),
            options: z.record(z.string(), z.boolean()).optional(),
          })
          .strict(),
      )
      .nullish(),
    patchesStrategicMerge: stringList.optional(),
    patchesJson6902: z
      .array(z.looseObject({ path: z.string().optional(), target: target.optional() }))
      .nullish(),
    images: z
      .array(
        z
          .object({
            name: z.string().min(1),
            newName: z.string().optional(),
            newTag: z.string().optional(),
            digest: z.string().optional(),
            tagSuffix: z.string().optional(),
          })
          .strict(),
      )
      .nullish(),
    replicas: z
      .array(z.object({ name: z.string(), count: z.number().int().nonnegative() }).strict())
      .nullish(),
    replacements: z.array(loose).nullish(),
    vars: z.array(loose).nullish(),
    configMapGenerator: z.array(generator).nullish(),
    secretGenerator: z.array(generator).nullish(),
    generatorOptions: loose.optional(),
    helmCharts: z.array(loose).nullish(),
    helmGlobals: loose.optional(),
    helmChartInflationGenerator: z.array(loose).nullish(),
    sortOptions: loose.optional(),
    buildMetadata: stringList.optional(),
  })
  .strict();

/**
 * Repo paths of the patch files that kustomizations list (`patches[].path`,
 * `patchesStrategicMerge`, `patchesJson6902[].path`), resolved against each kustomization's
 * directory. Unparsable kustomizations list none; their own validation reports them.
 */
export function kustomizePatchPaths(kustomizations: readonly { path: string; text: string }[]): Set<string> {
  const paths = new Set<string>();
  for (const { path, text } of kustomizations) {
    let data: unknown;
    try {
      data = parse(text, { maxAliasCount: 100 });
    } catch {
      continue;
    }
    if (typeof data !== "object" || data === null) continue;
    const { patches, patchesStrategicMerge, patchesJson6902 } = data as Record<string, unknown>;
    const listed = [
      // A bare string under `patches` is an old form kustomize 5 rejects (reported on the
      // kustomization); the file it names is still a patch, not a whole object.
      ...listOf(patches).map((p) => (isObject(p) ? p.path : p)),
      ...listOf(patchesJson6902).map((p) => (isObject(p) ? p.path : undefined)),
      // An entry with a line break is an inline patch, not a file.
      ...listOf(patchesStrategicMerge),
    ];
    const dir = posix.dirname(path);
    for (const entry of listed) {
      if (typeof entry !== "string" || entry.includes("\n") || entry.trim() === "") continue;
      const resolved = posix.normalize(posix.join(dir, entry.trim()));
      if (!resolved.startsWith("../")) paths.add(resolved);
    }
  }
  return paths;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export { isKustomizationPath } from "./kustomization-path.js";

/** Schema problems of a kustomization document, each at the key path to annotate. */
export function validateKustomization(data: unknown): SchemaIssue[] {
  // kustomize rejects unknown fields too, but a field newer than this schema should not block a PR.
  const parsed = kustomizationSchema.safeParse(data ?? {});
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue): SchemaIssue[] => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const where = formatKey(path);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map(
        (key): SchemaIssue => ({
          path: [...path, key],
          severity: "warning",
          message: `${where === "" ? "" : `${where}: `}unknown kustomization field "${key}"`,
        }),
      );
    }
    const message =
      issue.code === "invalid_type" && valueAt(data, path) === undefined
        ? `required ${issue.expected} is missing`
        : issue.message;
    return [{ path, message: where === "" ? message : `${where}: ${message}` }];
  });
}

function formatKey(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let current = data;
  for (const step of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
