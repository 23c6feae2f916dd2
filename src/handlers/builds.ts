import type { Context } from "probot";
import type { AppDeps } from "../app.js";
import type { AppConfig, EnvironmentConfig, FerryConfig } from "../config/schema.js";
import { describeGitHubFailure, isGitHubTrouble } from "../github/failure.js";
import { fitBody } from "../github/limits.js";
import { GitHubPromotionStore } from "../github/promotion-store.js";
import { type Octokit, publishCheckRun, type RepoRef } from "../github/repo-client.js";
import { isImageTag } from "../images/reference.js";
import { codeSpan, plainText } from "../markdown.js";
import { appsForBuild, type Build } from "../promotion/build.js";
import { firstEnvironments } from "../promotion/environments.js";
import { type PromoteOutcome, type PromotionContext, promote } from "../promotion/promote.js";
import { needsGitTag, renderTag } from "../promotion/tag-template.js";
import type { VerifiedProvenance } from "../provenance/evidence-text.js";
import { type GateDecision, gateBuild } from "../provenance/gate.js";
import { resolvePolicy } from "../provenance/resolve-policy.js";

type Log = Context["log"];

/**
 * A build → every config repo that tracks it → every app it is for → the app's first
 * environment(s): `promote` there. Each failure a user could act on ends visible, including
 * giving up on GitHub (rate limits beyond the wait cap, 5xx beyond the retries): a failed check
 * on the build's commit.
 */
export async function handleBuild(
  octokit: Octokit,
  installationId: number,
  build: Build,
  deps: AppDeps,
  log: Log,
  /** Set on a delayed retry: when Ferry first saw the build, to bound the wait for its attestation. */
  retry?: { since: number },
): Promise<PromoteOutcome[]> {
  let repos: string[];
  try {
    repos = await deps.configRepos.configReposFor(octokit, installationId, build.source, build.image);
  } catch (error) {
    await reportGiveUp(octokit, build, error, log);
    return [];
  }
  if (repos.length === 0) {
    log.debug({ source: build.source, image: build.image }, "no config repo tracks this build; ignoring it");
    return [];
  }
  const outcomes: PromoteOutcome[] = [];
  for (const fullName of repos) {
    try {
      const since = retry?.since ?? deps.clock().getTime();
      const context = { octokit, installationId, deps, log, since };
      outcomes.push(...(await promoteInConfigRepo(context, fullName, build)));
    } catch (error) {
      await reportGiveUp(octokit, build, error, log);
    }
  }
  return outcomes;
}

interface BuildContext {
  octokit: Octokit;
  installationId: number;
  deps: AppDeps;
  log: Log;
  since: number;
}

async function promoteInConfigRepo(
  c: BuildContext,
  fullName: string,
  build: Build,
): Promise<PromoteOutcome[]> {
  const { octokit, deps, log } = c;
  const [owner = "", repo = ""] = fullName.split("/");
  const configRepo = { owner, repo };
  const loaded = await deps.configs.load(octokit, configRepo);
  if (!loaded) return [];
  const outcomes: PromoteOutcome[] = [];
  const { apps, refused } = appsForBuild(loaded.config, build);
  for (const { app, reason } of refused)
    log.warn(
      { repo: fullName, app, source: build.source, trigger: build.trigger },
      `build refused: ${reason}`,
    );
  for (const app of apps) {
    const tag = build.tag ?? (await tagFor(octokit, app, build, log));
    if (tag === undefined) continue;
    if (!isImageTag(tag)) {
      log.warn(
        { repo: fullName, app: app.name, source: build.source },
        `build refused: ${tag} is not an image tag`,
      );
      continue;
    }
    for (const env of firstEnvironments(loaded.config, app)) {
      const gate = await provenanceGate(c, app, env, { ...build, tag });
      const outcome: PromoteOutcome =
        gate.action === "promote"
          ? await promoteLocked(octokit, deps, {
              configRepo,
              config: loaded.config,
              app,
              env,
              build: { ...build, tag },
              ...(gate.provenance ? { provenance: gate.provenance } : {}),
            }).catch((error: unknown) => gaveUp(error, log))
          : gate.action === "wait"
            ? { status: "skipped", reason: "waiting for the digest's build provenance attestation" }
            : { status: "failed", reason: gate.reason, findings: [] };
      logOutcome(log, fullName, app.name, env.name, outcome);
      if (outcome.status === "failed")
        await reportFailure(octokit, configRepo, { ...build, tag }, env, outcome, log);
      outcomes.push(outcome);
    }
  }
  return outcomes;
}

/** A promotion that threw (GitHub gave out, or a bug) becomes a failed outcome, reported like any other. */
function gaveUp(error: unknown, log: Log): PromoteOutcome {
  log.error({ err: error }, "the promotion failed");
  return { status: "failed", reason: giveUpReason(error), findings: [] };
}

function giveUpReason(error: unknown): string {
  return isGitHubTrouble(error)
    ? `${describeGitHubFailure(error)}. Ferry gave up; run the build again (or resend its dispatch) once GitHub recovers`
    : `${describeGitHubFailure(error)}. If this keeps happening, tell your platform team`;
}

export interface PromoteArgs {
  configRepo: RepoRef;
  config: FerryConfig;
  app: AppConfig;
  env: EnvironmentConfig;
  build: Build & { tag: string };
  /** What the PR body leads with; `rollback` makes the target a rollback. */
  context?: PromotionContext;
  provenance?: VerifiedProvenance;
}

/**
 * The digest's provenance under the (app, env) policy. Not attested yet: the whole build is
 * handled again later (a delayed job), until FERRY_PROVENANCE_WAIT_MS after Ferry first saw it.
 */
async function provenanceGate(
  c: BuildContext,
  app: AppConfig,
  env: EnvironmentConfig,
  build: Build & { tag: string },
): Promise<GateDecision> {
  const policy = resolvePolicy(app, env);
  if (policy.mode === "off") return { action: "promote" };
  // The same policy (and cache key) as the guard's; the event's repository id is compared below.
  const verdict = build.digest ? await c.deps.provenance.check(c.octokit, build.digest, policy) : undefined;
  const waitedMs = c.deps.clock().getTime() - c.since;
  const maxWaitMs = c.deps.provenanceRetry.waitMs;
  const gate = gateBuild({
    policy,
    digest: build.digest,
    verdict,
    waitedMs,
    maxWaitMs,
    sourceId: build.sourceId,
  });
  if (gate.action === "wait") {
    const at = c.deps.clock().getTime() + c.deps.provenanceRetry.retryMs;
    const key = `provenance:${c.installationId}:${build.source}:${build.digest}`;
    c.log.info(
      { app: app.name, env: env.name, digest: build.digest },
      "digest not attested yet; looking again later",
    );
    await c.deps.buildRetries.schedule(key, at, { installationId: c.installationId, build, since: c.since });
  }
  return gate;
}

/** `promote` under the per-(repo, env, app) lock, against GitHub. */
export async function promoteLocked(
  octokit: Octokit,
  deps: AppDeps,
  a: PromoteArgs,
): Promise<PromoteOutcome> {
  // Chain and ChatOps promotions come long after the build: no waiting, the verdict decides now.
  let provenance = a.provenance;
  const policy = resolvePolicy(a.app, a.env);
  if (!provenance && policy.mode !== "off") {
    const digest = a.build.digest;
    const verdict = digest ? await deps.provenance.check(octokit, digest, policy) : undefined;
    const gate = gateBuild({ policy, digest, verdict, waitedMs: Number.POSITIVE_INFINITY, maxWaitMs: 0 });
    if (gate.action === "refuse") return { status: "failed", reason: gate.reason, findings: [] };
    if (gate.action === "promote") provenance = gate.provenance;
  }
  const key = `${a.configRepo.owner}/${a.configRepo.repo}#${a.env.name}#${a.app.name}`;
  return deps.locks.run(key, () =>
    promote(new GitHubPromotionStore(octokit), {
      repo: a.configRepo,
      config: a.config,
      app: a.app,
      env: a.env,
      target: {
        tag: a.build.tag,
        ...(a.build.digest ? { digest: a.build.digest } : {}),
        builtAt: a.build.builtAt,
        ...(a.context?.rollback !== undefined ? { rollback: true } : {}),
      },
      build: a.build,
      ...(provenance ? { provenance } : {}),
      ...(a.build.sourceUrl ? { sourceUrl: a.build.sourceUrl } : {}),
      ...(a.context ? { context: a.context } : {}),
    }),
  );
}

async function tagFor(octokit: Octokit, app: AppConfig, build: Build, log: Log): Promise<string | undefined> {
  let gitTag: string | undefined;
  if (needsGitTag(app.tag) && build.sha) {
    const [owner = "", repo = ""] = build.source.split("/");
    const { data } = await octokit.rest.repos.listTags({ owner, repo, per_page: 100 });
    gitTag = data.find((t) => t.commit.sha === build.sha)?.name;
  }
  const rendered = renderTag(app.tag, build, gitTag);
  if (rendered.error) log.warn({ app: app.name, source: build.source }, rendered.error);
  return rendered.tag;
}

function logOutcome(log: Log, repo: string, app: string, env: string, outcome: PromoteOutcome): void {
  const where = { repo, app, env, status: outcome.status };
  if (outcome.status === "created" || outcome.status === "updated")
    log.info({ ...where, pr: outcome.pr.url }, `promotion PR ${outcome.status}`);
  else if (outcome.status === "failed")
    log.error({ ...where, findings: outcome.findings.length }, outcome.reason);
  else if (outcome.status === "skipped" || outcome.status === "current") log.info(where, outcome.reason);
}

/** A promotion that failed is said where people look: on the open PR, else as a failed check on the build's commit. */
async function reportFailure(
  octokit: Octokit,
  configRepo: RepoRef,
  build: Build,
  env: EnvironmentConfig,
  outcome: Extract<PromoteOutcome, { status: "failed" }>,
  log: Log,
): Promise<void> {
  // Findings quote files and the build's own text: code spans and plain text only.
  const detail = outcome.findings
    .map((f) => `- ${codeSpan(`${f.file}:${f.line}`)} ${plainText(f.message)}`)
    .join("\n");
  const text = `Ferry could not promote ${codeSpan(build.tag ?? "the build")} to ${env.name}: ${plainText(outcome.reason)}.${detail ? `\n\n${detail}` : ""}`;
  try {
    if (outcome.pr) {
      await octokit.rest.issues.createComment({
        ...configRepo,
        issue_number: outcome.pr.number,
        body: fitBody(text),
      });
    } else if (build.sha) {
      const [owner = "", repo = ""] = build.source.split("/");
      await publishCheckRun(octokit, { owner, repo }, build.sha, {
        name: `Ferry / propose (${env.name})`,
        conclusion: "failure",
        title: `Not promoted to ${env.name}`,
        summary: text,
        annotations: [],
      });
    }
  } catch (error) {
    log.error({ err: error }, "could not report the failed promotion on GitHub either");
  }
}

/** Ferry gave up before it knew which environments the build is for: a failed `Ferry / propose` on the build's commit. */
async function reportGiveUp(octokit: Octokit, build: Build, error: unknown, log: Log): Promise<void> {
  log.error({ err: error, source: build.source, image: build.image }, "gave up on a build");
  if (!build.sha) return;
  const [owner = "", repo = ""] = build.source.split("/");
  const what = [build.image, build.tag].filter(Boolean).join(" ") || "this build";
  try {
    await publishCheckRun(octokit, { owner, repo }, build.sha, {
      name: "Ferry / propose",
      conclusion: "failure",
      title: "Not promoted",
      summary: `Ferry could not promote ${what}: ${giveUpReason(error)}.`,
      annotations: [],
    });
  } catch (e) {
    log.error({ err: e }, "could not report the failed promotion on GitHub either");
  }
}
