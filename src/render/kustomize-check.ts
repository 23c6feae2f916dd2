import { posix } from "node:path";
import type { Finding } from "../findings.js";
import { isRecord, type RepoFiles, stringsOf } from "./repo-files.js";
import { resolveInRepo } from "./tree.js";

/** A patch file a kustomization applies, with what it targets. */
export interface PatchSource {
  file: string;
  /** `patches[].target` when given; otherwise the patch names its target itself. */
  target?: { kind?: string; name?: string };
}

/** What rendering one kustomization root needs and may do. */
export interface KustomizeClosure {
  /** Every file and directory the build reads (to tell whether a change touches it). */
  inputs: Set<string>;
  /** Patch files, the root's own last (they apply after those of its bases). */
  patches: PatchSource[];
  /** Reasons not to run kustomize at all: a remote base, a plugin, an escape. */
  refusals: Finding[];
  /** Repo paths it references that are not among the files given (to read them and plan again). */
  missing: string[];
}

const maxDepth = 20;

/**
 * Walks a kustomization root and everything it loads, before kustomize runs: a remote base
 * (URL, git, `github.com/…`) needs the network, a generator or transformer that is not a
 * builtin is a plugin (exec or KRM function), `helmCharts` needs `--enable-helm`, a path out of
 * the repo is an escape. Each refuses the render with a finding on the kustomization line.
 */
export function checkKustomizeRoot(root: string, files: RepoFiles): KustomizeClosure {
  const closure: KustomizeClosure = { inputs: new Set(), patches: [], refusals: [], missing: [] };
  const visited = new Set<string>();
  const visit = (dir: string, depth: number) => {
    if (visited.has(dir) || depth > maxDepth) return;
    visited.add(dir);
    closure.inputs.add(dir);
    const file = files.kustomizationIn(dir);
    if (file === undefined) return;
    const [data] = files.documents(file);
    if (!isRecord(data)) return;
    const refuse = (severity: Finding["severity"], message: string) =>
      closure.refusals.push({
        file,
        line: lineOf(files.text(file) ?? "", message),
        column: 1,
        severity,
        rule: "render",
        message,
      });

    const local = (entry: string, field: string): string | undefined => {
      const resolved = resolveInRepo(dir, entry);
      if (resolved === undefined)
        refuse("error", `${field} "${entry}" leaves the repository; Ferry does not render it`);
      return resolved;
    };
    for (const field of ["resources", "bases", "components"] as const) {
      for (const entry of stringsOf(data[field])) {
        if (isRemote(entry)) {
          refuse(
            "notice",
            `not rendered: ${field} "${entry}" is remote, and Ferry renders without network; vendor it into the repository to see the rendered diff`,
          );
          continue;
        }
        const path = local(entry, field);
        if (path === undefined) continue;
        if (files.isFile(path)) closure.inputs.add(path);
        else if (files.isDir(path)) visit(path, depth + 1);
        else {
          closure.missing.push(path);
          refuse("error", `${field} "${entry}" is neither a file nor a directory of the repository`);
        }
      }
    }
    const ownPatches: PatchSource[] = [];
    const patchFile = (entry: unknown, target: unknown, field: string) => {
      if (typeof entry !== "string" || entry.includes("\n")) return;
      const path = local(entry, field);
      if (path === undefined) return;
      closure.inputs.add(path);
      const t = isRecord(target) ? target : undefined;
      ownPatches.push({
        file: path,
        ...(t
          ? {
              target: {
                ...(typeof t.kind === "string" ? { kind: t.kind } : {}),
                ...(typeof t.name === "string" ? { name: t.name } : {}),
              },
            }
          : {}),
      });
    };
    for (const p of Array.isArray(data.patches) ? data.patches : [])
      if (isRecord(p)) patchFile(p.path, p.target, "patches");
    for (const p of stringsOf(data.patchesStrategicMerge)) patchFile(p, undefined, "patchesStrategicMerge");
    for (const p of Array.isArray(data.patchesJson6902) ? data.patchesJson6902 : [])
      if (isRecord(p)) patchFile(p.path, p.target, "patchesJson6902");
    for (const generator of [
      ...(Array.isArray(data.configMapGenerator) ? data.configMapGenerator : []),
      ...(Array.isArray(data.secretGenerator) ? data.secretGenerator : []),
    ]) {
      if (!isRecord(generator)) continue;
      const sources = [
        ...stringsOf(generator.files).map((f) => f.slice(f.indexOf("=") + 1)),
        ...stringsOf(generator.envs),
        ...(typeof generator.env === "string" ? [generator.env] : []),
      ];
      for (const source of sources) {
        const path = local(source, "generator file");
        if (path !== undefined) closure.inputs.add(path);
      }
    }
    for (const field of ["crds", "configurations"] as const)
      for (const entry of stringsOf(data[field])) {
        const path = local(entry, field);
        if (path !== undefined) closure.inputs.add(path);
      }
    for (const field of ["generators", "transformers", "validators"] as const) {
      for (const entry of stringsOf(data[field])) pluginCheck(entry, field, dir, files, refuse, closure);
    }
    for (const field of ["helmCharts", "helmChartInflationGenerator", "helmGlobals"] as const) {
      if (data[field] !== undefined && data[field] !== null)
        refuse(
          "notice",
          `not rendered: ${field} needs kustomize --enable-helm, which fetches charts; Ferry renders without it`,
        );
    }
    // Bases first, then this kustomization's own patches: the order kustomize applies them.
    closure.patches.push(...ownPatches);
  };
  visit(root, 0);
  return closure;
}

/** A generators/transformers/validators entry: a builtin configuration is fine, anything else is a plugin. */
function pluginCheck(
  entry: string,
  field: string,
  dir: string,
  files: RepoFiles,
  refuse: (severity: Finding["severity"], message: string) => void,
  closure: KustomizeClosure,
): void {
  let configs: unknown[];
  if (entry.includes("\n")) {
    configs = [];
    refuse(
      "notice",
      `not rendered: an inline ${field} entry is not checked for plugins; Ferry does not run it`,
    );
    return;
  }
  const path = resolveInRepo(dir, entry);
  if (path === undefined || isRemote(entry)) {
    refuse("error", `${field} "${entry}" is not a file of the repository; Ferry does not render it`);
    return;
  }
  if (!files.isFile(path)) {
    refuse("notice", `not rendered: ${field} "${entry}" is not a file Ferry can check for plugins`);
    return;
  }
  closure.inputs.add(path);
  configs = files.documents(path);
  for (const config of configs) {
    const annotations =
      isRecord(config) && isRecord(config.metadata) ? config.metadata.annotations : undefined;
    const fn = isRecord(annotations) ? annotations["config.kubernetes.io/function"] : undefined;
    if (!isRecord(config) || config.apiVersion !== "builtin" || fn !== undefined) {
      const kind = isRecord(config) && typeof config.kind === "string" ? config.kind : "configuration";
      refuse(
        "notice",
        `not rendered: ${field} "${entry}" configures the plugin ${kind}; Ferry runs kustomize without exec or KRM function plugins`,
      );
      return;
    }
  }
}

/** kustomize's remote targets: URLs, `git@host:`, `github.com/org/repo`, `?ref=` and `//subdir` forms. */
export function isRemote(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    /^[\w.-]+@[\w.-]+:/.test(entry) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
    entry.includes("?ref=") ||
    /^[\w.-]+\.[a-z]{2,}\/.+\/\//i.test(entry)
  );
}

/** The 1-based line that mentions the quoted entry of a message, else 1. */
function lineOf(text: string, message: string): number {
  const quoted = /"([^"]+)"/.exec(message)?.[1];
  const field = /^(?:not rendered: )?(\w+)/.exec(message)?.[1];
  const lines = text.split("\n");
  for (const needle of [quoted, field]) {
    if (!needle) continue;
    const index = lines.findIndex((l) => l.includes(needle));
    if (index >= 0) return index + 1;
  }
  return 1;
}

export const kustomizeDir = posix.dirname;
