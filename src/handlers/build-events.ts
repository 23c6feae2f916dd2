import type { Probot } from "probot";
import type { AppDeps } from "../app.js";
import type { Octokit } from "../github/repo-client.js";
import {
  type BuildResult,
  buildFromDispatch,
  buildFromRegistryPackage,
  buildFromRelease,
  buildFromWorkflowRun,
} from "../promotion/build.js";
import { handleBuild } from "./builds.js";

type BuildContext = Parameters<Parameters<Probot["on"]>[1]>[0];

/** Every way a build is announced, turned into one `Build` and handed to `handleBuild`. */
export function registerBuildEvents(
  app: Pick<Probot, "on">,
  deps: AppDeps,
  auth: Pick<Probot, "auth" | "log">,
): void {
  // A build waiting for its attestation is handled again with a fresh installation client.
  deps.buildRetries.process(async (job) => {
    const octokit = (await auth.auth(job.installationId)) as Octokit;
    await handleBuild(octokit, job.installationId, job.build, deps, auth.log, { since: job.since });
  });
  const run = async (context: BuildContext, result: BuildResult) => {
    const payload = context.payload as { installation?: { id: number }; repository?: { full_name?: string } };
    if (!result.ok) {
      const where = { event: context.name, repo: payload.repository?.full_name };
      // A refused announcement is for operators (the sender cannot see Ferry's answer); GitHub sees nothing.
      if (result.errors.level === "warn") context.log.warn(where, `build refused: ${result.errors.reason}`);
      else context.log.debug(where, `not a build: ${result.errors.reason}`);
      return;
    }
    const installation = payload.installation?.id;
    if (installation === undefined) return;
    await handleBuild(context.octokit, installation, result.value, deps, context.log);
  };
  app.on("workflow_run.completed", (context) => run(context, buildFromWorkflowRun(context.payload)));
  app.on("registry_package.published", (context) =>
    run(context, buildFromRegistryPackage(context.payload, deps.clock())),
  );
  app.on("release.published", (context) => run(context, buildFromRelease(context.payload, deps.clock())));
  app.on("repository_dispatch", async (context) => {
    const result = buildFromDispatch(context.payload, deps.clock());
    if (!result.ok && result.errors.level === "warn")
      context.log.warn(
        { repo: context.payload.repository.full_name },
        `ignored repository_dispatch: ${result.errors.reason}`,
      );
    else await run(context, result);
  });
  // The config-repo index is rebuilt lazily after any change that could move it.
  app.on(["installation_repositories", "installation"], (context) => {
    const id = context.payload.installation.id;
    deps.configRepos.invalidate(id);
  });
}
