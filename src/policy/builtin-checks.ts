/**
 * Checks the engine runs besides the policy rules; their findings carry these ids as `rule`.
 * Listed so SARIF output and docs can describe every id a finding may carry.
 */
export const builtinChecks: readonly { id: string; description: string }[] = [
  { id: "yaml", description: "The file is valid YAML." },
  { id: "yaml-duplicate-key", description: "No mapping has the same key twice." },
  { id: "yaml-limits", description: "The file is within Ferry's size and document-count limits." },
  {
    id: "schema",
    description:
      "The object conforms to its Kubernetes schema (core types, Argo CD, Flux, sealed-secrets, external-secrets).",
  },
  {
    id: "unknown-kind",
    description: "The object's kind has no schema in Ferry: a notice, or an error in a strict environment.",
  },
  { id: "kustomization", description: "kustomization.yaml has the shape kustomize reads." },
  { id: "image-reference", description: "Every container image is a valid image reference." },
];
