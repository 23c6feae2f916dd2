import { Piscina } from "piscina";
import type { FerryConfig } from "../config/schema.js";
import { type RewriteResult, rootKustomizations } from "../manifests/rewrite.js";
import type { SourceFile } from "../manifests/sites.js";
import { isKustomizationPath } from "../manifests/validate-kustomization.js";
import {
  checkEnvironment,
  type ManifestFile,
  mergeReports,
  type ValidateOptions,
  type ValidationReport,
} from "../policy/engine.js";
import type { ImageChange } from "../promotion/image-changes.js";
import type { RewriteRequest } from "../promotion/plan-update.js";
import * as tasks from "./tasks.js";

/**
 * CPU-heavy work (parsing, validation) off the event loop, shared by the app and the CLI. With
 * threads it runs on a Piscina pool of worker threads; with none it runs in this thread, as
 * before (same results: the pool only splits the files and merges the reports).
 *
 * Workers are for latency, not isolation: a V8 fatal error in a worker still ends the process.
 */
export interface OffLoop {
  /** validateFiles, split over the workers; `progress` hears how many files are done. */
  validate(
    options: ValidateOptions,
    progress?: (done: number, total: number) => void,
  ): Promise<ValidationReport>;
  /** imageChanges (promotion/image-changes.ts) for a PR's environment files at base and head. */
  imageChanges(
    config: FerryConfig,
    base: readonly SourceFile[],
    head: readonly SourceFile[],
  ): Promise<ImageChange[]>;
  /** runRewrite (promotion/plan-update.ts) over an environment's files, split over the workers. */
  rewrite(files: readonly SourceFile[], request: RewriteRequest): Promise<RewriteResult>;
  /** Stops the workers; tasks still queued are refused. */
  close(): Promise<void>;
}

/** Files per task: small enough for steady progress and even sharing, large enough to amortise a message. */
const minShare = 100;
const maxShare = 1000;

/**
 * The pool (started lazily, at the first task), or this thread when `threads` is 0. From the
 * TypeScript sources (tsx, tests) the workers load tsx too; the built app runs plain JavaScript.
 */
export function createOffLoop(options: { threads: number; filesPerTask?: number }): OffLoop {
  if (options.threads <= 0) return inThread();
  let pool: Piscina | undefined;
  const run = <T>(name: keyof typeof tasks, input: unknown): Promise<T> => {
    pool ??= startPool(options.threads);
    return pool.run(input, { name }) as Promise<T>;
  };
  return {
    async validate(validateOptions, progress) {
      checkEnvironment(validateOptions.config, validateOptions.environment);
      const { files, contextFiles = [], maxFileBytes } = validateOptions;
      // What every share needs from the others, read once: Chart.yaml paths, kustomize patches
      // and kustomization documents (the context files count only through these).
      const chartPaths = [...files, ...contextFiles].filter((f) => isChart(f.path)).map((f) => f.path);
      const byKind = (f: ManifestFile) => isKustomizationPath(f.path);
      const read = await Promise.all(
        share(files.filter(byKind), options.threads, undefined).map((part, i) =>
          run<ReturnType<typeof tasks.kustomizations>>("kustomizations", {
            files: part,
            paths: chartPaths,
            contextFiles: i === 0 ? contextFiles.filter(byKind) : [],
            ...(maxFileBytes === undefined ? {} : { maxFileBytes }),
          }),
        ),
      );
      const documents = new Map(read.flatMap((r) => r.files).map((f) => [f.path, f.documents]));
      const context = read.flatMap((r) => r.context);
      const patches = [...new Set(read.flatMap((r) => r.patches))];
      const total = files.length;
      let done = 0;
      const reports = await Promise.all(
        share(files, options.threads, options.filesPerTask).map(async (part) => {
          const own = new Set(part.map((f) => f.path));
          const kustomizations = [...documents].flatMap(([path, docs]) => (own.has(path) ? [] : docs));
          const { contextFiles: _context, ...rest } = validateOptions;
          const input: ValidateOptions = {
            ...rest,
            files: part,
            siblings: { paths: chartPaths, patches, kustomizations: [...kustomizations, ...context] },
          };
          const report = await run<ValidationReport>("validate", input);
          done += part.length;
          progress?.(done, total);
          return report;
        }),
      );
      return mergeReports(reports);
    },
    async imageChanges(config, base, head) {
      const found = await run<ReturnType<typeof tasks.changedImages>>("changedImages", {
        config,
        base,
        head,
      });
      return withConfig(config, found);
    },
    async rewrite(files, request) {
      // Roots are a fact of the whole environment, not of one share.
      const roots = request.addToKustomization
        ? [...rootKustomizations(files.map((f) => f.path))]
        : undefined;
      const shared = { ...request, ...(roots === undefined ? {} : { kustomizationRoots: roots }) };
      const results = await Promise.all(
        share(files, options.threads, options.filesPerTask).map((part) =>
          run<RewriteResult>("rewrite", { files: part, request: shared }),
        ),
      );
      // Each file is rewritten on its own: the shares, in order, give what one call would.
      return {
        changes: results.flatMap((r) => r.changes),
        references: results.flatMap((r) => r.references),
        findings: results.flatMap((r) => r.findings),
      };
    },
    async close() {
      await pool?.destroy();
      pool = undefined;
    },
  };
}

function inThread(): OffLoop {
  return {
    async validate(options, progress) {
      const report = await tasks.validate(options);
      progress?.(options.files.length, options.files.length);
      return report;
    },
    async imageChanges(config, base, head) {
      return withConfig(config, tasks.changedImages({ config, base, head }));
    },
    async rewrite(files, request) {
      return tasks.rewrite({ files, request });
    },
    async close() {},
  };
}

function startPool(threads: number): Piscina {
  const fromSource = import.meta.url.endsWith(".ts");
  return new Piscina({
    filename: new URL(`./tasks.${fromSource ? "ts" : "js"}`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // Workers stay warm: starting one costs more than most tasks.
    idleTimeout: Number.POSITIVE_INFINITY,
    execArgv: fromSource ? ["--import", "tsx"] : [],
  });
}

/** Consecutive shares of the files, a few per worker. */
function share(files: readonly ManifestFile[], threads: number, fixed: number | undefined): ManifestFile[][] {
  const size = fixed ?? Math.min(maxShare, Math.max(minShare, Math.ceil(files.length / (threads * 4))));
  const shares: ManifestFile[][] = [];
  for (let i = 0; i < files.length; i += size) shares.push(files.slice(i, i + size));
  return shares.length > 0 ? shares : [[]];
}

function isChart(path: string): boolean {
  return path === "Chart.yaml" || path.endsWith("/Chart.yaml");
}

/** Changes found in a worker, pointing at this thread's config objects again. */
function withConfig(config: FerryConfig, found: ReturnType<typeof tasks.changedImages>): ImageChange[] {
  return found.map(({ env, app, change }) => ({
    ...change,
    env: config.environments[env] as FerryConfig["environments"][number],
    app: config.apps[app] as FerryConfig["apps"][number],
  }));
}
