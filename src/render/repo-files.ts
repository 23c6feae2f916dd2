import { LineCounter } from "yaml";
import { defaultYamlLimits, parseYamlSafely } from "../manifests/safe-yaml.js";
import { isKustomizationPath, kustomizePatchPaths } from "../manifests/validate-kustomization.js";

/** One side (base or head) of the repo as the planner sees it: texts by repo path. */
export class RepoFiles {
  readonly texts: ReadonlyMap<string, string>;
  private readonly dirs = new Set<string>([""]);
  private readonly parsed = new Map<string, unknown[]>();
  private patches: Set<string> | undefined;

  constructor(files: Iterable<{ path: string; text: string }>) {
    const texts = new Map<string, string>();
    for (const { path, text } of files) {
      texts.set(path, text);
      for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) this.dirs.add(path.slice(0, i));
    }
    this.texts = texts;
  }

  text(path: string): string | undefined {
    return this.texts.get(path);
  }

  isFile(path: string): boolean {
    return this.texts.has(path);
  }

  isDir(path: string): boolean {
    return this.dirs.has(path);
  }

  paths(): IterableIterator<string> {
    return this.texts.keys();
  }

  /** The kustomization file of a directory, as kustomize looks for it. */
  kustomizationIn(dir: string): string | undefined {
    for (const name of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
      const path = dir === "" ? name : `${dir}/${name}`;
      if (this.texts.has(path)) return path;
    }
    return undefined;
  }

  /** Files some kustomization applies as a patch: fragments, never objects to render. */
  patchFiles(): ReadonlySet<string> {
    this.patches ??= kustomizePatchPaths(
      [...this.texts].filter(([path]) => isKustomizationPath(path)).map(([path, text]) => ({ path, text })),
    );
    return this.patches;
  }

  /** Plain data of every document of a YAML file that parses cleanly; [] otherwise. */
  documents(path: string): unknown[] {
    let documents = this.parsed.get(path);
    if (documents === undefined) {
      documents = parse(this.texts.get(path));
      this.parsed.set(path, documents);
    }
    return documents;
  }
}

/**
 * Through the same limits as every other piece of repository YAML (nesting, aliases, keys,
 * tokens, documents, a CPU budget): a file the validator refuses gives nothing to render from.
 */
function parse(text: string | undefined): unknown[] {
  if (text === undefined || text.length > 4 * 1024 * 1024) return [];
  try {
    const parsed = parseYamlSafely(text, new LineCounter(), defaultYamlLimits);
    if ("refusal" in parsed) return [];
    return parsed.documents.flatMap((doc) =>
      doc.errors.length > 0 ? [] : [doc.toJS({ maxAliasCount: 100 }) as unknown],
    );
  } catch {
    return [];
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
