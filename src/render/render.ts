import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isMap, isSeq, parseDocument } from "yaml";
import type { Finding } from "../findings.js";
import { parseRendered, type RenderedObject } from "./objects.js";
import type { RenderTarget } from "./plan.js";
import { defaultRunLimits, type RunLimits, runTool } from "./run-tool.js";
import { withSandbox } from "./sandbox.js";
import type { TreeFile } from "./tree.js";

/** The binaries a render uses; undefined when not found (the render says it was skipped). */
export interface RenderTools {
  kubectl: string | undefined;
  helm: string | undefined;
  limits?: RunLimits;
}

export interface SideResult {
  objects: RenderedObject[];
  /** Render failures (the tool's message), sandbox refusals and skipped targets. */
  findings: Finding[];
  /** Ids (targetId) of the targets whose run failed. */
  failed: Set<string>;
}

/** The same render at base and head: a failed one is left out of the diff on both sides. */
export function targetId(target: RenderTarget): string {
  return target.tool === "kustomize"
    ? `kustomize ${target.dir} ${target.source}`
    : `helm ${target.chart} ${target.release} ${target.source}`;
}

/**
 * Renders every target over one side of the repo, in one sandbox (written once with the files
 * the targets read, removed afterwards); each tool run gets its own limits. A failed run is a finding on the target's
 * source file, with the tool's message.
 */
export async function renderSide(
  files: readonly TreeFile[],
  targets: readonly RenderTarget[],
  tools: RenderTools,
): Promise<SideResult> {
  const limits = tools.limits ?? defaultRunLimits;
  const roots = new Set(targets.flatMap((t) => (t.tool === "kustomize" ? [t.dir] : [])));
  const injected = new Set<string>();
  const prepared = files.map((file) => {
    if (!("text" in file) || !roots.has(dirOf(file.path)) || !isKustomizationName(file.path)) return file;
    const text = withOriginAnnotations(file.text);
    if (text === file.text) return file;
    injected.add(dirOf(file.path));
    return { path: file.path, text };
  });
  const inputs = [...new Set(targets.flatMap((t) => [...t.inputs]))];
  const needed = (path: string) => inputs.some((i) => i === "" || path === i || path.startsWith(`${i}/`));
  return withSandbox(
    prepared,
    async ({ repo, home, refused }) => {
      const result: SideResult = { objects: [], findings: [...refused], failed: new Set() };
      let valuesCount = 0;
      // Two runs at a time per side: the tools wait on the disk as much as on the CPU.
      const outcomes: SideResult[] = targets.map(() => ({ objects: [], findings: [], failed: new Set() }));
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < targets.length; i = next++)
          await renderOne(targets[i] as RenderTarget, outcomes[i] as SideResult);
      };
      const renderOne = async (target: RenderTarget, out: SideResult) => {
        const binary = target.tool === "kustomize" ? tools.kubectl : tools.helm;
        if (binary === undefined) return; // reported once per check by the caller
        let args: string[];
        if (target.tool === "kustomize") {
          // `./` keeps a directory named like a flag (`-x`) from being read as one.
          args = ["kustomize", "--load-restrictor", "LoadRestrictionsRootOnly", `./${target.dir}`];
        } else {
          args = [
            "template",
            target.release,
            `./${target.chart}`,
            "--namespace",
            target.namespace,
            "--include-crds",
            "--skip-tests",
          ];
          for (const source of target.values) {
            if (source.file !== undefined) args.push("--values", join(repo, source.file));
            else if (source.inline !== undefined) {
              const file = join(home, `values-${valuesCount++}.yaml`);
              const { values } = source.inline;
              await writeFile(file, typeof values === "string" ? values : JSON.stringify(values));
              args.push("--values", file);
            }
          }
          for (const { name, value, string } of target.set)
            args.push(string ? "--set-string" : "--set", `${name}=${value}`);
        }
        const run = await runTool(binary, args, { cwd: repo, home, limits });
        if (run.stopped === undefined && /fatal error: out of memory|cannot allocate memory/.test(run.stderr))
          run.stopped = `over the ${Math.round(limits.memoryBytes / 1024 / 1024)} MiB memory limit`;
        if (run.code !== 0 || run.stopped !== undefined) {
          const what =
            target.tool === "kustomize"
              ? `kustomize build ${target.dir || "."}`
              : `helm template ${target.chart || "."}`;
          out.findings.push({
            file: target.source,
            line: 1,
            column: 1,
            severity: "error",
            rule: "render",
            message: `${what} failed${run.stopped ? ` (${run.stopped})` : ""}: ${toolMessage(run.stderr, [repo, home])}`,
          });
          out.failed.add(targetId(target));
          return;
        }
        out.objects.push(
          ...parseRendered(run.stdout, target, {
            keepOrigin: target.tool === "kustomize" && !injected.has(target.dir),
          }),
        );
      };
      await Promise.all([worker(), worker()]);
      // In the targets' order, whatever order the runs finished in.
      for (const out of outcomes) {
        result.objects.push(...out.objects);
        result.findings.push(...out.findings);
        for (const id of out.failed) result.failed.add(id);
      }
      return result;
    },
    needed,
  );
}

/** The root kustomization with `buildMetadata: [originAnnotations]`, so each object names its file. */
export function withOriginAnnotations(text: string): string {
  try {
    const doc = parseDocument(text);
    if (doc.errors.length > 0 || !isMap(doc.contents)) return text;
    const current = doc.get("buildMetadata", true);
    if (
      isSeq(current) &&
      current.items.some((i) => String((i as { value?: unknown }).value) === "originAnnotations")
    )
      return text;
    const list = isSeq(current) ? current.toJSON() : [];
    doc.set("buildMetadata", [...(Array.isArray(list) ? list : []), "originAnnotations"]);
    return doc.toString();
  } catch {
    return text;
  }
}

/**
 * A tool's error output as a finding shows it: the sandbox paths removed, colours stripped,
 * long base64-like runs (keys, certificates, secret data) redacted, bounded to 20 lines / 2 KB.
 */
export function toolMessage(stderr: string, paths: readonly string[]): string {
  // A Go runtime crash dump: the first line says what happened, the goroutines are noise.
  let text = stderr.split(/\ngoroutine \d+ /)[0] ?? "";
  for (const path of paths) text = text.split(`${path}/`).join("").split(path).join(".");
  text = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are control characters.
    .replace(/\u001b\[[0-9;]*m/g, "")
    .replace(/[A-Za-z0-9+/=_-]{40,}/g, "<redacted>")
    .trim();
  const lines = text.split("\n").slice(0, 20).join("\n");
  return (lines.length > 2000 ? `${lines.slice(0, 2000)}…` : lines) || "no error output";
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

function isKustomizationName(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base === "kustomization.yaml" || base === "kustomization.yml" || base === "Kustomization";
}
