import type { Probot } from "probot";
import type { AppDeps } from "../app.js";
import type { Octokit, RepoRef } from "../github/repo-client.js";
import { auditPush } from "./audit.js";
import { type GuardedPull, guardPullRequest } from "./guard.js";

/** PR events and "Re-run" on Ferry's checks run the guard; default-branch pushes are audited. */
export function registerGuard(app: Pick<Probot, "on">, deps: AppDeps): void {
  app.on(
    [
      "pull_request.opened",
      "pull_request.synchronize",
      "pull_request.reopened",
      "pull_request.ready_for_review",
      "pull_request.labeled",
      "pull_request.unlabeled",
    ],
    async (context) => {
      const action = context.payload.action;
      // Labels matter only for the rollback override.
      if (
        (action === "labeled" || action === "unlabeled") &&
        context.payload.label?.name !== "ferry:rollback"
      )
        return;
      // The PR is read afresh: a queued run may stand for several events (src/jobs/ferry-job.ts),
      // and GitHub does not promise delivery order, so the newest head is what gets checked.
      await guardLatest(
        context.octokit,
        context.repo(),
        context.payload.pull_request.number,
        deps,
        context.log,
      );
    },
  );
  app.on("check_suite.rerequested", async (context) => {
    for (const ref of context.payload.check_suite.pull_requests)
      await guardLatest(context.octokit, context.repo(), ref.number, deps, context.log);
  });
  app.on("check_run.rerequested", async (context) => {
    if (!context.payload.check_run.name.startsWith("Ferry / ")) return;
    for (const ref of context.payload.check_run.pull_requests)
      await guardLatest(context.octokit, context.repo(), ref.number, deps, context.log);
  });
  app.on("push", async (context) => {
    const { installation, repository } = context.payload;
    // Only config repos are audited; the index of config repos is cached per installation.
    if (
      installation &&
      (await deps.configRepos.isConfigRepo(context.octokit, installation.id, repository.full_name))
    ) {
      await auditPush(context);
    }
  });
}

/** Guards PR `number` as GitHub has it now, if it is still open. */
export async function guardLatest(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  deps: AppDeps,
  log: Parameters<typeof guardPullRequest>[4],
) {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
  if (data.state === "open") await guardPullRequest(octokit, repo, guarded(data), deps, log);
}

function guarded(pr: {
  number: number;
  base: { sha: string };
  head: { sha: string; ref: string };
  body: string | null;
  labels: { name?: string }[];
}): GuardedPull {
  return {
    number: pr.number,
    base: pr.base.sha,
    head: pr.head.sha,
    headRef: pr.head.ref,
    body: pr.body,
    labels: pr.labels.flatMap((l) => (l.name ? [l.name] : [])),
  };
}
