import type { Logger, Probot } from "probot";
import { configCheckName } from "../checks/config-check.js";
import { describeGitHubFailure } from "../github/failure.js";
import { fitBody } from "../github/limits.js";
import { type Octokit, publishCheckRun, type RepoRef } from "../github/repo-client.js";
import { auditCheckName } from "../handlers/audit.js";
import { couldNotFinish } from "../handlers/guard.js";
import { validateCheckName } from "../policy/render-check.js";
import { promotionCheckName } from "../promotion/promotion-check.js";
import type { QueuedJob } from "../queue/work-queue.js";
import type { FerryJob } from "./ferry-job.js";

interface EventPayload {
  installation?: { id?: number };
  repository?: { full_name?: string; default_branch?: string };
  pull_request?: { number?: number };
  check_suite?: { pull_requests?: { number: number }[] };
  check_run?: { pull_requests?: { number: number }[] };
  issue?: { number?: number };
  comment?: { id?: number };
  sender?: { login?: string };
  ref?: string;
  after?: string;
  deleted?: boolean;
}

/**
 * A job that failed for good (no attempt left, or not worth retrying) is said where its user
 * looks: the PR's guard checks concluded with the reason, a failed `Ferry / config` or
 * `Ferry / audit` on the pushed commit, a reply to a ChatOps comment. Every kind is logged;
 * it stays in the queue's failed set. Best effort: GitHub may still be down.
 */
export async function giveUp(
  d: { probot: Probot; log: Logger },
  job: QueuedJob<FerryJob>,
  thrown: unknown,
): Promise<void> {
  // Probot gathers the errors of an event's handlers; the first one says what went wrong.
  const error = thrown instanceof AggregateError && thrown.errors.length > 0 ? thrown.errors[0] : thrown;
  d.log.error(
    { err: error, job: job.type, id: job.id, attempts: job.attempt },
    `job ${job.type} failed for good`,
  );
  try {
    await sayWhere(d.probot, job, error);
  } catch (e) {
    d.log.error({ err: e, job: job.type, id: job.id }, "could not say on GitHub that the job failed either");
  }
}

async function sayWhere(probot: Probot, job: QueuedJob<FerryJob>, error: unknown): Promise<void> {
  const data = job.data;
  if (data.kind === "guard") {
    const octokit = (await probot.auth(data.installationId)) as Octokit;
    return concludeGuard(octokit, data.repo, [data.pr], error);
  }
  if (data.kind !== "event") return;
  const payload = data.event.payload as EventPayload;
  const installation = payload.installation?.id;
  const [owner = "", name = ""] = (payload.repository?.full_name ?? "").split("/");
  if (installation === undefined || !owner) return;
  const repo = { owner, repo: name };
  const octokit = (await probot.auth(installation)) as Octokit;
  const reason = describeGitHubFailure(error);
  switch (job.type) {
    case "guard": {
      const pulls = payload.pull_request?.number
        ? [payload.pull_request.number]
        : (payload.check_suite ?? payload.check_run)?.pull_requests?.map((p) => p.number);
      return concludeGuard(octokit, repo, pulls ?? [], error);
    }
    case "config-check":
    case "audit": {
      if (
        payload.deleted ||
        payload.ref !== `refs/heads/${payload.repository?.default_branch}` ||
        !payload.after
      )
        return;
      const check = job.type === "config-check" ? configCheckName : auditCheckName;
      await publishCheckRun(octokit, repo, payload.after, {
        name: check,
        conclusion: "failure",
        title: "Ferry could not finish this check",
        summary: `Ferry failed while checking this push: ${reason}. Push again or re-run the check; if it keeps failing, tell your platform team.`,
        annotations: [],
      });
      return;
    }
    case "chatops": {
      if (payload.issue?.number === undefined) return;
      await octokit.rest.issues.createComment({
        ...repo,
        issue_number: payload.issue.number,
        body: fitBody(
          `@${payload.sender?.login ?? "someone"} Ferry could not run this command: ${reason}. Try it again later.`,
        ),
      });
      return;
    }
  }
}

/** Both guard checks on each PR's current head, concluded with the reason. */
async function concludeGuard(
  octokit: Octokit,
  repo: RepoRef,
  pulls: number[],
  error: unknown,
): Promise<void> {
  for (const number of pulls) {
    const { data: pr } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    if (pr.state !== "open") continue;
    for (const name of [validateCheckName, promotionCheckName])
      await publishCheckRun(octokit, repo, pr.head.sha, couldNotFinish(name, error));
  }
}
