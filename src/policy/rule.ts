import type { Document } from "yaml";
import type { PolicyRuleId } from "../config/schema.js";
import type { Finding, Severity } from "../findings.js";
import type { YamlFile } from "../manifests/yaml-file.js";
import type { KustomizeOverrides } from "./images.js";
import { locate } from "./locate.js";

/** A Kubernetes object as parsed from YAML: only `apiVersion` and `kind` are known to be strings. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  [key: string]: unknown;
}

/** A key path inside one YAML document, e.g. `["spec", "template", "spec", "containers", 0, "image"]`. */
export type NodePath = readonly (string | number)[];

/** What a rule may know besides the object itself: where it is and how it is configured. */
export interface RuleContext {
  file: YamlFile;
  doc: Document.Parsed;
  /** The environment the file belongs to, if any. */
  environment: string | undefined;
  /** Resolved for this rule and environment; never `off` (the engine skips those rules). */
  severity: Severity;
  /** allowed-registries: image name prefixes that may be deployed. */
  registries: readonly string[];
  /** required-labels: labels every workload must carry. */
  labels: readonly string[];
  /** The environment's `digest: required` (digest-pinned reads it for its message). */
  digestRequired: boolean;
  /** Image overrides (`images:` of kustomization.yaml files) among the files being validated. */
  kustomizeOverrides: KustomizeOverrides;
  /**
   * A finding for this rule at the node `path` points at (or its nearest existing ancestor); a
   * `fix` is appended to the message after "; " and kept apart for the check's Fix column.
   */
  report(path: NodePath, message: string, fix?: string): Finding;
}

/** One policy rule: a pure check over one object. */
export interface PolicyRule {
  id: PolicyRuleId;
  /** One sentence, shown in docs, SARIF rule metadata and check summaries. */
  description: string;
  /** What to do about a finding, as a reviewer reads it in the check's Fix column (lower case, no full stop). */
  fix: string;
  defaultSeverity: Severity | "off";
  /**
   * The rule judges what an object lacks (resources, labels, a security context), so it needs
   * the whole object: it does not run on kustomize patches, only on whole and rendered objects.
   */
  wholeObject?: true;
  check(object: KubeObject, ctx: RuleContext): Finding[];
}

/** Builds the `report` helper of a context, anchoring findings to the YAML node. */
export function reporter(
  file: YamlFile,
  doc: Document.Parsed,
  rule: string,
  severity: Severity,
): (path: NodePath, message: string, fix?: string) => Finding {
  return (path, message, fix) => ({
    ...locate(file, doc, path),
    severity,
    rule,
    message: fix ? `${message}; ${fix}` : message,
    ...(fix ? { fix } : {}),
  });
}
