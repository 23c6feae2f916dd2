/**
 * The worker threads' entry: each export is a task the pool can run by name. Tasks are the pure
 * core's own functions; inputs and results are plain data (structured clone).
 */
import type { FerryConfig } from "../config/schema.js";
import type { RewriteResult } from "../manifests/rewrite.js";
import type { SourceFile } from "../manifests/sites.js";
import { kustomizePatchPaths } from "../manifests/validate-kustomization.js";
import {
  contextKustomizations,
  kustomizationDocuments,
  type ManifestFile,
  type ValidateOptions,
  type ValidationReport,
  validateFiles,
} from "../policy/engine.js";
import { imageChanges } from "../promotion/image-changes.js";
import { type RewriteRequest, runRewrite } from "../promotion/plan-update.js";

export function validate(options: ValidateOptions): Promise<ValidationReport> {
  return validateFiles(options);
}

/** The kustomization.yaml documents of the files and of the context, read once for every share. */
export function kustomizations(input: {
  files: readonly ManifestFile[];
  paths: readonly string[];
  contextFiles: readonly ManifestFile[];
  maxFileBytes?: number;
}): { files: ReturnType<typeof kustomizationDocuments>; context: unknown[]; patches: string[] } {
  return {
    files: kustomizationDocuments(input.files, new Set(input.paths), input.maxFileBytes),
    context: contextKustomizations(input.contextFiles),
    patches: [...kustomizePatchPaths([...input.files, ...input.contextFiles])],
  };
}

/** imageChanges with each change's environment and app given by index into the config. */
export function changedImages(input: {
  config: FerryConfig;
  base: readonly SourceFile[];
  head: readonly SourceFile[];
}): { env: number; app: number; change: Omit<ReturnType<typeof imageChanges>[number], "env" | "app"> }[] {
  return imageChanges(input.config, input.base, input.head).map(({ env, app, ...change }) => ({
    env: input.config.environments.indexOf(env),
    app: input.config.apps.indexOf(app),
    change,
  }));
}

/** An environment's share of a plan's rewrite (promotion/plan-update.ts runRewrite). */
export function rewrite(input: { files: readonly SourceFile[]; request: RewriteRequest }): RewriteResult {
  return runRewrite(input.files, input.request);
}
