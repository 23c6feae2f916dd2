import picomatch from "picomatch";
import type { Logger } from "probot";
import type { FerryConfig } from "../config/schema.js";
import type { Finding } from "../findings.js";
import { readRenderInputs } from "../github/render-files.js";
import { type Octokit, publishCheckRun, type RepoRef } from "../github/repo-client.js";
import type { SourceFile } from "../manifests/sites.js";
import { type EnvironmentRender, missingPaths, renderEnvironments } from "../render/environments.js";
import type { RenderTools } from "../render/render.js";
import { renderCheck } from "../render/render-check.js";

/** Rounds of "read what the plans reference, plan again" (an overlay → its base → a chart). */
const maxReadRounds = 3;

/**
 * The guard's render step: for each environment the PR touches, render base and head, and post
 * `Ferry / render (<env>)` with the rendered diff and the findings on the rendered objects.
 * A failure of the step itself still concludes each check it posts, with the reason, and never
 * reaches the guard's other checks.
 */
export async function renderStep(input: {
  octokit: Octokit;
  repo: RepoRef;
  head: string;
  base: string;
  config: FerryConfig;
  snapshot: { base: SourceFile[]; head: SourceFile[] };
  changed: readonly string[];
  reported: readonly Finding[];
  tools: RenderTools;
  log: Logger;
}): Promise<void> {
  const { octokit, repo, config } = input;
  let results: EnvironmentRender[];
  try {
    results = await renderTouched(input);
  } catch (error) {
    input.log.error({ err: error }, "rendering failed; concluding the render checks with the reason");
    results = config.environments
      .filter((e) => {
        const inEnv = picomatch(e.paths, { dot: true });
        return input.changed.some((p) => inEnv(p));
      })
      .map((environment) => ({
        environment,
        diffs: [],
        findings: [],
        skipped: `Ferry failed while rendering (${(error as Error).message}); re-run the check`,
        rendered: { kustomize: 0, helm: 0 },
      }));
  }
  for (const result of results) {
    // Never throws: the guard's own checks are already concluded and must stay as they are.
    await publishCheckRun(
      octokit,
      repo,
      input.head,
      renderCheck({ ...result, environment: result.environment.name }),
    ).catch((error: Error) => input.log.error({ err: error }, "could not post a render check"));
  }
}

async function renderTouched(input: Parameters<typeof renderStep>[0]): Promise<EnvironmentRender[]> {
  const { octokit, repo, config } = input;
  const base = new Map(input.snapshot.base.map((f) => [f.path, f]));
  const head = new Map(input.snapshot.head.map((f) => [f.path, f]));
  const self = { owner: repo.owner, repo: repo.repo };
  const asked = new Set<string>();
  for (let round = 0; round < maxReadRounds; round++) {
    const wanted = new Set([
      ...missingPaths(config, [...base.values()], self),
      ...missingPaths(config, [...head.values()], self),
    ]);
    const paths = coveringPaths([...wanted].filter((p) => !asked.has(p)));
    if (paths.length === 0) break;
    for (const p of paths) asked.add(p);
    const read = await readRenderInputs(octokit, repo, { base: input.base, head: input.head }, paths);
    for (const f of read.base) base.set(f.path, f);
    for (const f of read.head) head.set(f.path, f);
  }
  return renderEnvironments({
    config,
    base: [...base.values()],
    head: [...head.values()],
    changed: input.changed,
    self,
    tools: input.tools,
    reported: input.reported,
  });
}

/** The paths without those under another one in the list: one subtree read covers them. */
function coveringPaths(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((p) => !sorted.some((o) => o !== p && p.startsWith(`${o}/`)));
}
