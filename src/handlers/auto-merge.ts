import type { Context } from "probot";
import type { AppDeps } from "../app.js";
import { ownAppId } from "../github/app-identity.js";
import { checksOn, mergeOrSayWhy, protectedChecks } from "../github/self-merge.js";
import { validateCheckName } from "../policy/render-check.js";
import { parseMarker } from "../promotion/marker.js";
import { mergeReadiness } from "../promotion/merge-readiness.js";
import { promotionCheckName } from "../promotion/promotion-check.js";

/**
 * Where GitHub auto-merge is unavailable (not allowed in the repo, or the base branch has no
 * protection to wait for), Ferry merges an `autoMerge` environment's PR itself once Ferry's own
 * checks and the checks the base branch requires have passed and nothing else is running or
 * failed. Ferry hears every check suite of the head complete (its own and other apps', e.g.
 * CI), so this runs after whichever finishes last.
 */
export async function onCheckSuiteCompleted(
  context: Context<"check_suite.completed">,
  deps: AppDeps,
): Promise<void> {
  const suite = context.payload.check_suite;
  const prs = suite.pull_requests.filter((p) => p.head.ref.startsWith("ferry/"));
  if (prs.length === 0) return;
  const repo = context.repo();
  const octokit = context.octokit;
  const loaded = await deps.configs.load(octokit, repo);
  for (const ref of prs) {
    // One decision per PR at a time: two suites completing together must not both merge.
    await deps.locks.run(`merge:${repo.owner}/${repo.repo}#${ref.number}`, async () => {
      const { data: pr } = await octokit.rest.pulls.get({ ...repo, pull_number: ref.number });
      const env = loaded?.config.environments.find((e) => e.name === parseMarker(pr.body)?.env);
      if (pr.state !== "open" || pr.auto_merge || !env?.autoMerge || pr.head.sha !== suite.head_sha) return;
      // Ferry's own checks count only as Ferry's runs; another app may post under their names.
      const appId = await ownAppId(octokit);
      const required = [
        { name: validateCheckName, appId },
        { name: promotionCheckName, appId },
        ...(await protectedChecks(octokit, repo, pr.base.ref)).map((name) => ({ name })),
      ];
      const readiness = mergeReadiness(await checksOn(octokit, repo, pr.head.sha), required);
      if (!readiness.ready) {
        const why =
          "failed" in readiness
            ? `failed: ${readiness.failed.join(", ")}`
            : `waiting for ${readiness.waiting.join(", ")}`;
        context.log.info({ pr: pr.html_url }, `not merging ${pr.title} yet: ${why}`);
        return;
      }
      const result = await mergeOrSayWhy(octokit, repo, { number: pr.number, headSha: pr.head.sha });
      if (result.merged)
        context.log.info(
          { pr: pr.html_url },
          `merged ${pr.title}: its checks passed and ${env.name} has autoMerge`,
        );
      else
        context.log.warn({ pr: pr.html_url, reason: result.reason }, `GitHub refused to merge ${pr.title}`);
    });
  }
}
