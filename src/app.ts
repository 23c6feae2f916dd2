import type { ApplicationFunction } from "probot";
import { ConfigSource } from "./github/config-source.js";
import { listPullFiles } from "./github/repo-client.js";
import { onPullRequestCheckConfig, onPushCheckConfig } from "./handlers/config-check.js";

/** What the handlers share; built once at start-up and passed in, never imported as singletons. */
export interface AppDeps {
  configs: ConfigSource;
}

export function createDeps(): AppDeps {
  return { configs: new ConfigSource() };
}

/** Registers Ferry's webhook handlers; holds no logic of its own. */
export function ferryApp(deps: AppDeps): ApplicationFunction {
  return (app) => {
    app.on("push", (context) => onPushCheckConfig(context, deps.configs));
    app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"], async (context) => {
      const files = await listPullFiles(context.octokit, context.repo(), context.payload.pull_request.number);
      await onPullRequestCheckConfig(context, files);
    });
  };
}
