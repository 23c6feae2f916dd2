import type { ReportedKind } from "../reports/report.js";

/** A custom resource the agent watches, cluster-wide. */
export interface WatchedResource {
  group: string;
  version: string;
  plural: string;
  kind: ReportedKind;
}

export const watchedResources = {
  applications: { group: "argoproj.io", version: "v1alpha1", plural: "applications", kind: "Application" },
  kustomizations: {
    group: "kustomize.toolkit.fluxcd.io",
    version: "v1",
    plural: "kustomizations",
    kind: "Kustomization",
  },
  helmreleases: {
    group: "helm.toolkit.fluxcd.io",
    version: "v2",
    plural: "helmreleases",
    kind: "HelmRelease",
  },
} as const satisfies Record<string, WatchedResource>;

export type WatchedResourceName = keyof typeof watchedResources;
export const watchedResourceNames = Object.keys(watchedResources) as WatchedResourceName[];
