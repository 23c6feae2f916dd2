import { posix } from "node:path";
import picomatch from "picomatch";
import type { EnvironmentConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { isKustomizationPath } from "../manifests/validate-kustomization.js";
import { checkKustomizeRoot, isRemote, type PatchSource } from "./kustomize-check.js";
import { isRecord, type RepoFiles, stringsOf } from "./repo-files.js";
import { resolveInRepo } from "./tree.js";

/** Where a Helm render's values come from, in Helm's order (later wins). */
export interface ValuesSource {
  /** A values file of the repo… */
  file?: string;
  /** …or values written inline in a HelmRelease or an Application, at `path` of `in`. */
  inline?: { values: unknown; in: string; path: (string | number)[] };
}

export type RenderTarget =
  | {
      tool: "kustomize";
      /** The kustomization root, repo-relative ("" for the repo root). */
      dir: string;
      /** The kustomization file: findings that map nowhere else land on it. */
      source: string;
      inputs: Set<string>;
      patches: PatchSource[];
    }
  | {
      tool: "helm";
      chart: string;
      release: string;
      namespace: string;
      values: ValuesSource[];
      /** `--set` / `--set-string` pairs (Argo CD `helm.parameters`). */
      set: { name: string; value: string; string: boolean }[];
      /** The HelmRelease, Application or Chart.yaml this render stands for. */
      source: string;
      inputs: Set<string>;
    };

export interface RenderPlan {
  targets: RenderTarget[];
  /** Refusals (remote bases, plugins, remote charts) and escapes, each on its source line. */
  findings: Finding[];
  /** Paths referenced but not among the files given: read them, then plan again. */
  missing: string[];
}

/** This repo, to recognise an Argo CD source that points at it. */
export interface RepoIdentity {
  owner: string;
  repo: string;
}

/**
 * What to render for one environment, from the files of one side: the kustomization roots
 * under its paths (those no other kustomization there loads), the charts under its paths (with
 * `values.yaml` and `values-<env>.yaml`), and the HelmReleases and Argo CD Applications under
 * its paths whose chart is in this repo (with their values). Pure.
 */
export function planEnvironment(
  environment: EnvironmentConfig,
  files: RepoFiles,
  self: RepoIdentity,
): RenderPlan {
  const inEnv = picomatch(environment.paths, { dot: true });
  const envPaths = [...files.paths()].filter((p) => inEnv(p)).sort();
  const plan: RenderPlan = { targets: [], findings: [], missing: [] };

  const kustomizations = envPaths
    .filter(isKustomizationPath)
    .filter((p) => isKustomizeConfig(files.documents(p)[0]));
  const roots = kustomizations.map((p) => posix.dirname(p)).map((d) => (d === "." ? "" : d));
  const loaded = new Set<string>();
  const closures = new Map(roots.map((root) => [root, checkKustomizeRoot(root, files)]));
  for (const [root, closure] of closures)
    for (const input of closure.inputs) if (input !== root && closures.has(input)) loaded.add(input);
  const kustomizeInputs = new Set<string>();
  for (const [root, closure] of closures) {
    if (loaded.has(root)) continue;
    for (const input of closure.inputs) kustomizeInputs.add(input);
    plan.missing.push(...closure.missing);
    plan.findings.push(...closure.refusals);
    if (closure.refusals.length > 0) continue;
    plan.targets.push({
      tool: "kustomize",
      dir: root,
      source: files.kustomizationIn(root) ?? root,
      inputs: closure.inputs,
      patches: closure.patches,
    });
  }

  for (const chartFile of envPaths.filter((p) => posix.basename(p) === "Chart.yaml")) {
    const chart = posix.dirname(chartFile) === "." ? "" : posix.dirname(chartFile);
    if (
      /(^|\/)charts\/[^/]+$/.test(chart) &&
      files.isFile(`${posix.dirname(posix.dirname(chart))}/Chart.yaml`)
    )
      continue; // a subchart renders with its parent
    const values = [`values-${environment.name}.yaml`, `values.${environment.name}.yaml`]
      .map((name) => (chart === "" ? name : `${chart}/${name}`))
      .filter((p) => files.isFile(p))
      .map((file) => ({ file }));
    addHelm(plan, files, {
      chart,
      release: chartName(files, chartFile) ?? posix.basename(chart || "release"),
      namespace: "default",
      values,
      set: [],
      source: chartFile,
    });
  }

  for (const path of envPaths) {
    if (!/\.ya?ml$/i.test(path) || isKustomizationPath(path) || /(^|\/)templates\//.test(path)) continue;
    if (files.patchFiles().has(path)) continue; // a values patch, not a release of its own
    files.documents(path).forEach((doc, index) => {
      if (!isRecord(doc) || typeof doc.kind !== "string" || typeof doc.apiVersion !== "string") return;
      if (doc.kind === "HelmRelease" && doc.apiVersion.startsWith("helm.toolkit.fluxcd.io/"))
        helmRelease(plan, files, doc, path, index);
      else if (doc.kind === "Application" && doc.apiVersion.startsWith("argoproj.io/"))
        argoApplication(plan, files, doc, path, self, kustomizeInputs);
    });
  }
  return plan;
}

/** Whether a change touches a target: a changed path is one of its inputs, or under one. */
export function touchesTarget(target: RenderTarget, changed: ReadonlySet<string>): boolean {
  for (const input of target.inputs) {
    if (input === "" || changed.has(input)) return true;
    for (const c of changed) if (c.startsWith(`${input}/`)) return true;
  }
  return false;
}

/**
 * The part of a plan a change touches: its targets with a changed input (an untouched target
 * renders the same at base and head), and the findings on changed files or touched targets.
 */
export function touchedPart(plan: RenderPlan, changed: ReadonlySet<string>): RenderPlan {
  const targets = plan.targets.filter((t) => touchesTarget(t, changed));
  const files = new Set([...changed, ...targets.flatMap((t) => [t.source, ...t.inputs])]);
  // A refusal stays when the change is beside it (a file of the refused root changed).
  const beside = (file: string) => {
    const dir = posix.dirname(file);
    return [...changed].some((c) => dir === "." || c.startsWith(`${dir}/`));
  };
  return {
    targets,
    findings: plan.findings.filter((f) => files.has(f.file) || beside(f.file)),
    missing: plan.missing,
  };
}

function helmRelease(
  plan: RenderPlan,
  files: RepoFiles,
  doc: Record<string, unknown>,
  path: string,
  index: number,
) {
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "release";
  const chartSpec = isRecord(spec.chart) && isRecord(spec.chart.spec) ? spec.chart.spec : undefined;
  const note = (message: string) =>
    plan.findings.push({
      file: path,
      line: lineOfKey(files.text(path), "chart", index),
      column: 1,
      severity: "notice",
      rule: "render",
      message,
    });
  if (chartSpec === undefined) {
    note(
      `not rendered: HelmRelease ${name} takes its chart from spec.chartRef (OCI or HelmChart), not from this repository`,
    );
    return;
  }
  const sourceKind = isRecord(chartSpec.sourceRef) ? chartSpec.sourceRef.kind : undefined;
  const chartPath = typeof chartSpec.chart === "string" ? resolveInRepo("", chartSpec.chart) : undefined;
  if (sourceKind !== "GitRepository" && sourceKind !== "Bucket") {
    note(
      `not rendered: HelmRelease ${name} takes chart "${String(chartSpec.chart)}" from ${typeof sourceKind === "string" ? `a ${sourceKind}` : "a source it does not name"}; Ferry renders only charts in this repository (no network)`,
    );
    return;
  }
  if (chartPath === undefined || !files.isFile(chartPath === "" ? "Chart.yaml" : `${chartPath}/Chart.yaml`)) {
    if (chartPath !== undefined && !files.isDir(chartPath)) plan.missing.push(chartPath);
    note(
      `not rendered: HelmRelease ${name}: chart "${String(chartSpec.chart)}" is not a chart directory of this repository`,
    );
    return;
  }
  const values: ValuesSource[] = [];
  for (const file of stringsOf(chartSpec.valuesFiles)) {
    const resolved = resolveInRepo("", file);
    if (resolved !== undefined && files.isFile(resolved)) values.push({ file: resolved });
    else {
      if (resolved !== undefined) plan.missing.push(resolved);
      note(`not rendered: HelmRelease ${name}: values file "${file}" is not in this repository`);
    }
  }
  if (values.length < stringsOf(chartSpec.valuesFiles).length) return;
  if (Array.isArray(spec.valuesFrom) && spec.valuesFrom.length > 0)
    note(
      `HelmRelease ${name}: valuesFrom (ConfigMaps, Secrets) is in the cluster, not the repository; rendered without it`,
    );
  if (isRecord(spec.values))
    values.push({ inline: { values: spec.values, in: path, path: [index, "spec", "values"] } });
  const targetNamespace = typeof spec.targetNamespace === "string" ? spec.targetNamespace : undefined;
  const namespace =
    targetNamespace ?? (typeof metadata.namespace === "string" ? metadata.namespace : "default");
  const release =
    typeof spec.releaseName === "string"
      ? spec.releaseName
      : targetNamespace
        ? `${targetNamespace}-${name}`
        : name;
  addHelm(plan, files, { chart: chartPath, release, namespace, values, set: [], source: path });
}

function argoApplication(
  plan: RenderPlan,
  files: RepoFiles,
  doc: Record<string, unknown>,
  path: string,
  self: RepoIdentity,
  kustomizeInputs: Set<string>,
) {
  const spec = isRecord(doc.spec) ? doc.spec : {};
  const metadata = isRecord(doc.metadata) ? doc.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "app";
  const sources = (Array.isArray(spec.sources) ? spec.sources : [spec.source]).filter(isRecord);
  const refs = new Map<string, boolean>();
  for (const s of sources) if (typeof s.ref === "string") refs.set(s.ref, isSelf(s.repoURL, self));
  const destination = isRecord(spec.destination) ? spec.destination : {};
  const namespace = typeof destination.namespace === "string" ? destination.namespace : "default";
  const note = (message: string) =>
    plan.findings.push({ file: path, line: 1, column: 1, severity: "notice", rule: "render", message });
  sources.forEach((source, i) => {
    if (typeof source.ref === "string" && source.path === undefined) return;
    if (typeof source.chart === "string") {
      note(
        `not rendered: Application ${name} takes chart "${source.chart}" from a Helm repository; Ferry renders only charts in this repository (no network)`,
      );
      return;
    }
    if (!isSelf(source.repoURL, self) || typeof source.path !== "string") return;
    const dir = resolveInRepo("", source.path);
    if (dir === undefined) {
      plan.findings.push({
        file: path,
        line: 1,
        column: 1,
        severity: "error",
        rule: "render",
        message: `Application ${name}: path "${source.path}" leaves the repository`,
      });
      return;
    }
    if (!files.isDir(dir)) {
      plan.missing.push(dir);
      return;
    }
    if (files.kustomizationIn(dir) !== undefined) {
      if (kustomizeInputs.has(dir)) return;
      const closure = checkKustomizeRoot(dir, files);
      plan.missing.push(...closure.missing);
      plan.findings.push(...closure.refusals);
      if (closure.refusals.length === 0)
        plan.targets.push({
          tool: "kustomize",
          dir,
          source: path,
          inputs: closure.inputs,
          patches: closure.patches,
        });
      return;
    }
    if (!files.isFile(dir === "" ? "Chart.yaml" : `${dir}/Chart.yaml`)) return;
    const helm = isRecord(source.helm) ? source.helm : {};
    const values: ValuesSource[] = [];
    for (const file of stringsOf(helm.valueFiles)) {
      const ref = /^\$([\w-]+)\/(.*)$/.exec(file);
      const resolved = ref
        ? refs.get(ref[1] as string)
          ? resolveInRepo("", ref[2] as string)
          : undefined
        : isRemote(file)
          ? undefined
          : resolveInRepo(dir, file);
      if (resolved !== undefined && files.isFile(resolved)) values.push({ file: resolved });
      else if (helm.ignoreMissingValueFiles !== true) {
        if (resolved !== undefined) plan.missing.push(resolved);
        note(`not rendered: Application ${name}: values file "${file}" is not in this repository`);
        return;
      }
    }
    const at = Array.isArray(spec.sources) ? ["spec", "sources", i, "helm"] : ["spec", "source", "helm"];
    if (typeof helm.values === "string" && helm.values.trim() !== "")
      values.push({ inline: { values: helm.values, in: path, path: [...at, "values"] } });
    if (isRecord(helm.valuesObject))
      values.push({ inline: { values: helm.valuesObject, in: path, path: [...at, "valuesObject"] } });
    const set = (Array.isArray(helm.parameters) ? helm.parameters : [])
      .filter(isRecord)
      .filter((p) => typeof p.name === "string")
      .map((p) => ({ name: p.name as string, value: String(p.value ?? ""), string: p.forceString === true }));
    const release = typeof helm.releaseName === "string" ? helm.releaseName : name;
    addHelm(plan, files, { chart: dir, release, namespace, values, set, source: path });
  });
}

function addHelm(
  plan: RenderPlan,
  files: RepoFiles,
  target: Omit<Extract<RenderTarget, { tool: "helm" }>, "tool" | "inputs">,
): void {
  const chartFile = target.chart === "" ? "Chart.yaml" : `${target.chart}/Chart.yaml`;
  // Helm's own rules for both; checked here so neither can pass for a command-line flag.
  for (const [what, value] of [
    ["release name", target.release],
    ["namespace", target.namespace],
  ] as const) {
    if (!/^[a-z0-9]([-a-z0-9.]{0,51}[a-z0-9])?$/.test(value)) {
      plan.findings.push({
        file: target.source,
        line: 1,
        column: 1,
        severity: "error",
        rule: "render",
        message: `not rendered: ${what} "${value}" is not a valid Helm ${what} (lower-case letters, digits, "-" and ".")`,
      });
      return;
    }
  }
  const missing = unvendoredDependencies(files, target.chart);
  if (missing.length > 0) {
    plan.findings.push({
      file: chartFile,
      line: lineOfKey(files.text(chartFile), "dependencies", 0),
      column: 1,
      severity: "notice",
      rule: "render",
      message: `not rendered: chart dependencies ${missing.join(", ")} are not vendored under charts/, and Ferry renders without network (run helm dependency build and commit charts/)`,
    });
    return;
  }
  const inputs = new Set([target.chart, target.source]);
  for (const v of target.values) if (v.file) inputs.add(v.file);
  plan.targets.push({ tool: "helm", ...target, inputs });
}

/** Dependencies of Chart.yaml that are neither `file://` in the repo nor present under charts/. */
function unvendoredDependencies(files: RepoFiles, chart: string): string[] {
  const prefix = chart === "" ? "" : `${chart}/`;
  const [data] = files.documents(`${prefix}Chart.yaml`);
  const dependencies =
    isRecord(data) && Array.isArray(data.dependencies) ? data.dependencies.filter(isRecord) : [];
  return dependencies
    .filter((d) => {
      const name = typeof d.name === "string" ? d.name : "";
      const repository = typeof d.repository === "string" ? d.repository : "";
      if (repository.startsWith("file://")) {
        const local = resolveInRepo(chart, repository.slice("file://".length));
        return local === undefined || !files.isFile(local === "" ? "Chart.yaml" : `${local}/Chart.yaml`);
      }
      if (files.isFile(`${prefix}charts/${name}/Chart.yaml`)) return false;
      return ![...files.paths()].some((p) => p.startsWith(`${prefix}charts/${name}-`) && p.endsWith(".tgz"));
    })
    .map((d) => String(d.name));
}

function chartName(files: RepoFiles, chartFile: string): string | undefined {
  const [data] = files.documents(chartFile);
  return isRecord(data) && typeof data.name === "string" ? data.name : undefined;
}

/** An Argo CD repoURL naming this repo on any host: https, ssh or scp-like, with or without .git. */
function isSelf(url: unknown, self: RepoIdentity): boolean {
  if (typeof url !== "string") return false;
  const path = url
    .replace(/^[a-z+]+:\/\/[^/]+\//i, "")
    .replace(/^[\w.-]+@[\w.-]+:/, "")
    .replace(/\.git$/, "")
    .replace(/\/$/, "")
    .toLowerCase();
  return path === `${self.owner}/${self.repo}`.toLowerCase();
}

function isKustomizeConfig(data: unknown): boolean {
  const apiVersion = isRecord(data) ? data.apiVersion : undefined;
  return typeof apiVersion !== "string" || apiVersion.startsWith("kustomize.config.k8s.io/");
}

/** The line of the first `key:` in the index-th document of a text, else the document's first line. */
function lineOfKey(text: string | undefined, key: string, index: number): number {
  if (text === undefined) return 1;
  const lines = text.split("\n");
  let doc = 0;
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    if (/^---/.test(lines[i] as string) && i > 0) {
      doc++;
      if (doc === index) start = i + 1;
      continue;
    }
    if (doc === index && new RegExp(`^\\s*${key}:`).test(lines[i] as string)) return i + 1;
    if (doc > index) break;
  }
  return start + 1;
}
