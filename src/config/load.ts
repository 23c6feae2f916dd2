import { type Document, isMap, isNode, isScalar, type Node } from "yaml";
import type { z } from "zod";
import type { Finding } from "../findings.js";
import type { Unreadable } from "../manifests/safe-text.js";
import {
  defaultYamlLimits,
  documentData,
  parseYamlFile,
  positionOf,
  unreadableFinding,
  type YamlFile,
  type YamlLimits,
} from "../manifests/yaml-file.js";
import { configPath } from "./path.js";
import { type FerryConfig, ferryConfigSchema } from "./schema.js";

export { configPath };

/** A valid ferry.yml may still carry warnings: settings that are allowed but probably not meant. */
export type ConfigResult =
  | { ok: true; value: FerryConfig; warnings: Finding[] }
  | { ok: false; errors: Finding[] };

/**
 * ferry.yml is read on the event loop by every push and build, from any repo of the
 * installation: a tighter size limit than manifests get (a large organisation's is tens of KB).
 */
export const configYamlLimits: YamlLimits = { ...defaultYamlLimits, maxBytes: 1024 * 1024 };

/**
 * Parses and validates ferry.yml. Every error names the key path and the line and column
 * of the offending node, so it can become a check run annotation. A file read as bytes may
 * come marked unreadable (binary, not UTF-8, too large): that is an error too.
 */
export function parseFerryConfig(
  input: string | { text: string; unreadable?: Unreadable | undefined },
  path = configPath,
): ConfigResult {
  const { text, unreadable } = typeof input === "string" ? { text: input, unreadable: undefined } : input;
  if (unreadable !== undefined) {
    return { ok: false, errors: [asConfigFinding(unreadableFinding(path, unreadable))] };
  }
  const file = parseYamlFile(path, text, configYamlLimits);
  if (file.findings.length > 0) return { ok: false, errors: file.findings.map(asConfigFinding) };
  const doc = file.documents[0];
  if (doc === undefined || file.documents.length > 1) {
    return { ok: false, errors: [configError(path, 1, 1, "ferry.yml must hold exactly one YAML document")] };
  }
  let data: unknown;
  try {
    data = documentData(file, doc);
  } catch (error) {
    return { ok: false, errors: [configError(path, 1, 1, (error as Error).message)] };
  }
  const parsed = ferryConfigSchema.safeParse(data ?? {});
  if (parsed.success) return { ok: true, value: parsed.data, warnings: warnings(file, doc, parsed.data) };
  return { ok: false, errors: parsed.error.issues.map((issue) => issueFinding(file, doc, issue)) };
}

/** An app without `source` takes no builds: allowed (ChatOps and the chain still promote it), but said. */
function warnings(file: YamlFile, doc: Document.Parsed, config: FerryConfig): Finding[] {
  return config.apps.flatMap((app, i) => {
    if (app.source !== undefined) return [];
    const { node } = locate(doc, ["apps", i], undefined);
    const { line, column } = positionOf(file, node?.range?.[0] ?? 0);
    return [
      {
        file: file.path,
        line,
        column,
        severity: "warning" as const,
        rule: "config",
        message:
          `apps.${i}.source (missing): no build promotes ${app.name}. source names the owner/repo whose ` +
          "builds (workflow runs, releases, packages, ferry-build dispatches) may promote this app; builds " +
          "from any other repository are refused. Set it, e.g. source: acme/api.",
      },
    ];
  });
}

function issueFinding(file: YamlFile, doc: Document.Parsed, issue: z.core.$ZodIssue): Finding {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  const { node, keyNode, depth } = locate(
    doc,
    path,
    issue.code === "unrecognized_keys" ? issue.keys[0] : undefined,
  );
  const target = keyNode ?? node;
  const offset = target?.range?.[0] ?? 0;
  const { line, column } = positionOf(file, offset);
  const where = path.length > 0 ? path.join(".") : "(top level)";
  const missing = depth < path.length;
  return configError(
    file.path,
    line,
    column,
    `${where}${missing ? " (missing)" : ""}: ${describe(issue, missing)}`,
  );
}

/** The deepest existing node on `path`, and the key node of an unrecognized key when given. */
function locate(
  doc: Document.Parsed,
  path: (string | number)[],
  unknownKey: string | undefined,
): { node: Node | undefined; keyNode: Node | undefined; depth: number } {
  let node: Node | undefined = doc.contents ?? undefined;
  let depth = 0;
  for (const key of path) {
    const next =
      isNode(node) && "get" in node
        ? (node as { get(k: unknown, keep: true): unknown }).get(key, true)
        : undefined;
    if (!isNode(next)) break;
    node = next;
    depth++;
  }
  let keyNode: Node | undefined;
  if (unknownKey !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === unknownKey);
    if (pair && isNode(pair.key)) keyNode = pair.key;
  }
  return { node, keyNode, depth };
}

function describe(issue: z.core.$ZodIssue, missing: boolean): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  if (issue.code === "invalid_type" && missing) return `required ${issue.expected} is missing`;
  return issue.message;
}

function asConfigFinding(finding: Finding): Finding {
  return { ...finding, rule: "config", message: `YAML: ${finding.message}` };
}

function configError(file: string, line: number, column: number, message: string): Finding {
  return { file, line, column, severity: "error", rule: "config", message };
}
