import { isMap, type YAMLMap } from "yaml";
import type { Finding } from "../findings.js";
import { parseImageReference } from "../images/reference.js";
import { scanArgoApplication } from "./argocd.js";
import { type FieldRef, scanFields } from "./fields.js";
import { scanValues } from "./helm-values.js";
import { isKustomizationPath, scanImageEntries, scanKustomization } from "./kustomize.js";
import { mayNameImage } from "./prefilter.js";
import { yamlTextProblem } from "./safe-text.js";
import type { ImageSite, Site, Source, SourceFile } from "./sites.js";
import { childMap, childSeq, childString, joinPath, type ScanContext, topLevelSource } from "./walk.js";
import { isWorkloadKind, scanWorkload } from "./workloads.js";
import {
  defaultYamlLimits,
  isYamlPath,
  parseYamlFile,
  unreadableFinding,
  type YamlFile,
  type YamlLimits,
} from "./yaml-file.js";

export interface ScanOptions {
  /** The image sought, with or without tag: `ghcr.io/acme/api`. */
  image: string;
  /** Explicit locations (ferry.yml `apps[].fields`) whose `file` glob matches this file. */
  fields?: readonly FieldRef[];
  limits?: YamlLimits;
}

/** One file's scan: the parse (absent when the file was skipped unread) and what it pins. */
export interface FileScan {
  path: string;
  yaml?: YamlFile;
  sites: Site[];
  findings: Finding[];
}

/**
 * Every place in one file that pins `options.image`. Never throws: YAML errors, refusals and
 * invalid references are findings, and a file with a YAML error yields no sites (so it is
 * never edited).
 */
export function scanFile(file: SourceFile, options: ScanOptions): FileScan {
  const parsed = imageReference(options.image);
  if (!parsed.ok) {
    return { path: file.path, sites: [], findings: [finding(file.path, "image-reference", parsed.errors)] };
  }
  const image = parsed.value.name;
  const fields = options.fields ?? [];
  // A YAML file (or one ferry.yml points into) that cannot be read may hide a reference: say so.
  const limits = options.limits ?? defaultYamlLimits;
  const yamlLike = isYamlPath(file.path) || fields.length > 0;
  const unreadable = file.unreadable ?? (yamlLike ? yamlTextProblem(file.text, limits.maxBytes) : undefined);
  if (unreadable !== undefined) {
    const findings = yamlLike ? [unreadableFinding(file.path, unreadable)] : [];
    return { path: file.path, sites: [], findings };
  }
  // Cheap pre-filter: a file that cannot name the image is not parsed (explicit fields always are).
  if (fields.length === 0 && !mayNameImage(file.text, parsed.value)) {
    return { path: file.path, sites: [], findings: [] };
  }

  const yaml = parseYamlFile(file.path, file.text, limits);
  if (yaml.findings.some((f) => f.severity === "error")) {
    return { path: file.path, yaml, sites: [], findings: yaml.findings };
  }
  const source = topLevelSource(yaml);
  const ctx: ScanContext = {
    file: yaml,
    image,
    document: 0,
    sites: [],
    findings: [...yaml.findings],
    claimed: new Set(),
  };
  let fieldFound = false;
  yaml.documents.forEach((doc, index) => {
    ctx.document = index;
    if (fields.length > 0 && scanFields(ctx, doc, fields, source)) fieldFound = true;
    if (isMap(doc.contents)) scanObject(ctx, doc.contents, source, "");
  });
  if (fields.length > 0 && !fieldFound) {
    const paths = fields.map((f) => f.path).join(", ");
    ctx.findings.push(
      finding(file.path, "fields", `none of the ferry.yml fields (${paths}) exists in this file`, "warning"),
    );
  }
  const order = (site: Site) => site.info.line * 1e6 + site.info.column;
  ctx.sites.sort((a, b) => order(a) - order(b));
  return { path: file.path, yaml, sites: ctx.sites, findings: ctx.findings };
}

/** The last image parsed: a scan of many files asks for the same one per file. */
let lastImage: { text: string; parsed: ReturnType<typeof parseImageReference> } | undefined;

function imageReference(text: string): ReturnType<typeof parseImageReference> {
  if (lastImage?.text !== text) lastImage = { text, parsed: parseImageReference(text) };
  return lastImage.parsed;
}

/** Dispatch on what the object is; unknown kinds are left alone. */
function scanObject(ctx: ScanContext, root: YAMLMap, source: Source, base: string): void {
  const kind = childString(root, "kind", source);
  const apiVersion = childString(root, "apiVersion", source) ?? "";
  if (kind === undefined) {
    if (apiVersion !== "") return;
    // No apiVersion and no kind: a kustomization by its name, otherwise Helm values.
    if (isKustomizationPath(ctx.file.path)) scanKustomization(ctx, root, source);
    else scanValues(ctx, root, "helm-values", base, source);
    return;
  }
  if (kind === "List" || (kind.endsWith("List") && childSeq(root, "items"))) {
    childSeq(root, "items")?.items.forEach((item, i) => {
      if (isMap(item)) scanObject(ctx, item, source, joinPath(joinPath(base, "items"), i));
    });
    return;
  }
  const group = apiVersion.split("/")[0] ?? "";
  if (isWorkloadKind(kind) && (kind !== "Rollout" || group === "argoproj.io")) {
    scanWorkload(ctx, root, kind, source, base);
  } else if (kind === "Kustomization" && group === "kustomize.toolkit.fluxcd.io") {
    const images = childSeq(childMap(root, "spec"), "images");
    scanImageEntries(ctx, images, "flux-kustomization-images", joinPath(base, "spec.images"), source);
  } else if (kind === "Kustomization" || kind === "Component") {
    scanKustomization(ctx, root, source);
  } else if (kind === "HelmRelease" && group === "helm.toolkit.fluxcd.io") {
    const values = childMap(childMap(root, "spec"), "values");
    if (values) scanValues(ctx, values, "helmrelease-values", joinPath(base, "spec.values"), source);
  } else if ((kind === "Application" || kind === "ApplicationSet") && group === "argoproj.io") {
    scanArgoApplication(ctx, root, kind, source);
  }
}

/** All sites across files, as plain data, plus every finding. */
export function findImageReferences(
  files: readonly SourceFile[],
  options: ScanOptions & { fieldsFor?: (path: string) => readonly FieldRef[] },
): { references: ImageSite[]; findings: Finding[] } {
  const references: ImageSite[] = [];
  const findings: Finding[] = [];
  for (const file of files) {
    const scan = scanFile(file, {
      ...options,
      fields: options.fieldsFor?.(file.path) ?? options.fields ?? [],
    });
    references.push(...scan.sites.map((s) => s.info));
    findings.push(...scan.findings);
  }
  return { references, findings };
}

function finding(
  file: string,
  rule: string,
  message: string,
  severity: Finding["severity"] = "error",
): Finding {
  return { file, line: 1, column: 1, severity, rule, message };
}
