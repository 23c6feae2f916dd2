import picomatch from "picomatch";
import type { Document } from "yaml";
import type { EnvironmentConfig, FerryConfig } from "../config/schema.js";
import type { Finding, Severity } from "../findings.js";
import { removedApiMessage } from "../manifests/removed-apis.js";
import { yamlTextProblem } from "../manifests/safe-text.js";
import type { SourceFile } from "../manifests/sites.js";
import {
  isKustomizationPath,
  kustomizePatchPaths,
  validateKustomization,
} from "../manifests/validate-kustomization.js";
import {
  isKnownKind,
  loadValidators,
  type SchemaIssue,
  type ValidatorLookup,
} from "../manifests/validate-schema.js";
import {
  defaultYamlLimits,
  documentData,
  isYamlPath,
  parseYamlFile,
  parseYamlFileAsync,
  unreadableFinding,
  type YamlFile,
} from "../manifests/yaml-file.js";
import { collectKustomizeOverrides, imagesOf, type KustomizeOverrides } from "./images.js";
import { locate } from "./locate.js";
import { type KubeObject, type PolicyRule, reporter } from "./rule.js";
import { policyRules } from "./rules/index.js";
import { type ResolvedRule, resolveRule } from "./settings.js";
import { isRecord, isWorkload } from "./workloads.js";

/** A file of the config repo: its path relative to the repo root and its text (or why it has none). */
export type ManifestFile = SourceFile;

export interface ValidateOptions {
  files: readonly ManifestFile[];
  config: FerryConfig;
  /** Treat every file as part of this environment; otherwise each file's environment is the first whose `paths` match it. */
  environment?: string;
  /** YAML files larger than this are an error (default: the YAML parser's 8 MiB limit). */
  maxFileBytes?: number;
  /**
   * Unchanged files that give context but get no findings: their kustomization.yaml `images:`
   * overrides count (a PR that touches only a base still sees its overlays' newTag).
   */
  contextFiles?: readonly ManifestFile[];
  /**
   * What the rest of the change set, validated elsewhere (another worker's share), contributes:
   * its paths (a Chart.yaml makes its `templates/` Helm templates), the files its kustomizations
   * list as patches, and its kustomization.yaml documents (their `images:` overrides), as
   * `kustomizationDocuments` and `kustomizePatchPaths` read them.
   */
  siblings?: Siblings;
}

export interface Siblings {
  paths: readonly string[];
  patches: readonly string[];
  kustomizations: readonly unknown[];
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ValidationReport {
  /** Sorted by file, line and column. */
  findings: Finding[];
  /** YAML files parsed (skipped and non-YAML files are not counted). */
  filesChecked: number;
  /** Files that looked like manifests but were not validated, with the reason. */
  skipped: SkippedFile[];
}

/** Thrown for a caller error such as `--env` naming no environment of ferry.yml. */
export class UnknownEnvironmentError extends Error {}

interface PendingObject {
  file: YamlFile;
  doc: Document.Parsed;
  object: KubeObject;
  environment: EnvironmentConfig | undefined;
  /** A kustomization: its shape is already checked; only the image rules apply to it. */
  kustomization: boolean;
  /**
   * A kustomize patch (listed under a kustomization's patches): a fragment, not a whole object,
   * so no schema and no rule that judges what is missing; the rendered objects get those.
   */
  patch: boolean;
}

/**
 * Validates manifests: YAML syntax, Kubernetes schemas (kubernetes-models and the Argo CD, Flux,
 * sealed-secrets and external-secrets CRD models), kustomization.yaml shape and the policy rules,
 * each finding anchored to its file, line and column. Pure apart from loading model modules.
 */
export async function validateFiles(options: ValidateOptions): Promise<ValidationReport> {
  const { config } = options;
  const maxBytes = options.maxFileBytes ?? defaultYamlLimits.maxBytes;
  const environmentOf = environmentResolver(config, options.environment);
  const paths = new Set([...options.files, ...(options.contextFiles ?? [])].map((f) => f.path));
  const patches = kustomizePatchPaths(
    [...options.files, ...(options.contextFiles ?? [])].filter((f) => isKustomizationPath(f.path)),
  );
  for (const path of options.siblings?.paths ?? []) paths.add(path);
  for (const path of options.siblings?.patches ?? []) patches.add(path);
  const findings: Finding[] = [];
  const skipped: SkippedFile[] = [];
  const objects: PendingObject[] = [];
  const kustomizations: unknown[] = [];
  let filesChecked = 0;

  for (const [index, { path, text, unreadable }] of options.files.entries()) {
    if (!isYamlPath(path)) continue;
    // Between files, and while a large one is parsed, the event loop serves other requests.
    if (index > 0) await new Promise((resolve) => setImmediate(resolve));
    const reason = helmTemplateReason(path, text, paths);
    if (reason !== undefined) {
      skipped.push({ path, reason });
      continue;
    }
    // A YAML file Ferry cannot read is an error, never a silent pass.
    const problem = unreadable ?? yamlTextProblem(text, maxBytes);
    if (problem !== undefined) {
      findings.push(unreadableFinding(path, problem));
      continue;
    }
    filesChecked++;
    const file = await parseYamlFileAsync(path, text);
    findings.push(...file.findings);
    const environment = environmentOf(path);
    const kustomization = isKustomizationPath(path);
    for (const doc of file.documents) {
      if (doc.errors.length > 0) continue;
      let data: unknown;
      try {
        data = documentData(file, doc);
      } catch (error) {
        findings.push({
          ...locate(file, doc, []),
          severity: "error",
          rule: "yaml",
          message: (error as Error).message,
        });
        continue;
      }
      if (kustomization && isKustomizeConfig(data)) {
        findings.push(...located(file, doc, validateKustomization(data), "kustomization", "error"));
        if (!isRecord(data)) continue;
        kustomizations.push(data);
        const object = { ...data, apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization" };
        objects.push({ file, doc, object, environment, kustomization: true, patch: false });
        continue;
      }
      const object = kubeObject(file, doc, data, findings);
      if (object !== undefined)
        objects.push({ file, doc, object, environment, kustomization: false, patch: patches.has(path) });
    }
  }

  const validators = await loadValidators(
    objects.filter((o) => !o.kustomization && !o.patch).map(({ object }) => object),
  );
  const overrides = collectKustomizeOverrides([
    ...kustomizations,
    ...(options.siblings?.kustomizations ?? []),
    ...contextKustomizations(options.contextFiles),
  ]);
  const rulesFor = ruleResolver(config);
  for (const pending of objects) findings.push(...checkObject(pending, rulesFor, validators, overrides));
  findings.sort(byPosition);
  return { findings, filesChecked, skipped };
}

type RulesFor = (
  environment: EnvironmentConfig | undefined,
) => { rule: PolicyRule; resolved: ResolvedRule }[];

/** Resolves every rule's settings once per environment, not once per object. */
function ruleResolver(config: FerryConfig): RulesFor {
  const cache = new Map<EnvironmentConfig | undefined, { rule: PolicyRule; resolved: ResolvedRule }[]>();
  return (environment) => {
    let rules = cache.get(environment);
    if (rules === undefined) {
      rules = policyRules.map((rule) => ({ rule, resolved: resolveRule(rule, config, environment) }));
      cache.set(environment, rules);
    }
    return rules;
  };
}

/**
 * The kustomization.yaml documents that `files` contribute to validateFiles' image rules, file by
 * file, read exactly as validateFiles reads them (`paths`: every path of the change set).
 */
export function kustomizationDocuments(
  files: readonly ManifestFile[],
  paths: ReadonlySet<string>,
  maxBytes = defaultYamlLimits.maxBytes,
): { path: string; documents: unknown[] }[] {
  const found: { path: string; documents: unknown[] }[] = [];
  for (const { path, text, unreadable } of files) {
    if (!isKustomizationPath(path) || helmTemplateReason(path, text, paths) !== undefined) continue;
    if ((unreadable ?? yamlTextProblem(text, maxBytes)) !== undefined) continue;
    const data: unknown[] = [];
    found.push({ path, documents: data });
    const file = parseYamlFile(path, text);
    for (const doc of file.documents) {
      if (doc.errors.length > 0) continue;
      let value: unknown;
      try {
        value = documentData(file, doc);
      } catch {
        continue; // its own validation reports it
      }
      if (isKustomizeConfig(value) && isRecord(value)) data.push(value);
    }
  }
  return found;
}

/**
 * One report from the reports of consecutive shares of the files (each validated with the
 * others as `siblings`): the same findings, in the same order, as one call would give.
 */
export function mergeReports(reports: readonly ValidationReport[]): ValidationReport {
  // Findings of one file come from one share and keep their order: the sort is stable.
  const findings = reports.flatMap((r) => r.findings).sort(byPosition);
  return {
    findings,
    filesChecked: reports.reduce((n, r) => n + r.filesChecked, 0),
    skipped: reports.flatMap((r) => r.skipped),
  };
}

/** Throws UnknownEnvironmentError unless ferry.yml defines `name` (or no name is given). */
export function checkEnvironment(config: FerryConfig, name: string | undefined): void {
  environmentResolver(config, name);
}

/** The documents of the context files that are kustomizations; unparsable ones are ignored. */
export function contextKustomizations(files: readonly ManifestFile[] | undefined): unknown[] {
  const data: unknown[] = [];
  for (const { path, text, unreadable } of files ?? []) {
    if (!isKustomizationPath(path) || unreadable !== undefined) continue;
    const file = parseYamlFile(path, text);
    for (const doc of file.documents) {
      if (doc.errors.length > 0) continue;
      try {
        data.push(documentData(file, doc));
      } catch {
        // Context only: its own validation reports it when it changes.
      }
    }
  }
  return data;
}

function checkObject(
  { file, doc, object, environment, kustomization, patch }: PendingObject,
  rulesFor: RulesFor,
  validators: ValidatorLookup,
  kustomizeOverrides: KustomizeOverrides,
): Finding[] {
  const findings: Finding[] = [];
  const validate = validators(object.apiVersion, object.kind);
  const removed = removedApiMessage(object.apiVersion, object.kind);
  if (kustomization || patch) {
    // A kustomization's shape is checked by validateKustomization; a patch is no whole object.
  } else if (removed !== undefined) {
    findings.push({
      ...locate(file, doc, ["apiVersion"]),
      severity: "error",
      rule: "removed-api",
      message: removed,
    });
  } else if (validate !== undefined) {
    findings.push(...located(file, doc, validate(object), "schema", "error"));
  } else if (!isKnownKind(object.apiVersion, object.kind)) {
    const strict = environment?.strict === true;
    findings.push({
      ...locate(file, doc, ["kind"]),
      severity: strict ? "error" : "notice",
      rule: "unknown-kind",
      message: strict
        ? `unknown kind ${object.kind} (${object.apiVersion}): environment ${environment?.name} is strict and Ferry has no schema for it`
        : `not validated: unknown kind ${object.kind} (${object.apiVersion})`,
    });
  }
  if (isWorkload(object) || kustomization) {
    for (const image of imagesOf(object)) {
      if (image.error === undefined) continue;
      findings.push({
        ...locate(file, doc, image.path),
        severity: "error",
        rule: "image-reference",
        message: image.error,
      });
    }
  }
  for (const { rule, resolved } of rulesFor(environment)) {
    if (resolved.severity === "off" || (patch && rule.wholeObject)) continue;
    const ctx = {
      file,
      doc,
      environment: environment?.name,
      severity: resolved.severity,
      registries: resolved.registries,
      labels: resolved.labels,
      digestRequired: environment?.digest === "required",
      kustomizeOverrides,
      report: reporter(file, doc, rule.id, resolved.severity),
    };
    try {
      findings.push(...rule.check(object, ctx));
    } catch (error) {
      // A bug in one rule must not hide the other findings, nor pass silently.
      findings.push({
        ...locate(file, doc, []),
        severity: "warning",
        rule: rule.id,
        message: `Ferry bug: rule ${rule.id} failed on this ${object.kind}: ${(error as Error).message}`,
      });
    }
  }
  return findings;
}

/** The document as a Kubernetes object, or undefined when it is not one (a values file, a list). */
function kubeObject(
  file: YamlFile,
  doc: Document.Parsed,
  data: unknown,
  findings: Finding[],
): KubeObject | undefined {
  if (!isRecord(data)) return undefined;
  const hasApiVersion = data.apiVersion !== undefined;
  const hasKind = data.kind !== undefined;
  // With only one of the two, it is an object only if it has metadata: Chart.yaml has apiVersion alone.
  if (!hasApiVersion && !hasKind) return undefined;
  if ((!hasApiVersion || !hasKind) && data.metadata === undefined) return undefined;
  const problems: SchemaIssue[] = [];
  for (const key of ["apiVersion", "kind"] as const) {
    const value = data[key];
    if (value === undefined) problems.push({ path: [], message: `${key} is missing` });
    else if (typeof value !== "string" || value === "")
      problems.push({ path: [key], message: `${key} must be a non-empty string` });
  }
  if (problems.length > 0) {
    findings.push(...located(file, doc, problems, "schema", "error"));
    return undefined;
  }
  return data as KubeObject;
}

function located(
  file: YamlFile,
  doc: Document.Parsed,
  issues: readonly SchemaIssue[],
  rule: string,
  severity: Severity,
): Finding[] {
  return issues.map((issue) => ({
    ...locate(file, doc, issue.path),
    severity: issue.severity ?? severity,
    rule: issue.rule ?? rule,
    message: issue.message,
  }));
}

function environmentResolver(
  config: FerryConfig,
  name: string | undefined,
): (path: string) => EnvironmentConfig | undefined {
  if (name !== undefined) {
    const environment = config.environments.find((e) => e.name === name);
    if (environment === undefined) {
      const known = config.environments.map((e) => e.name).join(", ") || "none";
      throw new UnknownEnvironmentError(`unknown environment "${name}"; ferry.yml defines: ${known}`);
    }
    return () => environment;
  }
  const matchers = config.environments.map((e) => ({
    environment: e,
    match: picomatch(e.paths, { dot: true }),
  }));
  return (path) => matchers.find(({ match }) => match(path))?.environment;
}

/** A document of a kustomization.yaml that is kustomize's own (not, say, a Flux Kustomization saved under that name). */
function isKustomizeConfig(data: unknown): boolean {
  const apiVersion = isRecord(data) ? data.apiVersion : undefined;
  return typeof apiVersion !== "string" || apiVersion.startsWith("kustomize.config.k8s.io/");
}

/**
 * Files under a chart's templates/ are Go templates, not YAML: a chart is a directory holding
 * Chart.yaml with templates/ inside it, at any depth (templates/sub/x.yaml). Without a known
 * Chart.yaml (not part of the PR, not read), a file under templates/ with `{{` is one too.
 */
function helmTemplateReason(path: string, text: string, paths: ReadonlySet<string>): string | undefined {
  const segments = path.split("/");
  let underTemplates = false;
  for (let i = segments.length - 2; i >= 0; i--) {
    if (segments[i] !== "templates") continue;
    underTemplates = true;
    const chart = segments.slice(0, i).join("/");
    if (paths.has(chart === "" ? "Chart.yaml" : `${chart}/Chart.yaml`))
      return "Helm chart template (rendered by Helm, not plain YAML)";
  }
  return underTemplates && text.includes("{{")
    ? "Helm template syntax under templates/ (not plain YAML)"
    : undefined;
}

function byPosition(a: Finding, b: Finding): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}
