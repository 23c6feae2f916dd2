import type { ProbotOctokit } from "probot";
import { annotationBatches } from "../checks/annotations.js";
import type { CheckOutput } from "../checks/check-output.js";
import { treeDiff } from "./tree-diff.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

export type RepoRef = { owner: string; repo: string };

/** True for a RequestError with the given HTTP status. */
export function hasStatus(error: unknown, status: number): boolean {
  return typeof error === "object" && error !== null && (error as { status?: unknown }).status === status;
}

/** The text of a file at a ref (default: the default branch), or undefined when it does not exist. */
export async function readFile(
  octokit: Octokit,
  repo: RepoRef,
  ref: string | undefined,
  path: string,
): Promise<{ text: string; sha: string } | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ...(ref ? { ref } : {}) });
    if (Array.isArray(data) || data.type !== "file") return undefined;
    return { text: Buffer.from(data.content, "base64").toString("utf8"), sha: data.sha };
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * Concludes the check run `output.name` on `headSha`: the open run of that name (`existingId`, or
 * the latest one while it has not completed) is completed; otherwise a new run is created, since
 * a completed run's status and conclusion are final on GitHub and the latest run is the one shown.
 * Annotations go out in batches of 50 (GitHub's cap).
 */
export async function publishCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  headSha: string,
  output: CheckOutput,
  existingId?: number,
): Promise<number> {
  const id = existingId ?? (await findOpenCheckRun(octokit, repo, headSha, output.name));
  const [first = [], ...rest] = annotationBatches(output.annotations);
  const body = {
    ...repo,
    status: "completed" as const,
    conclusion: output.conclusion,
    output: {
      title: output.title,
      summary: output.summary,
      ...(output.text ? { text: output.text } : {}),
      annotations: first,
    },
  };
  const checkRunId =
    id === undefined
      ? (await octokit.rest.checks.create({ ...body, name: output.name, head_sha: headSha })).data.id
      : (await octokit.rest.checks.update({ ...body, check_run_id: id })).data.id;
  for (const annotations of rest) {
    await octokit.rest.checks.update({
      ...repo,
      check_run_id: checkRunId,
      output: { title: output.title, summary: output.summary, annotations },
    });
  }
  return checkRunId;
}

/**
 * Starts check runs as in_progress, so a reviewer sees Ferry working at once: one list for the
 * commit, then per name an update of the run still open, or a new run where the last one
 * completed (a re-run is a new verdict). Returns their ids by name.
 */
export async function startCheckRuns(
  octokit: Octokit,
  repo: RepoRef,
  headSha: string,
  names: readonly string[],
): Promise<Map<string, number>> {
  const { data } = await octokit.rest.checks.listForRef({
    ...repo,
    ref: headSha,
    filter: "latest",
    per_page: 100,
  });
  const ids = new Map<string, number>();
  for (const name of names) {
    const existing = data.check_runs.find((r) => r.name === name && r.status !== "completed")?.id;
    const id =
      existing === undefined
        ? (await octokit.rest.checks.create({ ...repo, name, head_sha: headSha, status: "in_progress" })).data
            .id
        : (await octokit.rest.checks.update({ ...repo, check_run_id: existing, status: "in_progress" })).data
            .id;
    ids.set(name, id);
  }
  return ids;
}

/** The latest check run named `name` on `ref`, or undefined: one request. */
export async function latestCheckRun(octokit: Octokit, repo: RepoRef, ref: string, name: string) {
  const { data } = await octokit.rest.checks.listForRef({
    ...repo,
    ref,
    check_name: name,
    filter: "latest",
    per_page: 1,
  });
  return data.check_runs[0];
}

/** The latest run named `name` on `ref` if it is still open (not completed). */
async function findOpenCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  ref: string,
  name: string,
): Promise<number | undefined> {
  const run = await latestCheckRun(octokit, repo, ref, name);
  return run?.status === "completed" ? undefined : run?.id;
}

/** Files a pull request changes (GitHub lists at most 3,000), and whether each was removed. */
export async function listPullFiles(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
): Promise<{ path: string; removed: boolean }[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  return files.map((f) => ({ path: f.filename, removed: f.status === "removed" }));
}

/** GitHub's compare lists at most 300 files, and a PR's files list at most 3,000. */
const compareFileCap = 300;
const pullFilesCap = 3000;

/**
 * What a PR changes, as GitHub's own diff sees it: the merge base of base and head, and the
 * changed files. One compare request; from 300 files on (compare's cap) the trees of the merge
 * base and the head are compared instead (two requests, no cap). Only if GitHub truncates a tree
 * are the PR's file pages read, and past their 3,000 files `unlisted` says what was left out.
 */
export async function pullDiff(
  octokit: Octokit,
  repo: RepoRef,
  pr: { number: number; base: string; head: string },
): Promise<{ mergeBase: string; files: { path: string; removed: boolean }[]; unlisted?: string }> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
    ...repo,
    basehead: `${pr.base}...${pr.head}`,
  });
  const mergeBase = data.merge_base_commit.sha;
  const listed = (data.files ?? []).map((f) => ({ path: f.filename, removed: f.status === "removed" }));
  if (listed.length < compareFileCap) return { mergeBase, files: listed };
  const all = await treeDiff(octokit, repo, mergeBase, pr.head);
  if (all) return { mergeBase, files: all };
  const files = await listPullFiles(octokit, repo, pr.number);
  if (files.length < pullFilesCap) return { mergeBase, files };
  return {
    mergeBase,
    files,
    unlisted: `GitHub lists only the first ${pullFilesCap} files of a PR and this repository's tree is too large to compare, so changed files after \`${files.at(-1)?.path}\` were not checked; split the PR`,
  };
}
