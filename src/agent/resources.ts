import type { ReportedKind } from "../reports/report.js";

/** Flux sources whose artifacts are not git commits themselves; the agent maps them to one. */
export type ArtifactKind = "OCIRepository" | "ExternalArtifact";
export type WatchedKind = ReportedKind | ArtifactKind;

/** A custom resource the agent watches, cluster-wide. */
export interface WatchedResource {
  group: string;
  version: string;
  plural: string;
  kind: WatchedKind;
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
  ocirepositories: {
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "ocirepositories",
    kind: "OCIRepository",
  },
  externalartifacts: {
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "externalartifacts",
    kind: "ExternalArtifact",
  },
} as const satisfies Record<string, WatchedResource>;

export type WatchedResourceName = keyof typeof watchedResources;
export const watchedResourceNames = Object.keys(watchedResources) as WatchedResourceName[];

export function isArtifactKind(kind: WatchedKind): kind is ArtifactKind {
  return kind === "OCIRepository" || kind === "ExternalArtifact";
}
