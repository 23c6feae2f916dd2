import type { Severity } from "../findings.js";
import { modelSpecifier } from "./validate-kinds.js";

/** One schema problem, at a key path of the object (the YAML node to annotate). */
export interface SchemaIssue {
  path: (string | number)[];
  message: string;
  /** Defaults to error. */
  severity?: Severity;
  /** Defaults to the caller's rule (e.g. `schema`). */
  rule?: string;
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

type ModelClass = (abstract new (...args: never[]) => unknown) & { prototype: { validate(): void } };

/** Upper bound of issues reported per object: a wrong indentation should not make 400 annotations. */
export const maxIssuesPerObject = 20;

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
      const extra = celRules[key];
      ready.set(key, extra === undefined ? validator : (object) => [...validator(object), ...extra(object)]);
    }),
  );
  return (apiVersion, kind) => ready.get(`${apiVersion} ${kind}`);
}

/**
 * CRD validation rules (`x-kubernetes-validations`, CEL) that the generated models do not carry;
 * only those a config repo trips over.
 */
const celRules: Record<string, ObjectValidator> = {
  "helm.toolkit.fluxcd.io/v2 HelmRelease": (object) => {
    const spec = object.spec;
    if (typeof spec !== "object" || spec === null) return [];
    const { chart, chartRef } = spec as Record<string, unknown>;
    if ((chart === undefined) === (chartRef === undefined)) {
      return [{ path: ["spec"], message: "spec: set exactly one of chart and chartRef" }];
    }
    return [];
  },
};

function specifierFor(apiVersion: string, kind: string): string | undefined {
  return modelSpecifier(apiVersion, kind);
}

async function importModel(specifier: string, kind: string): Promise<ObjectValidator | undefined> {
  const module = (await import(specifier)) as Record<string, unknown>;
  const Model = module[kind] as ModelClass | undefined;
  if (typeof Model !== "function") return undefined;
  return (object) => {
    // The model's own validate function, run on a proxy that records which fields it reads:
    // `new Model(object)` would copy every field first and hide which ones the schema knows.
    const tracked = trackReads(object);
    let issues: SchemaIssue[] = [];
    try {
      Model.prototype.validate.call(tracked.proxy);
    } catch (error) {
      const errors = (error as { errors?: unknown }).errors;
      if (!Array.isArray(errors)) return [{ path: [], message: (error as Error).message }];
      issues = issuesFromAjv(errors as AjvError[]);
    }
    return [...issues, ...tracked.unknownFields()].slice(0, maxIssuesPerObject);
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
 * Strict decoding without a second schema: the generated validators read every property their
 * schema declares (`data.replicas`), and enumerate the keys of maps and free-form objects.
 * So an own key of an object that the validator read from, never enumerated, and never read
 * is a field the schema does not have — what the API server's strict field validation rejects.
 * An object the validator never read from at all is free-form (Helm values, raw extensions).
 */
function trackReads(root: Record<string, unknown>): {
  proxy: Record<string, unknown>;
  unknownFields(): SchemaIssue[];
} {
  interface Visit {
    value: Record<string, unknown>;
    path: (string | number)[];
    read: Set<string>;
    enumerated: boolean;
  }
  const visits: Visit[] = [];
  const wrap = (value: object, path: (string | number)[]): object => {
    const visit: Visit = {
      value: value as Record<string, unknown>,
      path,
      read: new Set(),
      enumerated: false,
    };
    if (!Array.isArray(value)) visits.push(visit);
    const children = new Map<string, object>();
    return new Proxy(value, {
      get(target, key, receiver) {
        const child = Reflect.get(target, key, receiver) as unknown;
        if (typeof key !== "string") return child;
        visit.read.add(key);
        if (typeof child !== "object" || child === null) return child;
        let wrapped = children.get(key);
        if (wrapped === undefined) {
          const step = Array.isArray(target) && /^\d+$/.test(key) ? Number(key) : key;
          wrapped = wrap(child, [...path, step]);
          children.set(key, wrapped);
        }
        return wrapped;
      },
      has(target, key) {
        if (typeof key === "string") visit.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        visit.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
  };
  const proxy = wrap(root, []) as Record<string, unknown>;
  return {
    proxy,
    unknownFields: () =>
      visits.flatMap(({ value, path, read, enumerated }) => {
        if (enumerated || read.size === 0) return [];
        const where = formatPath(path);
        return (
          Object.keys(value)
            // OpenAPI extensions inside CRD schemas are not model properties, yet valid.
            .filter((key) => !read.has(key) && !key.startsWith("x-kubernetes-"))
            .map(
              (key): SchemaIssue => ({
                path: [...path, key],
                severity: "warning",
                rule: "unknown-field",
                message: `${where === "" ? "" : `${where}: `}unknown field "${key}"`,
              }),
            )
        );
      }),
  };
}
