import { describe, expect, it } from "vitest";
import { diffRendered } from "../../src/render/diff.js";
import { renderEnvironments } from "../../src/render/environments.js";
import type { RenderedObject } from "../../src/render/objects.js";
import { objectKey } from "../../src/render/objects.js";
import type { RenderTarget } from "../../src/render/plan.js";
import { renderCheck } from "../../src/render/render-check.js";
import { config } from "../policy/helpers.js";

const target: RenderTarget = {
  tool: "kustomize",
  dir: "overlays/staging",
  source: "overlays/staging/kustomization.yaml",
  inputs: new Set(),
  patches: [],
};
const object = (data: Record<string, unknown>): RenderedObject => {
  const metadata = data.metadata as { name: string; namespace?: string };
  const o = {
    apiVersion: String(data.apiVersion),
    kind: String(data.kind),
    namespace: metadata.namespace ?? "",
    name: metadata.name,
  };
  return { ...o, key: objectKey(o), data, target };
};
const secret = (data: Record<string, string>) =>
  object({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "api" }, data });

describe("the rendered diff", () => {
  it("masks Secret values and says only whether each changed", () => {
    const [diff] = diffRendered(
      [secret({ user: "YWRtaW4=", password: "aHVudGVyMg==" })],
      [secret({ user: "YWRtaW4=", password: "c3dvcmRmaXNo", token: "dG9rZW4=" })],
    );
    expect(diff?.patch).not.toMatch(/aHVudGVyMg|c3dvcmRmaXNo|dG9rZW4|YWRtaW4/);
    expect(diff?.patch.split("\n").filter((l) => /^[-+] /.test(l))).toEqual([
      "-  password: <secret value>",
      "+  password: <secret value, changed>",
      "+  token: <secret value>",
    ]);
  });

  it("leaves out objects that render the same", () => {
    const cm = object({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } });
    expect(diffRendered([cm], [cm])).toEqual([]);
  });

  it("keeps the check run's text within GitHub's 65,535 bytes, collapsed per object, and says what it left out", () => {
    const many = (value: string) =>
      Array.from({ length: 80 }, (_, i) =>
        object({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `c${i}` },
          data: { big: value.repeat(2000) },
        }),
      );
    const diffs = diffRendered(many("é"), many("ü"));
    const check = renderCheck({
      environment: "staging",
      diffs,
      findings: [],
      rendered: { kustomize: 1, helm: 0 },
    });
    expect(Buffer.byteLength(check.text ?? "", "utf8")).toBeLessThanOrEqual(65_535);
    expect(Buffer.byteLength(check.summary, "utf8")).toBeLessThanOrEqual(65_535);
    expect(check.text).toMatch(/^<details><summary><code>ConfigMap c0<\/code> changed \(\+1 −1\)<\/summary>/);
    expect(check.text).toMatch(/…and \d+ more changed objects, over GitHub's size limit/);
    expect(check).toMatchObject({
      name: "Ferry / render (staging)",
      conclusion: "success",
      title: "80 objects changed",
    });
  });

  it("titles the changes once, with counts that agree with their nouns", () => {
    const cm = (name: string, value: string) =>
      object({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: value } });
    const title = (base: RenderedObject[], head: RenderedObject[]) =>
      renderCheck({
        environment: "staging",
        diffs: diffRendered(base, head),
        findings: [],
        rendered: { kustomize: 1, helm: 0 },
      }).title;
    expect(title([cm("a", "1")], [cm("a", "2")])).toBe("1 object changed");
    expect(title([cm("a", "1")], [cm("a", "2"), cm("b", "1"), cm("c", "1")])).toBe(
      "3 objects differ: 2 added, 1 changed",
    );
  });
});

describe("a missing binary", () => {
  it("makes the environment's render check neutral with the reason, never a success", async () => {
    const cfg = config({ environments: [{ name: "staging", paths: ["overlays/staging/**"] }] });
    const files = [
      { path: "overlays/staging/kustomization.yaml", text: "resources: [cm.yaml]\n" },
      { path: "overlays/staging/cm.yaml", text: "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n" },
    ];
    const [result] = await renderEnvironments({
      config: cfg,
      base: files,
      head: files,
      changed: ["overlays/staging/cm.yaml"],
      self: { owner: "acme", repo: "deploy" },
      tools: { kubectl: undefined, helm: undefined },
    });
    const check = renderCheck({ ...(result as NonNullable<typeof result>), environment: "staging" });
    expect(check).toMatchObject({
      conclusion: "neutral",
      title: "Not rendered",
      summary: "Ferry did not render staging: kubectl was not found (set FERRY_KUBECTL to its path).",
    });
  });
});

describe("an environment whose renders are all refused", () => {
  it("is neutral, lists why, and keeps the refusal when a file beside the kustomization changed", async () => {
    const cfg = config({ environments: [{ name: "staging", paths: ["overlays/staging/**"] }] });
    const files = [
      {
        path: "overlays/staging/kustomization.yaml",
        text: "resources:\n  - https://github.com/acme/bases//api?ref=v1\n  - cm.yaml\n",
      },
      { path: "overlays/staging/cm.yaml", text: "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n" },
    ];
    const [result] = await renderEnvironments({
      config: cfg,
      base: files,
      head: files,
      changed: ["overlays/staging/cm.yaml"],
      self: { owner: "acme", repo: "deploy" },
      tools: { kubectl: "/nonexistent/kubectl", helm: undefined },
    });
    const check = renderCheck({ ...(result as NonNullable<typeof result>), environment: "staging" });
    expect(check).toMatchObject({ conclusion: "neutral", title: "Not rendered" });
    expect(check.summary).toContain(
      'overlays/staging/kustomization.yaml:2`: not rendered: resources "https://github.com/acme/bases//api?ref=v1" is remote',
    );
  });
});
