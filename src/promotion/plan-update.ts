import picomatch from "picomatch";
import type { AppConfig, EnvironmentConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { parseImageReference } from "../images/reference.js";
import { checkTagRules } from "../images/tags.js";
import type { FieldRef } from "../manifests/fields.js";
import {
  type PlannedSite,
  type RewriteOptions,
  type RewriteResult,
  rewriteImageReferences,
} from "../manifests/rewrite.js";
import type { ReferenceKind, SourceFile } from "../manifests/sites.js";
import { resolvePolicy } from "../provenance/resolve-policy.js";
import { environmentMatcher } from "./environments.js";

export interface PlanUpdateInput {
  /** The config repo's files (any superset of the environment's; others are ignored). */
  files: readonly SourceFile[];
  environment: EnvironmentConfig;
  app: AppConfig;
  /** What the environment should run: the new tag, and its digest when known. */
  target: { tag: string; digest?: string | undefined };
  /** Where ferry.yml lives, to anchor findings that belong to no manifest. */
  configPath?: string;
}

/** One changed reference, as a PR body or CLI line shows it. */
export interface ReferenceChange {
  line: number;
  /** `1.4.1`, `1.4.1@sha256:…`, or `(none)` for an added kustomization entry. */
  from: string;
  to: string;
  kind: ReferenceKind;
  /** Key path in the document, e.g. `images[0]`. */
  path: string;
}

export interface FileChange {
  path: string;
  before: string;
  after: string;
  references: ReferenceChange[];
}

export interface UpdatePlan {
  /** Files to commit, each rewritten whole (only tag/digest bytes differ, plus added entries). */
  changes: FileChange[];
  /** Every reference to the app's image under the environment's paths, changed or not. */
  references: PlannedSite[];
  /** Why something was not changed: YAML errors (file untouched), rule violations, nothing found. */
  findings: Finding[];
  /** References exist and all already pin the target: there is nothing to propose. */
  alreadyCurrent: boolean;
}

/**
 * What the rewrite of one plan needs, as plain data (a worker thread can take it): the image and
 * target, and the app's explicit fields, whose `file` globs are matched where it runs.
 */
export interface RewriteRequest extends Omit<RewriteOptions, "fieldsFor"> {
  fields: readonly FieldRef[];
}

/** rewriteImageReferences for a request; pure. */
export function runRewrite(files: readonly SourceFile[], request: RewriteRequest): RewriteResult {
  const { fields, ...options } = request;
  const matchers = fields.map((field) => ({ field, match: picomatch(field.file, { dot: true }) }));
  const fieldsFor = (path: string): FieldRef[] => matchers.filter((f) => f.match(path)).map((f) => f.field);
  return rewriteImageReferences(files, { ...options, fieldsFor });
}

/**
 * Plans bringing `app` to `target` in `environment`: finds every reference to the app's
 * image in the files under the environment's `paths` (and the app's explicit `fields`) and
 * rewrites only their tag/digest bytes. Refuses, with findings and no changes, when the
 * target breaks the environment's tag rules or `digest: required` and no digest is given.
 */
export function planUpdate(input: PlanUpdateInput): UpdatePlan {
  const begun = beginPlan(input);
  return finishPlan(begun, runRewrite(begun.files, begun.request));
}

/** planUpdate with the rewrite done elsewhere (shares of the files on worker threads); the same plan. */
export async function planUpdateWith(
  input: PlanUpdateInput,
  rewrite: (files: readonly SourceFile[], request: RewriteRequest) => Promise<RewriteResult>,
): Promise<UpdatePlan> {
  const begun = beginPlan(input);
  return finishPlan(begun, await rewrite(begun.files, begun.request));
}

interface BegunPlan {
  input: PlanUpdateInput;
  configPath: string;
  /** The environment's files. */
  files: SourceFile[];
  request: RewriteRequest;
  /** Refusals found before any file was read (config, target, tag rules, digest). */
  findings: Finding[];
}

function beginPlan(input: PlanUpdateInput): BegunPlan {
  const { environment, app, target } = input;
  const configPath = input.configPath ?? ".github/ferry.yml";
  const findings: Finding[] = [];
  const configFinding = (rule: string, message: string) =>
    findings.push({ file: configPath, line: 1, column: 1, severity: "error", rule, message });

  const inEnvironment = environmentMatcher(environment.paths);
  const files = input.files.filter((f) => inEnvironment(f.path));

  if (app.environments !== undefined && !app.environments.includes(environment.name)) {
    configFinding(
      "environment",
      `app ${app.name} is not promoted through ${environment.name} (apps[].environments)`,
    );
  }
  const pinned = `${app.image}:${target.tag}${target.digest === undefined ? "" : `@${target.digest}`}`;
  const parsed = parseImageReference(pinned);
  if (!parsed.ok) configFinding("target", parsed.errors);
  const tagProblem = checkTagRules(target.tag, environment.tags);
  if (tagProblem !== undefined) configFinding("tag-rules", `${environment.name}: ${tagProblem}`);
  if (environment.digest === "required" && target.digest === undefined) {
    configFinding(
      "digest-required",
      `${environment.name} requires a digest (digest: required), and ${app.image}:${target.tag} was given without one`,
    );
  }

  // Refused already: still list the references, without repeating the refusal at each one.
  const refusedEarly = findings.length > 0;
  const request: RewriteRequest = {
    image: app.image,
    target,
    // Provenance is checked on the digest, so where it is required the digest is pinned too.
    pinDigest:
      (environment.digest === "required" ||
        (target.digest !== undefined && resolvePolicy(app, environment).mode === "required")) &&
      !refusedEarly,
    addToKustomization: app.addToKustomization,
    fields: app.fields,
  };
  return { input, configPath, files, request, findings };
}

function finishPlan(begun: BegunPlan, rewrite: RewriteResult): UpdatePlan {
  const { configPath, input } = begun;
  const { environment, app } = input;
  const findings = [...begun.findings];
  const configFinding = (rule: string, message: string) =>
    findings.push({ file: configPath, line: 1, column: 1, severity: "error", rule, message });
  findings.push(...rewrite.findings);
  const refused = findings.some((f) => f.file === configPath && f.severity === "error");

  if (rewrite.references.length === 0 && !refused) {
    configFinding(
      "image-not-found",
      `no reference to ${app.image} under ${environment.name}'s paths (${environment.paths.join(", ")}); ` +
        "check the paths, or list the locations in apps[].fields, or set addToKustomization",
    );
  }
  const changes: FileChange[] = refused
    ? []
    : rewrite.changes.map((change) => ({
        path: change.path,
        before: change.before,
        after: change.after,
        references: change.references.map((r) => ({
          line: r.line,
          from: pinString(r.tag, r.digest),
          to: pinString(r.to.tag, r.to.digest),
          kind: r.kind,
          path: r.path,
        })),
      }));
  const references = refused
    ? rewrite.references.filter((r) => !r.added).map((r) => ({ ...r, to: pins(r), changed: false }))
    : rewrite.references;
  const alreadyCurrent =
    references.length > 0 && changes.length === 0 && !findings.some((f) => f.severity === "error");
  return { changes, references, findings, alreadyCurrent };
}

function pins(site: PlannedSite): PlannedSite["to"] {
  return {
    ...(site.tag === undefined ? {} : { tag: site.tag }),
    ...(site.digest === undefined ? {} : { digest: site.digest }),
  };
}

/** `1.4.1`, `1.4.1@sha256:…` (full digest), `@sha256:…`, or `(none)`. */
export function pinString(tag: string | undefined, digest: string | undefined): string {
  if (tag === undefined && digest === undefined) return "(none)";
  return `${tag ?? ""}${digest === undefined ? "" : `@${digest}`}`;
}
