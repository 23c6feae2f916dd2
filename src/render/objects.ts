import { parse, parseAllDocuments, stringify } from "yaml";
import type { RenderTarget } from "./plan.js";
import { isRecord } from "./repo-files.js";

/** One object of a render's output. */
export interface RenderedObject {
  /** `group/Kind namespace/name`: what identifies it in a cluster. */
  key: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  data: Record<string, unknown>;
  target: RenderTarget;
  /** kustomize: the repo path of the file the object came from (its origin annotation). */
  origin?: string;
  /** kustomize: the kustomization whose generator made it (`configMapGenerator`, `secretGenerator`). */
  generatedIn?: { file: string; field: string };
  /** helm: the template that produced it (`# Source:`), as a repo path. */
  template?: string;
}

export const originAnnotation = "config.kubernetes.io/origin";

/**
 * The objects of a rendered YAML stream. kustomize's origin annotation (which Ferry asked for)
 * becomes `origin` and is removed; Helm's `# Source:` comment becomes `template`.
 */
export function parseRendered(
  output: string,
  target: RenderTarget,
  options: { keepOrigin: boolean },
): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const doc of parseAllDocuments(output)) {
    if (doc.errors.length > 0) continue;
    const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    if (!isRecord(data) || typeof data.kind !== "string" || typeof data.apiVersion !== "string") continue;
    const metadata = isRecord(data.metadata) ? data.metadata : {};
    const object: RenderedObject = {
      key: "",
      apiVersion: data.apiVersion,
      kind: data.kind,
      // Helm installs objects without a namespace into the release's namespace.
      namespace:
        typeof metadata.namespace === "string"
          ? metadata.namespace
          : target.tool === "helm"
            ? target.namespace
            : "",
      name: typeof metadata.name === "string" ? metadata.name : "",
      data,
      target,
    };
    object.key = objectKey(object);
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : undefined;
    const origin = annotations?.[originAnnotation];
    if (annotations && typeof origin === "string") {
      const parsed = parse(origin) as {
        path?: unknown;
        configuredIn?: unknown;
        configuredBy?: { kind?: unknown };
      } | null;
      if (target.tool === "kustomize" && typeof parsed?.path === "string")
        object.origin = joinPath(target.dir, parsed.path);
      const kind = parsed?.configuredBy?.kind;
      if (target.tool === "kustomize" && typeof parsed?.configuredIn === "string" && typeof kind === "string")
        object.generatedIn = {
          file: joinPath(target.dir, parsed.configuredIn),
          field: `${kind.charAt(0).toLowerCase()}${kind.slice(1)}`,
        };
      if (!options.keepOrigin) {
        delete annotations[originAnnotation];
        if (Object.keys(annotations).length === 0) delete metadata.annotations;
      }
    }
    const comment = `${doc.commentBefore ?? ""}\n${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ""}`;
    const source = /Source: ([^\n]+)/.exec(comment)?.[1]?.trim();
    if (source !== undefined && target.tool === "helm") {
      // `<chart name>/templates/x.yaml`: the chart's directory in the repo replaces its name.
      const rest = source.slice(source.indexOf("/") + 1);
      object.template = target.chart === "" ? rest : `${target.chart}/${rest}`;
    }
    objects.push(object);
  }
  return objects;
}

export function objectKey(o: { apiVersion: string; kind: string; namespace: string; name: string }): string {
  const group = o.apiVersion.includes("/") ? o.apiVersion.slice(0, o.apiVersion.indexOf("/")) : "";
  return `${group === "" ? "" : `${group}/`}${o.kind} ${o.namespace === "" ? "" : `${o.namespace}/`}${o.name}`;
}

/** The object as YAML for a diff: one stable layout for base and head. */
export function objectText(data: unknown): string {
  return stringify(data, { lineWidth: 0, aliasDuplicateObjects: false });
}

function joinPath(dir: string, path: string): string {
  const parts: string[] = dir === "" ? [] : dir.split("/");
  for (const segment of path.split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== "." && segment !== "") parts.push(segment);
  }
  return parts.join("/");
}
