import type { Context } from "probot";
import type { AppDeps } from "../app.js";
import { parseMarker } from "../promotion/marker.js";

const passing = new Set(["success", "neutral", "skipped"]);

/**
 * Where GitHub auto-merge is unavailable, Ferry merges an `autoMerge` environment's PR itself
 * once every check on its head has completed and passed. Apps with checks:write hear every
 * check suite complete, so this runs whichever CI finishes last.
 */
export async function onCheckSuiteCompleted(
  context: Context<"check_suite.completed">,
  deps: AppDeps,
): Promise<void> {
  const suite = context.payload.check_suite;
  const prs = suite.pull_requests.filter((p) => p.head.ref.startsWith("ferry/"));
  if (prs.length === 0) return;
  const repo = context.repo();
  const loaded = await deps.configs.load(context.octokit, repo);
  for (const ref of prs) {
    const { data: pr } = await context.octokit.rest.pulls.get({ ...repo, pull_number: ref.number });
    const marker = parseMarker(pr.body);
    const env = loaded?.config.environments.find((e) => e.name === marker?.env);
    if (pr.state !== "open" || pr.auto_merge || !env?.autoMerge || pr.head.sha !== suite.head_sha) continue;
    const runs = await context.octokit.paginate(context.octokit.rest.checks.listForRef, {
      ...repo,
      ref: pr.head.sha,
      per_page: 100,
    });
    const pending = runs.filter((r) => r.status !== "completed" || !passing.has(r.conclusion ?? ""));
    if (runs.length === 0 || pending.length > 0) continue;
    await context.octokit.rest.pulls.merge({
      ...repo,
      pull_number: pr.number,
      merge_method: "squash",
      sha: pr.head.sha,
    });
    context.log.info(
      { pr: pr.html_url },
      `merged ${pr.title}: all ${runs.length} checks passed and ${env.name} has autoMerge`,
    );
  }
}
