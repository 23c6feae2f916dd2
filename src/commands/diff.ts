import { execFile, spawn } from "node:child_process";
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { configPath, parseFerryConfig } from "../config/load.js";
import { renderEnvironments } from "../render/environments.js";
import { resolveTools } from "../render/tools.js";
import type { TreeFile } from "../render/tree.js";
import { type Io, processIo } from "./io.js";

const exec = promisify(execFile);

export const usage = `usage: ferry diff [dir] [--base REF] [--head REF] [--env E] [--config path]

Renders the environments a change touches (kubectl's kustomize, helm template) at two points of
a git checkout and prints the rendered diff per object, then the findings on the rendered objects.
  --base REF     the base (default: HEAD)
  --head REF     the head (default: the working tree, uncommitted changes included)
  --env E        only environment E
  --config path  ferry.yml to use (default: .github/ferry.yml of the head)
kubectl and helm come from FERRY_KUBECTL / FERRY_HELM, else from PATH.
Exit status: 0 no errors, 1 errors found (a render failure counts), 2 usage error.
`;

/** Files larger than this are not read: no manifest is that big, and Git LFS pointers are not charts. */
const maxFileBytes = 8 * 1024 * 1024;

/** `ferry diff`: the rendered diff between two points of a local checkout. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  let options: { dir: string; base: string; head?: string; env?: string; config?: string };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        base: { type: "string", default: "HEAD" },
        head: { type: "string" },
        env: { type: "string" },
        config: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      io.stdout(usage);
      return 0;
    }
    if (positionals.length > 1)
      throw new Error(`expected at most one directory, got ${positionals.join(" ")}`);
    options = {
      dir: positionals[0] ?? ".",
      base: values.base ?? "HEAD",
      ...(values.head ? { head: values.head } : {}),
      ...(values.env ? { env: values.env } : {}),
      ...(values.config ? { config: values.config } : {}),
    };
  } catch (error) {
    io.stderr(`ferry diff: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  let base: TreeFile[];
  let head: TreeFile[];
  try {
    base = await treeAt(options.dir, options.base);
    head =
      options.head === undefined ? await workingTree(options.dir) : await treeAt(options.dir, options.head);
  } catch (error) {
    io.stderr(`ferry diff: ${(error as Error).message.split("\n")[0]}\n`);
    return 2;
  }
  const headConfig = head.find((f) => f.path === configPath);
  const configText = options.config
    ? await readFile(options.config, "utf8").catch(() => undefined)
    : headConfig && "text" in headConfig
      ? headConfig.text
      : undefined;
  if (configText === undefined) {
    io.stderr(
      `ferry diff: no ${options.config ?? configPath}; Ferry needs its environments to know what to render\n`,
    );
    return 2;
  }
  const parsed = parseFerryConfig(configText, options.config ?? configPath);
  if (!parsed.ok) {
    for (const f of parsed.errors) io.stderr(`${f.file}:${f.line}:${f.column}: ${f.message}\n`);
    return 2;
  }
  let config = parsed.value;
  if (options.env !== undefined) {
    const environment = config.environments.find((e) => e.name === options.env);
    if (environment === undefined) {
      io.stderr(
        `ferry diff: unknown environment "${options.env}"; ferry.yml defines: ${config.environments.map((e) => e.name).join(", ")}\n`,
      );
      return 2;
    }
    config = { ...config, environments: [environment] };
  }
  const results = await renderEnvironments({
    config,
    base,
    head,
    changed: changedPaths(base, head),
    self: await originRepo(options.dir),
    tools: resolveTools({ kubectl: process.env.FERRY_KUBECTL, helm: process.env.FERRY_HELM }),
  });
  let errors = 0;
  if (results.length === 0) io.stdout("No environment is touched by this change.\n");
  for (const result of results) {
    io.stdout(`# ${result.environment.name}\n`);
    if (result.skipped) io.stdout(`not rendered: ${result.skipped}\n`);
    else if (result.diffs.length === 0) io.stdout("no rendered change\n");
    for (const d of result.diffs) io.stdout(`\n## ${d.key} (${d.change})\n${d.patch}\n`);
    if (result.findings.length > 0) io.stdout("\n");
    for (const f of result.findings) {
      if (f.severity === "error") errors++;
      io.stdout(`${f.file}:${f.line}:${f.column}: ${f.severity} ${f.message} [${f.rule}]\n`);
    }
    io.stdout("\n");
  }
  return errors > 0 ? 1 : 0;
}

/** Every file of a commit, read from git objects (links as links; submodules and huge blobs left out). */
async function treeAt(dir: string, ref: string): Promise<TreeFile[]> {
  if (ref.startsWith("-")) throw new Error(`"${ref}" is not a git ref`);
  const { stdout } = await exec("git", ["-C", dir, "ls-tree", "-r", "-z", "--full-tree", "-l", ref, "--"], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const entries = stdout
    .split("\0")
    .filter((l) => l !== "")
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/);
      return { mode, type, sha, size: Number(size), path: line.slice(tab + 1) };
    })
    .filter((e) => e.type === "blob" && e.size <= maxFileBytes);
  const texts = await catBlobs(
    dir,
    entries.map((e) => e.sha as string),
  );
  return entries.flatMap((e, i): TreeFile[] => {
    const text = texts[i] ?? "";
    if (e.mode === "120000") return [{ path: e.path, symlink: text }];
    return text.slice(0, 8000).includes("\u0000") ? [] : [{ path: e.path, text }];
  });
}

/** Blob texts through one `git cat-file --batch`. */
function catBlobs(dir: string, shas: string[]): Promise<string[]> {
  if (shas.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", dir, "cat-file", "--batch"], { stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`git cat-file failed (${code})`));
      const all = Buffer.concat(chunks);
      const out: string[] = [];
      let at = 0;
      for (let i = 0; i < shas.length; i++) {
        const eol = all.indexOf(10, at);
        const size = Number(all.subarray(at, eol).toString().split(" ")[2]);
        out.push(all.subarray(eol + 1, eol + 1 + size).toString("utf8"));
        at = eol + 1 + size + 1;
      }
      resolve(out);
    });
    child.stdin.end(`${shas.join("\n")}\n`);
  });
}

/** Tracked and untracked (not ignored) files of the working tree. */
async function workingTree(dir: string): Promise<TreeFile[]> {
  const { stdout } = await exec(
    "git",
    ["-C", dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const files: TreeFile[] = [];
  for (const path of [...new Set(stdout.split("\0").filter((p) => p !== ""))]) {
    const full = join(dir, path);
    const info = await lstat(full).catch(() => undefined);
    if (info === undefined) continue; // deleted, not yet staged
    if (info.isSymbolicLink()) files.push({ path, symlink: await readlink(full) });
    else if (info.isFile() && info.size <= maxFileBytes) {
      const text = await readFile(full, "utf8");
      if (!text.slice(0, 8000).includes("\u0000")) files.push({ path, text });
    }
  }
  return files;
}

/** owner/repo of the `origin` remote, so an Argo CD Application pointing at it is recognised. */
async function originRepo(dir: string): Promise<{ owner: string; repo: string }> {
  const url = await exec("git", ["-C", dir, "remote", "get-url", "origin"]).then(
    (r) => r.stdout.trim(),
    () => "",
  );
  const match = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return { owner: match?.[1] ?? "", repo: match?.[2] ?? "" };
}

function changedPaths(base: readonly TreeFile[], head: readonly TreeFile[]): string[] {
  const key = (f: TreeFile) => ("text" in f ? `t${f.text}` : `l${f.symlink}`);
  const before = new Map(base.map((f) => [f.path, key(f)]));
  const after = new Map(head.map((f) => [f.path, key(f)]));
  return [...new Set([...before.keys(), ...after.keys()])]
    .filter((p) => before.get(p) !== after.get(p))
    .sort();
}
