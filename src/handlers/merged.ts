import type { Context, Probot } from "probot";
import type { AppDeps } from "../app.js";
import { isImageTag } from "../images/reference.js";
import { parseMarker } from "../promotion/marker.js";
import { touchesConfig } from "./config-check.js";
import { queueReconcile } from "./reconcile.js";

const ferryBranchPattern = /^ferry\/([a-z0-9][a-z0-9-]*)\/[^/]+$/;

/** The report side's webhooks: merged Ferry PRs queue a reconcile check; ferry.yml pushes refresh its cache. */
export function registerReconcile(app: Pick<Probot, "on">, deps: AppDeps): void {
  app.on("pull_request.closed", (context) => onFerryPrMerged(context, deps));
  app.on("push", async (context) => {
    if (touchesConfig(context.payload.commits)) {
      deps.reconcile.configs.delete(context.payload.repository.full_name.toLowerCase());
    }
  });
}

/** `ferry/<env>/<app>` merged → `Ferry / reconcile (<env>)` queued on the merge commit, timeout armed. */
export async function onFerryPrMerged(context: Context<"pull_request.closed">, deps: AppDeps): Promise<void> {
  const pr = context.payload.pull_request;
  const envName = ferryBranchPattern.exec(pr.head.ref)?.[1];
  if (!pr.merged || envName === undefined || !pr.merge_commit_sha) return;
  const repo = context.repo();
  const loaded = await deps.configs.load(context.octokit, repo);
  const env = loaded?.config.environments.find((e) => e.name === envName);
  if (loaded === undefined || env === undefined) return;
  // The PR's marker names the app and tag it brought: the reconcile check's title says them.
  const marker = parseMarker(pr.body);
  await queueReconcile(
    { octokit: context.octokit, deps, repo, config: loaded.config, env, log: context.log },
    pr.merge_commit_sha,
    // The body is editable: only a marker for this branch's own app, with a valid tag, counts.
    marker?.env === env.name && pr.head.ref === `ferry/${env.name}/${marker.app}` && isImageTag(marker.tag)
      ? { app: marker.app, tag: marker.tag }
      : undefined,
  );
  context.log.info({ env: env.name, sha: pr.merge_commit_sha }, `reconcile check queued for ${pr.title}`);
}
