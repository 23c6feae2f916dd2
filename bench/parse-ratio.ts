/**
 * Ferry against a plain YAML parse of the same files, in one run (issue 14's goals):
 * `ferry validate`, `ferry plan` and the guard's image scan on a generated 10,000-file config
 * repo, each as a ratio of a single-threaded `yaml.parseAllDocuments` of every file, plus the
 * start-up of `ferry validate` on an empty folder.
 *
 *   npx tsx bench/parse-ratio.ts [files=10000] [--threads N] [--rounds R]
 *
 * Every measure runs in a fresh child process (so its peak RSS is its own), alternating rounds;
 * the figure is each measure's median over the rounds. The CLI runs as it ships: compiled
 * JavaScript (dist/cli.js, built from src/ once), `FERRY_WORKER_THREADS` = --threads (default 2).
 * The baseline walks, reads and parses every file on one thread, with the same Node.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { sharedBuild } from "../test/support/build.js";
import { environments, largeRepo, writeRepo } from "./support/large-repo.js";
import { machineNote, table } from "./support/measure.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: "string", default: "2" },
    rounds: { type: "string", default: "3" },
    baseline: { type: "string" },
    guard: { type: "string" },
  },
});

if (values.baseline !== undefined) baseline(values.baseline);
else if (values.guard !== undefined) await guard(values.guard);
else await main(Number(positionals[0] ?? 10_000), Number(values.threads), Number(values.rounds));

interface Sample {
  ms: number;
  /** CPU time (user + system) of the whole process, every thread. */
  cpuMs: number;
  rssMb: number;
  note: string;
}

async function main(count: number, threads: number, rounds: number): Promise<void> {
  const build = await sharedBuild();
  const cli = join(build, "dist", "cli.js");
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-ratio-"));
  const empty = join(dir, "empty");
  const repoDir = join(dir, "repo");
  mkdirSync(empty);
  try {
    const repo = largeRepo(count);
    writeRepo(repoDir, repo);
    const env = { ...process.env, FERRY_WORKER_THREADS: String(threads) };
    const measures: Record<string, () => Sample> = {
      baseline: () => child(["--import", "tsx", "bench/parse-ratio.ts", "--baseline", repoDir], env),
      validate: () => timed([cli, "validate", repoDir, "--format", "json"], env),
      plan: () =>
        timed([cli, "plan", "--image", "ghcr.io/acme/api:2.0.0", "--env", "staging", "--json", repoDir], env),
      guard: () => child(["--import", "tsx", "bench/parse-ratio.ts", "--guard", repoDir], env),
      "validate, empty folder": () => timed([cli, "validate", empty, "--format", "json"], env),
    };
    const samples = new Map<string, Sample[]>(Object.keys(measures).map((k) => [k, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of Object.entries(measures)) samples.get(name)?.push(run());
    }
    const median = (name: string) => {
      const sorted = [...(samples.get(name) ?? [])].sort((a, b) => a.ms - b.ms);
      return sorted[Math.floor(sorted.length / 2)] as Sample;
    };
    const base = median("baseline");
    const rows = Object.keys(measures).map((name) => {
      const s = median(name);
      const all = (samples.get(name) ?? []).map((x) => Math.round(x.ms)).join(", ");
      return [
        name,
        `${Math.round(s.ms)} ms`,
        name.startsWith("validate, empty") ? "" : `${(s.ms / base.ms).toFixed(2)}×`,
        `${Math.round(s.cpuMs)} ms`,
        `${Math.round(s.rssMb)} MB`,
        all,
        s.note,
      ];
    });
    process.stdout.write(
      `${machineNote()}\n${count} files (${(repo.bytes / 1e6).toFixed(1)} MB) in ${environments.length} environments; ` +
        `FERRY_WORKER_THREADS=${threads}; median of ${rounds} rounds\n\n` +
        `${table(["measure", "wall", "÷ baseline", "CPU", "peak RSS", "each round (ms)", "result"], rows)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the compiled CLI: wall time from spawn to exit, CPU and peak RSS from GNU time. */
function timed(args: string[], env: NodeJS.ProcessEnv): Sample {
  const started = performance.now();
  const result = spawnSync("/usr/bin/time", ["-f", "%M %U %S", process.execPath, ...args], {
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`${args.slice(1, 2).join(" ")} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  }
  const [rssKb = 0, user = 0, system = 0] = (result.stderr.trim().split("\n").at(-1) ?? "")
    .split(" ")
    .map(Number);
  return {
    ms,
    cpuMs: (user + system) * 1000,
    rssMb: rssKb / 1024,
    note: summary(args[1] ?? "", result.stdout),
  };
}

/** What a CLI run found, so a run that did nothing cannot pass for a fast one. */
function summary(command: string, stdout: string): string {
  const json = JSON.parse(stdout) as {
    filesChecked?: number;
    findings?: unknown[];
    changes?: unknown[];
    references?: unknown[];
  };
  return command === "validate"
    ? `${json.filesChecked} files checked, ${json.findings?.length} findings`
    : `${json.references?.length} references, ${json.changes?.length} files changed`;
}

/** A measure that times itself inside a child (after its imports) and prints a Sample. */
function child(args: string[], env: NodeJS.ProcessEnv): Sample {
  return JSON.parse(execFileSync(process.execPath, args, { env, encoding: "utf8" })) as Sample;
}

function readAll(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => {
      const full = join(e.parentPath, e.name);
      return { path: relative(dir, full), text: readFileSync(full, "utf8") };
    });
}

/** The baseline: walk, read and `yaml.parseAllDocuments` every file, on this one thread. */
async function baselineRun(dir: string): Promise<Sample> {
  const { parseAllDocuments } = await import("yaml");
  const started = performance.now();
  const cpu = process.cpuUsage();
  let documents = 0;
  for (const file of readAll(dir)) {
    const parsed = parseAllDocuments(file.text);
    documents += Array.isArray(parsed) ? parsed.length : 0;
  }
  const ms = performance.now() - started;
  const cpuMs = cpuSince(cpu);
  return { ms, cpuMs, rssMb: process.resourceUsage().maxRSS / 1024, note: `${documents} documents` };
}

function baseline(dir: string): void {
  void baselineRun(dir).then((s) => process.stdout.write(JSON.stringify(s)));
}

/**
 * The guard's image scan (`Ferry / promotion`): every configured app in every environment at the
 * PR's base and head, the head being a Ferry PR that moves api to 2.0.0 in staging. Timed from
 * the files in memory to the changes found, as the guard runs it.
 */
async function guard(dir: string): Promise<void> {
  const { parseFerryConfig } = await import("../src/config/load.js");
  const { imageChanges } = await import("../src/promotion/image-changes.js");
  const base = readAll(dir);
  const loaded = parseFerryConfig(readFileSync(join(dir, ".github/ferry.yml"), "utf8"));
  if (!loaded.ok) throw new Error("bench ferry.yml does not load");
  const head = base.map((f) =>
    f.path.startsWith("overlays/staging/api/")
      ? {
          ...f,
          text: f.text.replace(/(ghcr\.io\/acme\/api:)[\w.]+|newTag: "[^"]*"/g, (_m, p) =>
            p ? `${p}2.0.0` : 'newTag: "2.0.0"',
          ),
        }
      : f,
  );
  const started = performance.now();
  const cpu = process.cpuUsage();
  const changes = imageChanges(loaded.value, base, head);
  const ms = performance.now() - started;
  const cpuMs = cpuSince(cpu);
  const note = changes.map((c) => `${c.app.name}@${c.env.name}: ${c.sites.length} sites`).join("; ");
  process.stdout.write(JSON.stringify({ ms, cpuMs, rssMb: process.resourceUsage().maxRSS / 1024, note }));
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}
