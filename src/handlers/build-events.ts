import type { Probot } from "probot";
import type { AppDeps } from "../app.js";
import {
  type Build,
  buildFromDispatch,
  buildFromRegistryPackage,
  buildFromRelease,
  buildFromWorkflowRun,
} from "../promotion/build.js";
import { handleBuild } from "./builds.js";

type BuildContext = Parameters<Parameters<Probot["on"]>[1]>[0];

/** Every way a build is announced, turned into one `Build` and handed to `handleBuild`. */
export function registerBuildEvents(app: Probot, deps: AppDeps): void {
  const run = async (context: BuildContext, build: Build | undefined) => {
    const installation = (context.payload as { installation?: { id: number } }).installation?.id;
    if (build === undefined || installation === undefined) return;
    await handleBuild(context.octokit, installation, build, deps, context.log);
  };
  app.on("workflow_run.completed", (context) => run(context, buildFromWorkflowRun(context.payload)));
  app.on("registry_package.published", (context) =>
    run(context, buildFromRegistryPackage(context.payload, deps.clock())),
  );
  app.on("release.published", (context) => run(context, buildFromRelease(context.payload, deps.clock())));
  app.on("repository_dispatch", async (context) => {
    const { build, error } = buildFromDispatch(context.payload, deps.clock());
    if (error)
      context.log.warn(
        { repo: context.payload.repository.full_name },
        `ignored repository_dispatch: ${error}`,
      );
    await run(context, build);
  });
  // The config-repo index is rebuilt lazily after any change that could move it.
  app.on(["installation_repositories", "installation"], (context) => {
    const id = context.payload.installation.id;
    deps.configRepos.invalidate(id);
  });
}
