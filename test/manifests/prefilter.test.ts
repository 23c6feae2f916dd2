import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseImageReference } from "../../src/images/reference.js";
import { type ScanOptions, scanFile } from "../../src/manifests/find.js";
import type { SourceFile } from "../../src/manifests/sites.js";

const yaml = (strings: TemplateStringsArray, ...values: unknown[]) => String.raw({ raw: strings }, ...values);
const testdata = join(import.meta.dirname, "..", "testdata");

/**
 * The references found in `file` with no prefilter at all: an explicit ferry.yml field (one that
 * names nothing) makes scanFile parse every file, which is what the prefilter must agree with.
 */
function everyReference(file: SourceFile, image: string) {
  const fields = [{ file: "**", path: "no.such.key", part: "tag" as const }];
  return scanFile(file, { image, fields }).sites.map((s) => s.info);
}

function prefiltered(file: SourceFile, options: ScanOptions) {
  const scan = scanFile(file, options);
  return { references: scan.sites.map((s) => s.info), parsed: scan.yaml !== undefined };
}

/** Every YAML file under test/testdata. */
function fixtures(): SourceFile[] {
  return readdirSync(testdata, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => ({
      path: relative(testdata, join(e.parentPath, e.name)),
      text: readFileSync(join(e.parentPath, e.name), "utf8"),
    }));
}

/** Image names a file spells (image:, repository:, name:, newName:, value: …), without pins. */
function imagesIn(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/["'\s=:-]([a-zA-Z0-9][\w.:-]*(?:\/[\w.-]+)*)/g)) {
    const parsed = parseImageReference(match[1] ?? "");
    if (parsed.ok) names.add(parsed.value.name);
  }
  return [...names];
}

const other = yaml`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:2.0.0
        - name: report
          image: ghcr.io/acme/api-report:2.0.0
`;

describe("the prefilter (files that cannot name the image are not parsed)", () => {
  it("skips a file that names the image's last component only inside other words", () => {
    // `api` is in apiVersion and in ghcr.io/acme/api-report: neither is the image ghcr.io/acme/api.
    const scan = prefiltered({ path: "web.yaml", text: other }, { image: "ghcr.io/acme/api" });
    expect(scan).toEqual({ references: [], parsed: false });
    expect(prefiltered({ path: "web.yaml", text: other }, { image: "ghcr.io/acme/web" }).parsed).toBe(true);
  });

  const pod = (image: string) => yaml`apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: ${image}
`;
  const spellings: [string, string, string][] = [
    // image sought, as a file spells it, why it must be found
    ["nginx", "nginx:1.27", "Docker Hub short name"],
    ["nginx", "library/nginx:1.27", "library/ prefix"],
    ["nginx", "docker.io/library/nginx:1.27", "fully qualified"],
    ["nginx", "index.docker.io/nginx:1.27", "the old Hub host"],
    ["docker.io/library/nginx", "nginx:1.27", "the sought name fully qualified"],
    ["redis", `redis@sha256:${"a".repeat(64)}`, "digest only"],
    ["docker.io/acme/api", "acme/api:1.0", "Hub user image, short"],
    ["acme/api", "docker.io/acme/api:1.0", "Hub user image, qualified"],
    ["ghcr.io/acme/api", '"ghcr.io/acme/api:1.0"', "double-quoted"],
    ["ghcr.io/acme/api", "'ghcr.io/acme/api:1.0'", "single-quoted"],
    ["ghcr.io/acme/api", '"ghcr.io\\/acme\\/api:1.0"', "escaped slashes"],
    ["ghcr.io/acme/api", '"ghcr.io/acme/\\x61pi:1.0"', "an escaped letter"],
    ["registry.local:5000/api", "registry.local:5000/api:1.0", "registry with a port"],
  ];
  it.each(spellings)("finds %s written as %s (%s)", (image, written) => {
    const file = { path: "pod.yaml", text: pod(written) };
    const expected = everyReference(file, image);
    expect(expected).toHaveLength(1);
    expect(prefiltered(file, { image }).references).toEqual(expected);
  });

  it("finds names split across a registry key (Helm values, Argo CD parameters)", () => {
    const values = yaml`image:
  registry: ghcr.io/acme
  repository: api
  tag: 1.4.1
`;
    const application = yaml`apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: api}
spec:
  source:
    helm:
      parameters:
        - {name: image.registry, value: ghcr.io/acme}
        - {name: image.repository, value: api}
        - {name: image.tag, value: 1.4.1}
`;
    for (const file of [
      { path: "values.yaml", text: values },
      { path: "app.yaml", text: application },
    ]) {
      const expected = everyReference(file, "ghcr.io/acme/api");
      expect(expected).toHaveLength(1);
      expect(prefiltered(file, { image: "ghcr.io/acme/api" }).references).toEqual(expected);
    }
  });

  it("finds every reference that a full parse finds, in every fixture, for every image it names", () => {
    let checked = 0;
    for (const file of fixtures()) {
      for (const image of imagesIn(file.text)) {
        expect(prefiltered(file, { image }).references, `${file.path}: ${image}`).toEqual(
          everyReference(file, image),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
