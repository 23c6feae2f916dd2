import picomatch from "picomatch";
import type { AppConfig, EnvironmentConfig, FerryConfig } from "../config/schema.js";

/** The environments an app goes through, in config order. */
export function appEnvironments(config: FerryConfig, app: AppConfig): EnvironmentConfig[] {
  return config.environments.filter((e) => goesThrough(app, e.name));
}

/**
 * The environments a tag must be verified healthy in before it may come to `env`, for this app:
 * `env.after` without those the app skips. Several names are a fan-in: every one must be verified.
 */
export function upstreamEnvironments(env: EnvironmentConfig, app: AppConfig): string[] {
  return (env.after ?? []).filter((name) => goesThrough(app, name));
}

/** Where builds land directly: the app's environments that come after none of its others. */
export function firstEnvironments(config: FerryConfig, app: AppConfig): EnvironmentConfig[] {
  return appEnvironments(config, app).filter((e) => upstreamEnvironments(e, app).length === 0);
}

/** The environments that come right after `env` for this app: where a healthy `env` promotes to. */
export function nextEnvironments(config: FerryConfig, app: AppConfig, env: string): EnvironmentConfig[] {
  return appEnvironments(config, app).filter((e) => upstreamEnvironments(e, app).includes(env));
}

/** Configuration, not manifests: nothing under `.github/` is ever read as an environment's file. */
const notManifests = [".github/**"];

/** Whether a repo path belongs to an environment with these `paths` globs. */
export function environmentMatcher(paths: readonly string[]): (path: string) => boolean {
  return picomatch([...paths], { dot: true, ignore: notManifests });
}

function goesThrough(app: AppConfig, env: string): boolean {
  return app.environments === undefined || app.environments.includes(env);
}
