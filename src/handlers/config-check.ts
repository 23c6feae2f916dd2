import type { Context } from "probot";
import { configCheck } from "../checks/config-check.js";
import { configPath, parseFerryConfig } from "../config/load.js";
import type { ConfigSource } from "../github/config-source.js";
import { publishCheckRun, readFile } from "../github/repo-client.js";
import { repoWebUrl } from "../github/web.js";

/** Commits listed in a push payload are capped at 20; beyond that, assume ferry.yml may have changed. */
const payloadCommitCap = 20;

/** Whether a push may have changed ferry.yml (payloads list at most 20 commits). */
export function touchesConfig(
  commits: readonly { added?: string[]; modified?: string[]; removed?: string[] }[],
): boolean {
  return (
    commits.length >= payloadCommitCap ||
    commits.some((c) =>
      [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(configPath),
    )
  );
}

/** A push to the default branch that touches ferry.yml gets `Ferry / config` on its head commit. */
export async function onPushCheckConfig(context: Context<"push">, configs: ConfigSource): Promise<void> {
  const { payload } = context;
  if (payload.deleted || payload.ref !== `refs/heads/${payload.repository.default_branch}`) return;
  if (!touchesConfig(payload.commits)) return;
  const repo = context.repo();
  const file = await readFile(context.octokit, repo, payload.after, configPath);
  if (file === undefined) return;
  const result = parseFerryConfig(file);
  const fileUrl = `${repoWebUrl(context.octokit, repo)}/blob/${payload.after}/${configPath}`;
  await publishCheckRun(context.octokit, repo, payload.after, configCheck(result, { fileUrl }));
  if (result.ok) configs.remember(repo, result.value, file.sha);
  else
    context.log.info(
      { repo, errors: result.errors.length },
      "ferry.yml on the default branch is invalid; keeping the last valid config",
    );
}
