import type { Context } from "probot";
import type { AppDeps } from "../app.js";
import { EvidenceFinder } from "../github/evidence.js";
import { fitBody } from "../github/limits.js";
import { checkPassed, mergedPromotions } from "../github/promotion-history.js";
import { repoWebUrl, webOrigin } from "../github/web.js";
import { codeSpan, plainText } from "../markdown.js";
import { listing } from "../plural.js";
import { type Command, parseCommand } from "../promotion/chatops.js";
import { upstreamEnvironments } from "../promotion/environments.js";
import type { VerifiedIn } from "../promotion/pr-body.js";
import { ferryBranch, type PromoteOutcome } from "../promotion/promote.js";
import { rollbackCandidates } from "../promotion/rollback.js";
import { promoteLocked } from "./builds.js";

const writers = new Set(["admin", "maintain", "write"]);

/**
 * `/ferry promote|rollback …` in an issue or PR comment of a config repo. The commenter's
 * permission is checked before any answer: without write access, a 👎 and nothing else, so
 * nobody can make Ferry echo their text.
 */
export async function onComment(context: Context<"issue_comment.created">, deps: AppDeps): Promise<void> {
  const { comment, sender } = context.payload;
  if (sender.type === "Bot") return;
  const command = parseCommand(comment.body);
  if (command === undefined) return;
  const repo = context.repo();
  const react = (content: "+1" | "-1" | "confused" | "eyes") =>
    context.octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: comment.id, content });
  const reply = (body: string) =>
    context.octokit.rest.issues.createComment(context.issue({ body: fitBody(`@${sender.login} ${body}`) }));
  const { data: access } = await context.octokit.rest.repos.getCollaboratorPermissionLevel({
    ...repo,
    username: sender.login,
  });
  if (!writers.has(access.permission)) {
    context.log.info(
      { user: sender.login, permission: access.permission },
      "ChatOps command without write access",
    );
    await react("-1");
    return;
  }
  if (command.kind === "invalid") {
    await Promise.all([react("confused"), reply(command.message)]);
    return;
  }
  const answer = await run(context, deps, command);
  // 👀 rather than 👍 for a PR opened out of order: done as asked, but it needs a second look.
  await Promise.all([react(answer.ok ? (answer.unverified ? "eyes" : "+1") : "-1"), reply(answer.text)]);
}

async function run(
  context: Context<"issue_comment.created">,
  deps: AppDeps,
  command: Exclude<Command, { kind: "invalid" }>,
): Promise<Answer> {
  const repo = context.repo();
  const loaded = await deps.configs.load(context.octokit, repo);
  if (!loaded) return { ok: false, text: "this repository has no valid `.github/ferry.yml`." };
  const { config } = loaded;
  const app = config.apps.find((a) => a.name === command.app);
  const env = config.environments.find((e) => e.name === command.env);
  if (!app || !env) {
    const known = app ? config.environments.map((e) => e.name) : config.apps.map((a) => a.name);
    return {
      ok: false,
      text: `unknown ${app ? "environment" : "app"} ${codeSpan(app ? command.env : command.app)}; ferry.yml has ${known.map(codeSpan).join(", ")}.`,
    };
  }
  const base = {
    source: app.source ?? `${repo.owner}/${repo.repo}`,
    trigger: "chatops" as const,
    builtAt: deps.clock().toISOString(),
    ...(app.source ? { sourceUrl: `${webOrigin(context.octokit)}/${app.source}` } : {}),
  };
  // The person who asked is credited in the PR, its marker and the checks that read it.
  const asked = {
    requestedBy: context.payload.sender.login,
    requestedIn: context.payload.issue.number,
    repoUrl: repoWebUrl(context.octokit, repo),
  };
  if (command.kind === "promote") {
    const [tag = "", digest] = command.tag.split("@");
    // Out of order is allowed (a writer asked), but never quietly: the PR and the reply say so.
    const evidence = new EvidenceFinder(context.octokit, repo, config);
    const verified: VerifiedIn[] = [];
    const unverified: string[] = [];
    for (const name of upstreamEnvironments(env, app)) {
      const proof = await evidence.find(name, app.name, tag);
      if (proof) verified.push({ ...proof, env: name });
      else unverified.push(name);
    }
    const outcome = await promoteLocked(context.octokit, deps, {
      configRepo: repo,
      config,
      app,
      env,
      build: { ...base, tag, ...(digest ? { digest } : {}) },
      context: { ...asked, verified, unverified },
    });
    const answer = describe(outcome, `promote ${app.name} ${tag} to ${env.name}`);
    if (!answer.ok || unverified.length === 0 || !("pr" in outcome)) return answer;
    return {
      ok: true,
      unverified: true,
      text: `${answer.text} ⚠️ ${tag} has not run healthy in ${listing(unverified)}: this promotion is out of order, and \`Ferry / promotion\` fails on it until ${listing(unverified)} ${unverified.length === 1 ? "verifies" : "verify"} ${tag}.`,
    };
  }
  const merged = await mergedPromotions(context.octokit, repo, ferryBranch(env.name, app.name));
  const reporting = config.clusters.some((c) => c.environment === env.name);
  let target: (typeof merged)[number] | undefined;
  for (const candidate of rollbackCandidates(merged, merged[0]?.marker.tag)) {
    if (
      !reporting ||
      (await checkPassed(context.octokit, repo, candidate.mergeSha, `Ferry / reconcile (${env.name})`))
    ) {
      target = candidate;
      break;
    }
  }
  if (!target)
    return { ok: false, text: `found no earlier tag of ${app.name} that ran healthy in ${env.name}.` };
  const outcome = await promoteLocked(context.octokit, deps, {
    configRepo: repo,
    config,
    app,
    env,
    build: {
      ...base,
      tag: target.marker.tag,
      ...(target.marker.digest ? { digest: target.marker.digest } : {}),
      builtAt: target.marker.builtAt,
    },
    context: {
      ...asked,
      rollback: {
        reason: command.reason ?? "no reason given",
        ran: { env: env.name, pr: target.number, healthy: reporting },
      },
    },
  });
  return describe(outcome, `roll ${app.name} back to ${target.marker.tag} in ${env.name}`);
}

/** The reply: `ok` gets a 👍 (👀 when `unverified`), else a 👎. `text` is markdown. */
interface Answer {
  ok: boolean;
  unverified?: boolean;
  text: string;
}

function describe(outcome: PromoteOutcome, what: string): Answer {
  switch (outcome.status) {
    case "created":
    case "updated":
      return {
        ok: true,
        text: `Ferry ${outcome.status === "created" ? "opened" : "updated"} ${outcome.pr.url} to ${what}.`,
      };
    case "current":
      return { ok: true, text: `nothing to do: ${sentence(outcome.reason)}` };
    case "skipped":
      return { ok: false, text: `Ferry did not ${what}: ${sentence(outcome.reason)}` };
    case "failed":
      return { ok: false, text: `Ferry could not ${what}: ${sentence(outcome.reason)}` };
  }
}

/** Someone else's reason as the end of a sentence: plain text, one full stop. */
function sentence(reason: string): string {
  return `${plainText(reason.replace(/[.\s]+$/, ""))}.`;
}
