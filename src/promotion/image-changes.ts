import picomatch from "picomatch";
import type { AppConfig, EnvironmentConfig, FerryConfig } from "../config/schema.js";
import { findImageReferences } from "../manifests/find.js";
import type { ImageSite, SourceFile } from "../manifests/sites.js";
import { appEnvironments, environmentMatcher } from "./environments.js";

/** How a PR moves one app's image in one environment. */
export interface ImageChange {
  env: EnvironmentConfig;
  app: AppConfig;
  /** Distinct tags at the base (usually one). */
  from: string[];
  /** Distinct pins at the head among the changed references (one, unless they disagree). */
  to: { tag?: string; digest?: string }[];
  /** Where the head pins changed. */
  sites: { file: string; line: number }[];
}

/** Every (environment, app) whose image pins differ between base and head. Pure. */
export function imageChanges(
  config: FerryConfig,
  base: readonly SourceFile[],
  head: readonly SourceFile[],
): ImageChange[] {
  const changes: ImageChange[] = [];
  for (const app of config.apps) {
    const fields = app.fields.map((f) => ({ f, match: picomatch(f.file, { dot: true }) }));
    const fieldsFor = (path: string) => fields.filter((x) => x.match(path)).map((x) => x.f);
    for (const env of appEnvironments(config, app)) {
      const inEnv = environmentMatcher(env.paths);
      const refs = (files: readonly SourceFile[]) =>
        findImageReferences(
          files.filter((f) => inEnv(f.path)),
          { image: app.image, fieldsFor },
        ).references;
      const before = new Map(refs(base).map((r) => [siteKey(r), r]));
      const changed = refs(head).filter((r) => {
        const old = before.get(siteKey(r));
        return old === undefined || old.tag !== r.tag || old.digest !== r.digest;
      });
      if (changed.length === 0) continue;
      changes.push({
        env,
        app,
        from: distinct([...before.values()].map((r) => r.tag ?? "")).filter((t) => t !== ""),
        to: distinctPins(changed),
        sites: changed.map((r) => ({ file: r.file, line: r.line })),
      });
    }
  }
  return changes;
}

function siteKey(r: ImageSite): string {
  return `${r.file}#${r.document}#${r.path}`;
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

function distinctPins(sites: ImageSite[]): { tag?: string; digest?: string }[] {
  const seen = new Map<string, { tag?: string; digest?: string }>();
  for (const s of sites) {
    seen.set(`${s.tag ?? ""}@${s.digest ?? ""}`, {
      ...(s.tag ? { tag: s.tag } : {}),
      ...(s.digest ? { digest: s.digest } : {}),
    });
  }
  return [...seen.values()];
}
