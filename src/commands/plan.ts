import { readFileSync, statSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { parseArgs } from "node:util";
import picomatch from "picomatch";
import { configPath, parseFerryConfig } from "../config/load.js";
import type { AppConfig, FerryConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { parseImageReference, sameImage } from "../images/reference.js";
import { mayNameImage } from "../manifests/prefilter.js";
import { decodeYamlBytes, tooLarge } from "../manifests/safe-text.js";
import type { SourceFile } from "../manifests/sites.js";
import { defaultYamlLimits } from "../manifests/yaml-file.js";
import { plural } from "../plural.js";
import { findingLine, renderPlanText, unifiedDiff } from "../promotion/plan-render.js";
import {
  type PlanUpdateInput,
  planUpdate,
  planUpdateWith,
  type UpdatePlan,
} from "../promotion/plan-update.js";
import { type Io, processIo } from "./io.js";

export const usage = `usage: ferry plan --image <image:tag[@digest]> --env <environment> [options] [dir]

Shows what Ferry's pull request would change to bring the image to the environment: every
reference under the environment's paths (file:line, old → new) and a unified diff.
Reads only the checkout in dir (default: .); needs no GitHub.
  --image REF    the new image, e.g. ghcr.io/acme/api:1.4.2 (a digest may follow: …@sha256:…)
  --env NAME     the environment from ferry.yml
  --digest D     the image's digest, when not given in --image
  --app NAME     the app, when several in ferry.yml use the same image
  --config PATH  ferry.yml (default: dir/.github/ferry.yml)
  --json         print the plan as JSON
  --write        also write the changed files (a local dry run of the PR)
Exit status: 0 changes planned; 3 nothing to change (already current);
             1 errors (unreadable YAML, a rule refuses the tag, image not found);
             2 usage error (bad arguments, unknown environment or app).
`;

/** Exit codes, documented in docs/image-references.md. */
export const exitCodes = { planned: 0, errors: 1, usage: 2, current: 3 } as const;

interface Options {
  dir: string;
  image: string;
  env: string;
  digest: string | undefined;
  app: string | undefined;
  config: string | undefined;
  json: boolean;
  write: boolean;
}

class UsageError extends Error {}

const skippedDirectories = new Set([".git", "node_modules"]);
/** Files left to parse after the prefilter, from which the plan runs on worker threads. */
const minFilesForWorkers = 200;

/** `ferry plan`: see `usage` for options and exit codes. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(usage);
    return exitCodes.planned;
  }
  try {
    return await plan(parseOptions(argv), io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`ferry plan: ${error.message}\n${usage}`);
    return exitCodes.usage;
  }
}

async function plan(options: Options, io: Io): Promise<number> {
  const dirStat = await stat(options.dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) throw new UsageError(`${options.dir} is not a directory`);
  const reference = parseImageReference(options.image);
  if (!reference.ok) throw new UsageError(reference.errors);
  const tag = reference.value.tag;
  if (tag === undefined) throw new UsageError(`--image ${options.image} has no tag; give image:tag`);
  if (
    options.digest !== undefined &&
    reference.value.digest !== undefined &&
    options.digest !== reference.value.digest
  ) {
    throw new UsageError("--digest differs from the digest in --image");
  }
  const digest = options.digest ?? reference.value.digest;
  if (digest !== undefined) {
    const checked = parseImageReference(`${reference.value.name}@${digest}`);
    if (!checked.ok) throw new UsageError(checked.errors);
  }

  const shownConfig = options.config ?? configPath;
  const configText = await readFile(options.config ?? join(options.dir, configPath), "utf8").catch(
    () => undefined,
  );
  if (configText === undefined)
    throw new UsageError(`no ferry config at ${options.config ?? join(options.dir, configPath)}`);
  const parsed = parseFerryConfig(configText, shownConfig);
  if (!parsed.ok) {
    io.stdout(`${parsed.errors.map(findingLine).join("\n")}\n${shownConfig} is invalid; fix it first\n`);
    return exitCodes.errors;
  }
  const config = parsed.value;
  const environment = config.environments.find((e) => e.name === options.env);
  if (environment === undefined) {
    throw new UsageError(
      `unknown environment "${options.env}"; ${shownConfig} has ${config.environments.map((e) => e.name).join(", ")}`,
    );
  }
  const app = chooseApp(config, options);

  const { files, findings: readFindings } = await readEnvironmentFiles(options.dir, environment.paths);
  const input = { files, environment, app, target: { tag, digest }, configPath: shownConfig };
  const result = await plannedOnThreads(input, workerThreads());
  const planResult: UpdatePlan = { ...result, findings: [...readFindings, ...result.findings] };

  if (options.write) {
    for (const change of planResult.changes)
      await writeFile(join(options.dir, change.path), change.after, "utf8");
  }
  const target = `${tag}${digest === undefined ? "" : `@${digest}`}`;
  if (options.json) {
    io.stdout(
      `${JSON.stringify(
        {
          app: app.name,
          environment: environment.name,
          image: app.image,
          target: { tag, ...(digest === undefined ? {} : { digest }) },
          alreadyCurrent: planResult.alreadyCurrent,
          written: options.write,
          changes: planResult.changes.map((c) => ({
            path: c.path,
            references: c.references,
            diff: unifiedDiff(c),
          })),
          references: planResult.references,
          findings: planResult.findings,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const heading = `Plan: ${app.name} (${app.image}) → ${target} in ${environment.name} [${environment.paths.join(", ")}]`;
    io.stdout(renderPlanText(planResult, heading, tag));
    if (options.write && planResult.changes.length > 0)
      io.stdout(`Wrote ${plural(planResult.changes.length, "file")}.\n`);
  }
  if (planResult.findings.some((f) => f.severity === "error")) return exitCodes.errors;
  return planResult.changes.length > 0 ? exitCodes.planned : exitCodes.current;
}

function parseOptions(argv: string[]): Options {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw new UsageError(`expected at most one directory, got ${positionals.join(" ")}`);
  if (values.image === undefined) throw new UsageError("--image is required");
  if (values.env === undefined) throw new UsageError("--env is required");
  return {
    dir: positionals[0] ?? ".",
    image: values.image,
    env: values.env,
    digest: values.digest,
    app: values.app,
    config: values.config,
    json: values.json ?? false,
    write: values.write ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      image: { type: "string" },
      env: { type: "string" },
      digest: { type: "string" },
      app: { type: "string" },
      config: { type: "string" },
      json: { type: "boolean" },
      write: { type: "boolean" },
    },
  });
}

/**
 * planUpdate, on worker threads when many files name the image: the prefilter runs here first
 * (a string search), since after it most repos leave a few files to parse, less work than
 * starting a worker.
 */
async function plannedOnThreads(input: PlanUpdateInput, threads: number): Promise<UpdatePlan> {
  const image = parseImageReference(input.app.image);
  const toParse = image.ok ? input.files.filter((f) => mayNameImage(f.text, image.value)).length : 0;
  if (threads === 0 || toParse < minFilesForWorkers) return planUpdate(input);
  const { createOffLoop } = await import("../workers/pool.js");
  const offLoop = createOffLoop({ threads });
  try {
    return await planUpdateWith(input, (files, request) => offLoop.rewrite(files, request));
  } finally {
    await offLoop.close();
  }
}

/**
 * FERRY_WORKER_THREADS, else none: unlike validation, a plan's per-file work (0.3 ms) is too
 * small for workers to repay their start and the copies of every text; on 2 cores they made
 * `ferry plan` slower even with 5,000 files naming the image (docs/benchmarks.md).
 */
function workerThreads(): number {
  const text = process.env.FERRY_WORKER_THREADS;
  const threads = text === undefined ? 0 : Number(text);
  if (!Number.isInteger(threads) || threads < 0 || threads > 64)
    throw new UsageError(`FERRY_WORKER_THREADS must be a whole number from 0 to 64, got "${text}"`);
  return threads;
}

/** The app whose image is the one given (or the one named by --app). */
function chooseApp(config: FerryConfig, options: Options): AppConfig {
  if (options.app !== undefined) {
    const named = config.apps.find((a) => a.name === options.app);
    if (named === undefined) throw new UsageError(`no app named "${options.app}" in ferry.yml`);
    if (!sameImage(named.image, options.image)) {
      throw new UsageError(`app ${named.name} uses ${named.image}, not the image of ${options.image}`);
    }
    return named;
  }
  const matching = config.apps.filter((a) => sameImage(a.image, options.image));
  const [only] = matching;
  if (only === undefined || matching.length > 1) {
    throw new UsageError(
      matching.length === 0
        ? `no app in ferry.yml has image ${options.image}; apps: ${config.apps.map((a) => `${a.name} (${a.image})`).join(", ") || "none"}`
        : `several apps use this image (${matching.map((a) => a.name).join(", ")}); choose one with --app`,
    );
  }
  return only;
}

/** Files under `dir` matching the environment's globs, repo-relative with `/`; unreadable ones are marked so (the scan reports YAML ones). */
async function readEnvironmentFiles(
  dir: string,
  globs: readonly string[],
): Promise<{ files: SourceFile[]; findings: Finding[] }> {
  const inEnvironment = picomatch([...globs], { dot: true });
  const paths: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(current, entry.name);
      // Symbolic links are not followed: a link loop would never end.
      if (entry.isDirectory()) {
        if (!skippedDirectories.has(entry.name)) await walk(full);
      } else if (entry.isFile() && inEnvironment(relative(dir, full).split(sep).join("/"))) {
        paths.push(full);
      }
    }
  };
  await walk(dir);
  paths.sort();
  // Synchronous reads: nothing else runs while the command reads its checkout, and each
  // asynchronous read costs a thread-pool round trip (10,000 files: 0.1 s of CPU, not 0.55 s).
  const files = paths.map((full): SourceFile => {
    const path = relative(dir, full).split(sep).join("/");
    const { size } = statSync(full);
    // Exact bytes in, exact bytes out: a BOM is kept, and text that is not UTF-8 is not touched.
    // A file that cannot be read is marked so; the scan reports it when it is YAML.
    const decoded =
      size > defaultYamlLimits.maxBytes
        ? tooLarge(size, defaultYamlLimits.maxBytes)
        : decodeYamlBytes(readFileSync(full), defaultYamlLimits.maxBytes);
    return "text" in decoded ? { path, text: decoded.text } : { path, text: "", unreadable: decoded };
  });
  return { files, findings: [] };
}
