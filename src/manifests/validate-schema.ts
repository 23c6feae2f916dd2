import type { Severity } from "../findings.js";
import { modelSpecifier } from "./validate-kinds.js";

/** One schema problem, at a key path of the object (the YAML node to annotate). */
export interface SchemaIssue {
  path: (string | number)[];
  message: string;
  /** Defaults to error. */
  severity?: Severity;
}

/** Validates one object of a known kind; returns no issues when it conforms. */
export type ObjectValidator = (object: Record<string, unknown>) => SchemaIssue[];

/** Finds the validator of a kind, once `loadValidators` has loaded it. */
export type ValidatorLookup = (apiVersion: string, kind: string) => ObjectValidator | undefined;

/** The subset of an AJV error that kubernetes-models' ValidationError carries. */
interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

type ModelClass = new (data: object) => { validate(): void };

/** Upper bound of issues reported per object: a wrong indentation should not make 400 annotations. */
export const maxIssuesPerObject = 20;

const helmReleaseV2 = "helm.toolkit.fluxcd.io/v2";
const helmReleaseFallback = "helm.toolkit.fluxcd.io/v2beta2";

// One import per model per process: the module cache would do it too, but not for the failures.
const loaded = new Map<string, Promise<ObjectValidator | undefined>>();

/** Whether Ferry has a schema for (apiVersion, kind). */
export function isKnownKind(apiVersion: string, kind: string): boolean {
  return specifierFor(apiVersion, kind) !== undefined;
}

/**
 * Imports the models of the given kinds (only those, and each once per process) and returns a
 * synchronous lookup. Unknown kinds look up as undefined.
 */
export async function loadValidators(
  kinds: Iterable<{ apiVersion: string; kind: string }>,
): Promise<ValidatorLookup> {
  const ready = new Map<string, ObjectValidator>();
  const unique = new Map<string, { apiVersion: string; kind: string }>();
  for (const { apiVersion, kind } of kinds) unique.set(`${apiVersion} ${kind}`, { apiVersion, kind });
  await Promise.all(
    [...unique].map(async ([key, { apiVersion, kind }]) => {
      const specifier = specifierFor(apiVersion, kind);
      if (specifier === undefined) return;
      let pending = loaded.get(specifier);
      if (pending === undefined) {
        pending = importModel(specifier, kind);
        loaded.set(specifier, pending);
      }
      const validator = await pending;
      if (validator === undefined) return;
      ready.set(
        key,
        apiVersion === helmReleaseV2 && kind === "HelmRelease"
          ? helmReleaseV2Validator(validator)
          : validator,
      );
    }),
  );
  return (apiVersion, kind) => ready.get(`${apiVersion} ${kind}`);
}

function specifierFor(apiVersion: string, kind: string): string | undefined {
  // helm.toolkit.fluxcd.io/v2 has no model in the Node-20-compatible flux-cd release: see helmReleaseV2Validator.
  if (apiVersion === helmReleaseV2 && kind === "HelmRelease")
    return modelSpecifier(helmReleaseFallback, kind);
  return modelSpecifier(apiVersion, kind);
}

async function importModel(specifier: string, kind: string): Promise<ObjectValidator | undefined> {
  const module = (await import(specifier)) as Record<string, unknown>;
  const Model = module[kind] as ModelClass | undefined;
  if (typeof Model !== "function") return undefined;
  return (object) => {
    try {
      new Model(object).validate();
      return [];
    } catch (error) {
      const errors = (error as { errors?: unknown }).errors;
      if (!Array.isArray(errors)) return [{ path: [], message: (error as Error).message }];
      return issuesFromAjv(errors as AjvError[]);
    }
  };
}

/**
 * AJV reports a nullable field (`oneOf: [T, null]`) that fails T three times: the real error,
 * "must be null" and "must match exactly one schema in oneOf". Keep the most specific errors:
 * drop a oneOf/anyOf or null-type error when another error sits at the same path or below.
 */
export function issuesFromAjv(errors: readonly AjvError[]): SchemaIssue[] {
  const specific = errors.filter(
    (error) =>
      !(
        (error.keyword === "oneOf" || error.keyword === "anyOf" || isNullTypeError(error)) &&
        errors.some(
          (other) =>
            other !== error &&
            other.keyword !== "oneOf" &&
            other.keyword !== "anyOf" &&
            !isNullTypeError(other) &&
            (other.instancePath === error.instancePath ||
              other.instancePath.startsWith(`${error.instancePath}/`)),
        )
      ),
  );
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const error of specific) {
    const issue = issueOf(error);
    const key = `${issue.path.join("/")}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues.slice(0, maxIssuesPerObject);
}

function isNullTypeError(error: AjvError): boolean {
  return error.keyword === "type" && error.params.type === "null";
}

function issueOf(error: AjvError): SchemaIssue {
  const path = parsePointer(error.instancePath);
  const where = formatPath(path);
  const prefix = where === "" ? "" : `${where}: `;
  switch (error.keyword) {
    case "required": {
      const missing = String(error.params.missingProperty);
      return { path, message: `${prefix}required field "${missing}" is missing` };
    }
    case "additionalProperties": {
      const extra = String(error.params.additionalProperty);
      return { path: [...path, extra], message: `${prefix}unknown field "${extra}"` };
    }
    case "enum": {
      const allowed = Array.isArray(error.params.allowedValues) ? error.params.allowedValues : [];
      return { path, message: `${prefix}must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}` };
    }
    case "type":
      return { path, message: `${prefix}must be ${String(error.params.type)}` };
    default:
      return { path, message: `${prefix}${error.message ?? error.keyword}` };
  }
}

/** `/spec/containers/0/name` → `["spec", "containers", 0, "name"]` (RFC 6901 unescaping). */
export function parsePointer(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((part) => {
      const text = part.replace(/~1/g, "/").replace(/~0/g, "~");
      return /^(0|[1-9]\d*)$/.test(text) ? Number(text) : text;
    });
}

/** `["spec", "containers", 0, "name"]` → `spec.containers[0].name`. */
export function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
}

/**
 * Flux HelmRelease `helm.toolkit.fluxcd.io/v2` (Flux 2.3+) is missing from
 * @kubernetes-models/flux-cd 2.3.4, the last release that runs on Node 20, and no installed
 * package ships its CRD. Fallback: validate against the v2beta2 schema (v2 is v2beta2 with
 * deprecated fields removed and `chartRef` added), then apply the v2 differences by hand:
 * - `spec.chart` is optional; exactly one of `chart` and `chartRef` must be set;
 * - `spec.chartRef` is `{ kind: OCIRepository | HelmChart, name, namespace?, apiVersion? }`;
 * - `spec.chart.spec.valuesFile` and `spec.postRenderers[].kustomize.patchesStrategicMerge` /
 *   `patchesJson6902` were removed in v2.
 * Replace with the flux-cd model once a Node-20-compatible release has v2 (docs/policy.md).
 */
function helmReleaseV2Validator(v2beta2: ObjectValidator): ObjectValidator {
  return (object) => {
    const spec = isRecord(object.spec) ? object.spec : undefined;
    const hasChartRef = spec !== undefined && spec.chartRef !== undefined;
    const issues = v2beta2({ ...object, apiVersion: helmReleaseFallback }).filter(
      (issue) => !(issue.path.length === 1 && issue.path[0] === "spec" && issue.message.includes('"chart"')),
    );
    if (spec === undefined) return issues;
    if (spec.chart === undefined && !hasChartRef) {
      issues.push({ path: ["spec"], message: "spec: set chart or chartRef" });
    }
    if (spec.chart !== undefined && hasChartRef) {
      issues.push({ path: ["spec", "chartRef"], message: "spec: set either chart or chartRef, not both" });
    }
    if (hasChartRef) issues.push(...chartRefIssues(spec.chartRef));
    if (isRecord(spec.chart) && isRecord(spec.chart.spec) && spec.chart.spec.valuesFile !== undefined) {
      issues.push({
        path: ["spec", "chart", "spec", "valuesFile"],
        message: "spec.chart.spec.valuesFile was removed in helm.toolkit.fluxcd.io/v2; use valuesFiles",
      });
    }
    if (Array.isArray(spec.postRenderers)) {
      spec.postRenderers.forEach((renderer, i) => {
        const kustomize = isRecord(renderer) && isRecord(renderer.kustomize) ? renderer.kustomize : undefined;
        for (const removed of ["patchesStrategicMerge", "patchesJson6902"]) {
          if (kustomize?.[removed] === undefined) continue;
          issues.push({
            path: ["spec", "postRenderers", i, "kustomize", removed],
            message: `spec.postRenderers[${i}].kustomize.${removed} was removed in helm.toolkit.fluxcd.io/v2; use patches`,
          });
        }
      });
    }
    return issues.slice(0, maxIssuesPerObject);
  };
}

function chartRefIssues(chartRef: unknown): SchemaIssue[] {
  const path = ["spec", "chartRef"];
  if (!isRecord(chartRef)) return [{ path, message: "spec.chartRef: must be object" }];
  const issues: SchemaIssue[] = [];
  if (chartRef.kind !== "OCIRepository" && chartRef.kind !== "HelmChart") {
    issues.push({
      path: [...path, "kind"],
      message: 'spec.chartRef.kind: must be one of "OCIRepository", "HelmChart"',
    });
  }
  if (typeof chartRef.name !== "string" || chartRef.name === "") {
    issues.push({ path: [...path, "name"], message: "spec.chartRef.name: must be a non-empty string" });
  }
  for (const key of ["namespace", "apiVersion"] as const) {
    if (chartRef[key] !== undefined && typeof chartRef[key] !== "string") {
      issues.push({ path: [...path, key], message: `spec.chartRef.${key}: must be string` });
    }
  }
  return issues;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
