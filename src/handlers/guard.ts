import type { Logger } from "probot";
import type { AppDeps } from "../app.js";
import type { CheckOutput } from "../checks/check-output.js";
import { configCheck, configCheckName } from "../checks/config-check.js";
import { throttledProgress, validateProgress } from "../checks/progress.js";
import { configPath, parseFerryConfig } from "../config/load.js";
import type { FerryConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { showCheckProgress } from "../github/check-progress.js";
import { EvidenceFinder, labelledBy } from "../github/evidence.js";
import { describeGitHubFailure } from "../github/failure.js";
import { readPrSnapshot } from "../github/pr-snapshot.js";
import {
  listPullFiles,
  type Octokit,
  publishCheckRun,
  pullDiff,
  type RepoRef,
  readFile,
  startCheckRuns,
} from "../github/repo-client.js";
import { repoWebUrl } from "../github/web.js";
import { compareTags } from "../images/tags.js";
import type { SourceFile } from "../manifests/sites.js";
import { renderValidateCheck, validateCheckName } from "../policy/render-check.js";
import { upstreamEnvironments } from "../promotion/environments.js";
import { type Marker, parseCommitMarker, parseMarker } from "../promotion/marker.js";
import { planUpdate } from "../promotion/plan-update.js";
import { promotionCheck, promotionCheckName, rollbackLabel } from "../promotion/promotion-check.js";
import type { OffLoop } from "../workers/pool.js";
import { type ProvenanceFacts, verifyIntroducedDigests } from "./guard-provenance.js";
import { renderStep } from "./render-step.js";

/** The parts of a pull request the guard reads. */
export interface GuardedPull {
  number: number;
  base: string;
  head: string;
  headRef: string;
  body: string | null;
  labels: string[];
}

/**
 * The guard for one PR: `Ferry / validate` (YAML, schemas, policy) and `Ferry / promotion`
 * (order, tag rules, downgrades, tampering), plus `Ferry / config` when ferry.yml changes.
 * Both checks show in_progress at once and always conclude, with the reason if Ferry fails.
 * Each check stands alone once the PR is read: a failure computing or writing one of them
 * concludes that one with the reason and never rewrites the other's conclusion.
 */
export async function guardPullRequest(
  octokit: Octokit,
  repo: RepoRef,
  pr: GuardedPull,
  deps: AppDeps,
  log: Logger,
): Promise<void> {
  const loaded = await deps.configs.load(octokit, repo);
  if (!loaded) return checkNewConfig(octokit, repo, pr);
  const names = [validateCheckName, promotionCheckName];
  let ids = new Map<string, number>();
  const publish = (output: CheckOutput) =>
    publishCheckRun(octokit, repo, pr.head, output, ids.get(output.name));
  /** Concludes one check with the reason Ferry could not finish it; never throws. */
  const conclude = async (name: string, error: unknown) => {
    log.error(
      { err: error, pr: pr.number, check: name },
      "a guard check failed; concluding it with the reason",
    );
    await publish(couldNotFinish(name, error)).catch((e: unknown) =>
      log.error({ err: e, pr: pr.number, check: name }, "could not conclude the check either"),
    );
  };
  /** Runs one check; a failure concludes that check alone. */
  const settle = (name: string, run: () => Promise<unknown>) =>
    Promise.resolve()
      .then(run)
      .then(
        () => undefined,
        (error: unknown) => conclude(name, error),
      );
  let read: Awaited<ReturnType<typeof readPullRequest>>;
  try {
    ids = await startCheckRuns(octokit, repo, pr.head, names);
    read = await readPullRequest(octokit, repo, pr, loaded.config);
  } catch (error) {
    // Neither check can be computed without the PR's files.
    for (const name of names) await conclude(name, error);
    return;
  }
  const { snapshot, paths, base, headMessage, unlisted } = read;
  // Provenance needs GitHub; the pure rules below get its verdicts as data.
  const provenance = await verifyIntroducedDigests(octokit, loaded.config, snapshot, deps.provenance);
  /** Validate's findings, so the rendered step does not repeat them. */
  let reported: Finding[] = [];
  const config = snapshot.changed.find((f) => f.path === configPath);
  const fileUrl = `${repoWebUrl(octokit, repo)}/blob/${pr.head}/${configPath}`;
  if (config)
    await settle(configCheckName, () => publish(configCheck(parseFerryConfig(config), { fileUrl })));
  await settle(validateCheckName, async () => {
    const id = ids.get(validateCheckName);
    const progress = throttledProgress({
      everyMs: deps.checkProgressMs,
      now: () => deps.clock().getTime(),
      show: async (done, total) => {
        if (id !== undefined) await showCheckProgress(octokit, repo, id, validateProgress(done, total));
      },
    });
    const report = await deps.offLoop
      .validate(
        { files: snapshot.changed, config: loaded.config, contextFiles: snapshot.head },
        progress.update,
      )
      .finally(() => progress.finish());
    report.skipped.push(...snapshot.skipped);
    if (unlisted) report.skipped.push({ path: "(files past GitHub's list)", reason: unlisted });
    await publish(
      renderValidateCheck({
        report,
        config: loaded.config,
        configSource: `${configPath} on the default branch`,
        filesUrl: `${repoWebUrl(octokit, repo)}/pull/${pr.number}/files`,
      }),
    );
    reported = report.findings;
  });
  await settle(promotionCheckName, async () =>
    publish(
      await promotion(
        octokit,
        repo,
        pr,
        loaded.config,
        snapshot,
        { base, paths, headMessage },
        {
          offLoop: deps.offLoop,
          provenance,
        },
      ),
    ),
  );
  // Last, so the rendering time never delays the required checks above; it never throws.
  if (deps.render) {
    await renderStep({
      octokit,
      repo,
      head: pr.head,
      base,
      config: loaded.config,
      snapshot,
      changed: paths,
      reported,
      tools: deps.render,
      log,
    });
  }
}

/** The PR's changed files as GitHub's own diff sees them (head against the merge base: main may have moved on). */
async function readPullRequest(octokit: Octokit, repo: RepoRef, pr: GuardedPull, config: FerryConfig) {
  const { mergeBase: base, files, headMessage, unlisted } = await pullDiff(octokit, repo, pr);
  const present = files.filter((f) => !f.removed).map((f) => f.path);
  const envGlobs = config.environments.flatMap((e) => e.paths);
  const snapshot = await readPrSnapshot(octokit, repo, { base, head: pr.head }, present, envGlobs);
  return { snapshot, base, headMessage, unlisted, paths: files.map((f) => f.path) };
}

export function couldNotFinish(name: string, error: unknown): CheckOutput {
  return {
    name,
    conclusion: "failure",
    title: "Ferry could not finish this check",
    summary: `Ferry failed while checking this PR: ${describeGitHubFailure(error)}. Re-run the check; if it keeps failing, tell your platform team.`,
    annotations: [],
  };
}

/** A repo without a valid ferry.yml yet: a PR adding one still gets `Ferry / config`. */
async function checkNewConfig(octokit: Octokit, repo: RepoRef, pr: GuardedPull): Promise<void> {
  const files = await listPullFiles(octokit, repo, pr.number);
  if (!files.some((f) => f.path === configPath && !f.removed)) return;
  const file = await readFile(octokit, repo, pr.head, configPath);
  const fileUrl = `${repoWebUrl(octokit, repo)}/blob/${pr.head}/${configPath}`;
  if (file) await publishCheckRun(octokit, repo, pr.head, configCheck(parseFerryConfig(file), { fileUrl }));
}

async function promotion(
  octokit: Octokit,
  repo: RepoRef,
  pr: GuardedPull,
  config: FerryConfig,
  snapshot: { base: SourceFile[]; head: SourceFile[] },
  diff: { base: string; paths: string[]; headMessage?: string | undefined },
  { offLoop, provenance }: { offLoop: OffLoop; provenance: ProvenanceFacts },
): Promise<CheckOutput> {
  const changes = await offLoop.imageChanges(config, snapshot.base, snapshot.head);
  const evidence = new EvidenceFinder(octokit, repo, config);
  const rollback = pr.labels.includes(rollbackLabel);
  for (const c of changes) {
    const tag = c.to.length === 1 ? c.to[0]?.tag : undefined;
    if (!tag) continue;
    // The base's own passed reconcile check counts too, for an upstream that runs the tag there.
    for (const upstream of upstreamEnvironments(c.env, c.app))
      await evidence.find(upstream, c.app.name, tag, { sha: diff.base, files: () => snapshot.base });
    if (rollback) await evidence.find(c.env.name, c.app.name, tag);
    else if (c.from.length === 1 && compareTags(tag, c.from[0] as string) === undefined)
      await evidence.history(c.env.name, c.app.name);
  }
  const times = await evidence.builtAt();
  const ferry = ferryBranchFacts(config, pr, snapshot, diff);
  return promotionCheck({
    changes,
    evidence: (env, app, tag) => evidence.known(env, app, tag),
    builtAt: (tag) => times.get(tag),
    provenance,
    ...(rollback ? { rollback: await rollbackCredit(octokit, repo, pr, ferry.ferry?.marker) } : {}),
    ...ferry,
    repoUrl: repoWebUrl(octokit, repo),
  });
}

/** Who applied the rollback label; when Ferry applied it for a ChatOps command, who asked (its marker says). */
async function rollbackCredit(
  octokit: Octokit,
  repo: RepoRef,
  pr: GuardedPull,
  marker: Marker | undefined,
): Promise<{ by: string; requestedBy?: string }> {
  const by = (await labelledBy(octokit, repo, pr.number, rollbackLabel)) ?? "someone";
  return marker?.rollback && marker.requestedBy ? { by, requestedBy: marker.requestedBy } : { by };
}

/** For a PR from `ferry/<env>/<app>`: what it changes beyond re-planning its own marker's target. */
function ferryBranchFacts(
  config: FerryConfig,
  pr: GuardedPull,
  snapshot: { base: SourceFile[]; head: SourceFile[] },
  changed: { paths: string[]; headMessage?: string | undefined },
) {
  const match = /^ferry\/([^/]+)\/([^/]+)$/.exec(pr.headRef);
  if (!match) return {};
  // Ferry's head commit says what it promotes; the body lags behind it (edited after synchronize).
  const marker = parseCommitMarker(changed.headMessage) ?? parseMarker(pr.body);
  const env = config.environments.find((e) => e.name === match[1]);
  const app = config.apps.find((a) => a.name === match[2]);
  if (!marker || !env || !app) return { ferry: { unexpected: [] } };
  const plan = planUpdate({
    files: snapshot.base,
    environment: env,
    app,
    target: { tag: marker.tag, ...(marker.digest ? { digest: marker.digest } : {}) },
  });
  const expected = new Map(plan.changes.map((c) => [c.path, c.after]));
  const head = new Map(snapshot.head.map((f) => [f.path, f.text]));
  const unexpected = changed.paths.filter(
    (path) => !expected.has(path) || expected.get(path) !== head.get(path),
  );
  return { ferry: { marker, unexpected } };
}
