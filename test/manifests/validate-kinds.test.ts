import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modelIndex } from "../../src/manifests/validate-kinds.js";

/** The packages whose models Ferry validates with; the table in validate-kinds.ts is derived from them. */
const packages = [
  "kubernetes-models",
  "@kubernetes-models/argo-cd",
  "@kubernetes-models/flux-cd",
  "@kubernetes-models/sealed-secrets",
  "@kubernetes-models/external-secrets",
];

const tablePath = "src/manifests/validate-kinds.ts";

/** apiVersion → module prefix and kinds, by walking `<pkg>/<group>/<version>/<Kind>.js`. */
async function scanInstalledModels(): Promise<Record<string, { module: string; kinds: string[] }>> {
  const index: Record<string, { module: string; kinds: string[] }> = {};
  for (const pkg of packages) {
    const root = join("node_modules", pkg);
    for (const group of readdirSync(root).sort()) {
      if (group.startsWith("_") || group === "node_modules" || !statSync(join(root, group)).isDirectory())
        continue;
      // The core group lives at `kubernetes-models/v1`, without a group directory.
      const versions =
        group === "v1"
          ? [""]
          : readdirSync(join(root, group)).filter((v) => statSync(join(root, group, v)).isDirectory());
      for (const version of versions.sort()) {
        const module = [pkg, group, version].filter((p) => p !== "").join("/");
        const dir = join("node_modules", module);
        for (const file of readdirSync(dir).sort()) {
          if (!file.endsWith(".js") || file === "index.js") continue;
          const kind = file.slice(0, -".js".length);
          if (kind.endsWith("List")) continue;
          const exported = (await import(`${module}/${kind}`)) as Record<string, unknown>;
          const model = exported[kind] as { apiVersion?: unknown; kind?: unknown } | undefined;
          if (typeof model?.apiVersion !== "string" || model.kind !== kind) continue;
          const entry = index[model.apiVersion] ?? { module, kinds: [] };
          entry.kinds.push(kind);
          index[model.apiVersion] = entry;
        }
      }
    }
  }
  return index;
}

function render(index: Record<string, { module: string; kinds: string[] }>): string {
  const lines = Object.entries(index).map(
    ([apiVersion, { module, kinds }]) =>
      `  ${JSON.stringify(apiVersion)}: {\n    module: ${JSON.stringify(module)},\n    kinds: [${kinds.map((k) => JSON.stringify(k)).join(", ")}],\n  },`,
  );
  const source = readFileSync(tablePath, "utf8");
  const start = source.indexOf("// BEGIN GENERATED");
  const end = source.indexOf("  // END GENERATED");
  return `${source.slice(0, source.indexOf("\n", start) + 1)}${lines.join("\n")}\n${source.slice(end)}`;
}

describe("the model table", () => {
  it("lists exactly the top-level kinds of the installed model packages (FERRY_UPDATE_KINDS=1 rewrites it)", async () => {
    const scanned = await scanInstalledModels();
    if (process.env.FERRY_UPDATE_KINDS === "1") writeFileSync(tablePath, render(scanned));
    expect(modelIndex).toEqual(scanned);
  });
});
