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

/**
 * Every (environment, app) whose image pins differ between base and head. Pure. Only head files
 * whose text differs from the base can pin anything new, so only they are scanned at the head;
 * the base is scanned (every file of the environment, for `from`) only for an app that changed.
 * Files that cannot name the image are skipped unparsed by the scan's prefilter.
 */
export function imageChanges(
  config: FerryConfig,
  base: readonly SourceFile[],
  head: readonly SourceFile[],
): ImageChange[] {
  const baseText = new Map(base.map((f) => [f.path, f.text]));
  const edited = head.filter((f) => baseText.get(f.path) !== f.text);
  const envFiles = new Map(
    config.environments.map((env) => {
      const inEnv = environmentMatcher(env.paths);
      return [env, { base: base.filter((f) => inEnv(f.path)), edited: edited.filter((f) => inEnv(f.path)) }];
    }),
  );
  const changes: ImageChange[] = [];
  for (const app of config.apps) {
    const fields = app.fields.map((f) => ({ f, match: picomatch(f.file, { dot: true }) }));
    const fieldsFor = (path: string) => fields.filter((x) => x.match(path)).map((x) => x.f);
    const refs = (files: readonly SourceFile[]) =>
      findImageReferences(files, { image: app.image, fieldsFor }).references;
    for (const env of appEnvironments(config, app)) {
      const files = envFiles.get(env);
      if (files === undefined || files.edited.length === 0) continue;
      const atHead = refs(files.edited);
      if (atHead.length === 0) continue;
      const before = new Map(refs(files.base).map((r) => [siteKey(r), r]));
      const changed = atHead.filter((r) => {
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
