import type { Context, Probot } from "probot";
import { z } from "zod";
import type { AppDeps } from "../app.js";
import { type ActionId, newlyTicked, sameAction } from "../dashboard/actions.js";
import type { DashboardAction } from "../dashboard/model.js";
import { dashboardLabel, isDashboardBody } from "../dashboard/render.js";
import {
  hasWriteAccess,
  reactOnDashboard,
  readDashboard,
  replyOnDashboard,
} from "../github/dashboard-store.js";
import type { Command } from "../promotion/chatops.js";
import { driftLabel } from "../reports/drift.js";
import { healthLabel } from "../reports/health.js";
import { runCommand } from "./chatops.js";
import { touchesConfig } from "./config-check.js";

/** The fields of an `issues` webhook this handler reads (checked in webhook-shapes.ts). */
export const issuesPayload = z.object({
  action: z.string(),
  issue: z.object({
    number: z.number(),
    body: z.string().nullable().optional(),
    user: z.object({ type: z.string() }).nullable().optional(),
    labels: z.array(z.object({ name: z.string() })).optional(),
  }),
  changes: z.object({ body: z.object({ from: z.string() }).optional() }).optional(),
  sender: z.object({ login: z.string(), type: z.string() }),
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }) }),
});

/**
 * The dashboard's webhooks: ticks on it, and what changes what it shows besides reports (those
 * refresh it from src/handlers/reconcile.ts): Ferry PRs opened, updated, merged or closed and
 * drift and health issues opened or closed — Ferry's own doings included, as GitHub delivers an app's own
 * events to it —, the dashboard reopened, pushes to a config repo's default branch (merges, and
 * ferry.yml becoming valid, which creates the dashboard), and the app installed on a config repo.
 */
const repoList = z.array(z.object({ full_name: z.string().regex(/^[\w.-]+\/[\w.-]+$/) })).max(1000);
/** The repositories an installation event names (GitHub lists them for selected repositories). */
const installedRepos = z.object({
  installation: z.object({ id: z.number() }),
  repositories: repoList.optional(),
  repositories_added: repoList.optional(),
});

export function registerDashboard(app: Pick<Probot, "on">, deps: AppDeps): void {
  app.on("issues.edited", (context) => onDashboardEdited(context, deps));
  // A drift or health issue opened or closed, or the dashboard reopened (which turns it back on).
  app.on(["issues.opened", "issues.closed", "issues.reopened"], async (context) => {
    const labels = context.payload.issue.labels?.map((l) => l?.name) ?? [];
    if (
      labels.includes(driftLabel) ||
      labels.includes(healthLabel) ||
      (labels.includes(dashboardLabel) && context.payload.action === "reopened")
    )
      deps.dashboards.refreshDashboard(context.octokit, context.repo());
  });
  app.on(
    [
      "pull_request.opened",
      "pull_request.reopened",
      "pull_request.synchronize",
      "pull_request.edited",
      "pull_request.closed",
    ],
    async (context) => {
      if (context.payload.pull_request.head.ref.startsWith("ferry/"))
        deps.dashboards.refreshDashboard(context.octokit, context.repo());
    },
  );
  // Installed on a repo whose ferry.yml is valid already: no push will say so.
  app.on(["installation.created", "installation_repositories.added"], async (context) => {
    const parsed = installedRepos.safeParse(context.payload);
    if (!parsed.success) return;
    const { installation, repositories, repositories_added } = parsed.data;
    // Handlers of one event run in no set order: the index must see the new repositories.
    deps.configRepos.invalidate(installation.id);
    for (const { full_name } of repositories ?? repositories_added ?? []) {
      if (!(await deps.configRepos.isConfigRepo(context.octokit, installation.id, full_name))) continue;
      const [owner = "", repo = ""] = full_name.split("/");
      deps.dashboards.refreshDashboard(context.octokit, { owner, repo });
    }
  });
  app.on("push", async (context) => {
    const { payload } = context;
    if (payload.deleted || payload.ref !== `refs/heads/${payload.repository.default_branch}`) return;
    const installation = payload.installation?.id;
    if (
      touchesConfig(payload.commits) ||
      (installation !== undefined &&
        (await deps.configRepos.isConfigRepo(context.octokit, installation, payload.repository.full_name)))
    )
      deps.dashboards.refreshDashboard(context.octokit, context.repo());
  });
}

/**
 * A box ticked on the dashboard issue. A user with write access gets the action done through the
 * ChatOps code path, then a reply; anyone else gets a 👎 and nothing else. Either way the next
 * render unticks the box. The tick only names the action: what to promote or roll back to is
 * decided from GitHub's state now, and only actions the dashboard offers now are taken.
 */
export async function onDashboardEdited(context: Context<"issues.edited">, deps: AppDeps): Promise<void> {
  const { issue, sender, changes } = context.payload;
  // Ferry's own edits come back as webhooks too; and only Ferry's dashboard issue counts.
  if (sender.type === "Bot" || issue.user?.type !== "Bot" || !isDashboardBody(issue.body)) return;
  if (!issue.labels?.some((l) => l.name === dashboardLabel)) return;
  const ticked = newlyTicked(changes?.body?.from ?? "", issue.body ?? "");
  if (ticked.length === 0) return;
  const repo = context.repo();
  const { octokit } = context;
  if (!(await hasWriteAccess(octokit, repo, sender.login))) {
    context.log.info({ user: sender.login }, "dashboard tick without write access refused");
    await reactOnDashboard(octokit, repo, issue.number, "-1");
    deps.dashboards.refreshDashboard(octokit, repo);
    return;
  }
  const loaded = await deps.configs.load(octokit, repo);
  if (loaded === undefined) {
    await replyOnDashboard(
      octokit,
      repo,
      issue.number,
      `@${sender.login} this repository has no valid \`.github/ferry.yml\`.`,
    );
    return;
  }
  const { model } = await readDashboard(octokit, repo, loaded.config, deps.clock());
  const answers: string[] = [];
  for (const id of ticked) {
    const action = model.actions.find((a) => sameAction(a, id));
    answers.push(
      action === undefined ? notOffered(id) : (await runCommand(context, deps, commandFor(action))).text,
    );
  }
  const [only] = answers;
  await replyOnDashboard(
    octokit,
    repo,
    issue.number,
    `@${sender.login} ${answers.length === 1 && only ? only : `\n${answers.map((a) => `- ${a}`).join("\n")}`}`,
  );
  deps.dashboards.refreshDashboard(octokit, repo);
}

function commandFor(action: DashboardAction): Exclude<Command, { kind: "invalid" }> {
  if (action.kind === "rollback")
    return { kind: "rollback", app: action.app, env: action.env, reason: "ticked on the dashboard" };
  const tag = action.digest ? `${action.tag}@${action.digest}` : action.tag;
  return { kind: "promote", app: action.app, env: action.env, tag };
}

/** Names come from the id's pattern (lower-case letters, digits, `.`, `_`, `-`): safe as text. */
function notOffered(id: ActionId): string {
  return id.kind === "promote"
    ? `nothing waits to be promoted to ${id.env} for ${id.app} now; the dashboard shows what does.`
    : `${id.app} has nothing to roll back to in ${id.env} now; the dashboard shows what it runs.`;
}
