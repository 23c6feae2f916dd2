import type { AppConfig, EnvironmentConfig, FerryConfig } from "../config/schema.js";

/** The environments an app goes through, in config order. */
export function appEnvironments(config: FerryConfig, app: AppConfig): EnvironmentConfig[] {
  return config.environments.filter(
    (e) => app.environments === undefined || app.environments.includes(e.name),
  );
}

/** Where builds land directly: the app's environments that come after none of its others. */
export function firstEnvironments(config: FerryConfig, app: AppConfig): EnvironmentConfig[] {
  const envs = appEnvironments(config, app);
  const names = new Set(envs.map((e) => e.name));
  return envs.filter((e) => e.after === undefined || !names.has(e.after));
}

/** The environments that come right after `env` for this app: where a healthy `env` promotes to. */
export function nextEnvironments(config: FerryConfig, app: AppConfig, env: string): EnvironmentConfig[] {
  return appEnvironments(config, app).filter((e) => e.after === env);
}

/** The environment a tag must be healthy in before `env`, if any. */
export function previousEnvironment(config: FerryConfig, env: string): EnvironmentConfig | undefined {
  const after = config.environments.find((e) => e.name === env)?.after;
  return after === undefined ? undefined : config.environments.find((e) => e.name === after);
}
