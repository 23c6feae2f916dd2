/** Whether a path names a kustomization file (kustomize looks for exactly these names). */
export function isKustomizationPath(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base === "kustomization.yaml" || base === "kustomization.yml" || base === "Kustomization";
}
