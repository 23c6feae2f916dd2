import type { EnvironmentConfig, FerryConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { diffRendered, type ObjectDiff } from "./diff.js";
import {
  planEnvironment,
  type RenderPlan,
  type RenderTarget,
  type RepoIdentity,
  touchedPart,
} from "./plan.js";
import { type RenderTools, renderSide, targetId } from "./render.js";
import { RepoFiles } from "./repo-files.js";
import type { TreeFile } from "./tree.js";
import { validateRendered } from "./validate-rendered.js";

/** What one environment's render gave. */
export interface EnvironmentRender {
  environment: EnvironmentConfig;
  diffs: ObjectDiff[];
  findings: Finding[];
  skipped?: string;
  rendered: { kustomize: number; helm: number };
}

export interface RenderInput {
  config: FerryConfig;
  base: readonly TreeFile[];
  head: readonly TreeFile[];
  /** Paths the change adds, modifies or removes. */
  changed: readonly string[];
  self: RepoIdentity;
  tools: RenderTools;
  /** Findings already reported on the raw files (Ferry / validate): not repeated. */
  reported?: readonly Finding[];
}

/** Paths referenced by the plans of every environment that are not among the files: read them and plan again. */
export function missingPaths(config: FerryConfig, files: readonly TreeFile[], self: RepoIdentity): string[] {
  const repo = repoFiles(files);
  const missing = new Set<string>();
  for (const environment of config.environments)
    for (const path of planEnvironment(environment, repo, self).missing) missing.add(path);
  return [...missing].sort();
}

/**
 * Renders base and head of every environment the change touches (a changed file under its
 * paths, or among the inputs of one of its renders), diffs the objects and validates the
 * objects the change adds or alters. Environments with nothing to render are left out.
 */
export async function renderEnvironments(input: RenderInput): Promise<EnvironmentRender[]> {
  const baseFiles = repoFiles(input.base);
  const headFiles = repoFiles(input.head);
  const work: { environment: EnvironmentConfig; base: RenderPlan; head: RenderPlan }[] = [];
  const changed = new Set(input.changed);
  for (const environment of input.config.environments) {
    const head = touchedPart(planEnvironment(environment, headFiles, input.self), changed);
    const base = touchedPart(planEnvironment(environment, baseFiles, input.self), changed);
    // A target present only at the base (a root the change removes) renders to nothing at the head.
    if (head.targets.length === 0 && base.targets.length === 0 && head.findings.length === 0) continue;
    work.push({ environment, base, head });
  }
  if (work.length === 0) return [];
  const toolOf = (t: RenderTarget) => (t.tool === "kustomize" ? input.tools.kubectl : input.tools.helm);
  const why = (t: RenderTarget) =>
    t.tool === "kustomize"
      ? "kubectl was not found (set FERRY_KUBECTL to its path)"
      : "helm was not found (set FERRY_HELM to its path)";
  // One sandbox per side for every environment: the tree is written once.
  const all = (side: "base" | "head") => work.flatMap((w) => w[side].targets);
  const [baseSide, headSide] = await Promise.all([
    renderSide(input.base, all("base"), input.tools),
    renderSide(input.head, all("head"), input.tools),
  ]);
  const results: EnvironmentRender[] = [];
  for (const { environment, base, head } of work) {
    const unrendered = head.targets.filter((t) => toolOf(t) === undefined);
    const rendered = {
      kustomize: head.targets.filter((t) => t.tool === "kustomize" && toolOf(t) !== undefined).length,
      helm: head.targets.filter((t) => t.tool === "helm" && toolOf(t) !== undefined).length,
    };
    if (unrendered.length > 0 && unrendered.length === head.targets.length) {
      const skipped = [...new Set(unrendered.map(why))].join("; ");
      results.push({ environment, diffs: [], findings: head.findings, skipped, rendered });
      continue;
    }
    // A render that failed on either side would look like all its objects added or removed.
    const mine = (objects: typeof headSide.objects, plan: RenderPlan) =>
      objects.filter(
        (o) =>
          plan.targets.includes(o.target) &&
          !baseSide.failed.has(targetId(o.target)) &&
          !headSide.failed.has(targetId(o.target)),
      );
    const diffs = diffRendered(mine(baseSide.objects, base), mine(headSide.objects, head));
    const failures = headSide.findings.filter(
      (f) => head.targets.some((t) => t.source === f.file) || f.rule === "render-sandbox",
    );
    const validation = await validateRendered({
      environment,
      config: input.config,
      diffs,
      files: headFiles,
      reported: input.reported ?? [],
    });
    const findings = [...head.findings, ...failures, ...validation];
    for (const t of unrendered)
      findings.push({
        file: t.source,
        line: 1,
        column: 1,
        severity: "warning",
        rule: "render",
        message: `not rendered: ${why(t)}`,
      });
    results.push({ environment, diffs, findings: dedupe(findings), rendered });
  }
  return results;
}

function repoFiles(files: readonly TreeFile[]): RepoFiles {
  return new RepoFiles(files.flatMap((f) => ("text" in f ? [f] : [])));
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.file}\n${f.line}\n${f.rule}\n${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
