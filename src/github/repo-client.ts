import type { ProbotOctokit } from "probot";
import { annotationBatches } from "../checks/annotations.js";
import type { CheckOutput } from "../checks/check-output.js";
import { fitCheckOutput } from "../checks/fit-output.js";
import { decodeYamlBytes, tooLarge, type Unreadable } from "../manifests/safe-text.js";
import { defaultYamlLimits } from "../manifests/yaml-file.js";
import { ownAppId } from "./app-identity.js";
import { treeDiff } from "./tree-diff.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

export type RepoRef = { owner: string; repo: string };

/** True for a RequestError with the given HTTP status. */
export function hasStatus(error: unknown, status: number): boolean {
  return typeof error === "object" && error !== null && (error as { status?: unknown }).status === status;
}

/**
 * The text of a file at a ref (default: the default branch), or undefined when it does not
 * exist. Decoded strictly: a file that is binary, not UTF-8 or too large comes back with empty
 * text and the reason in `unreadable`.
 */
export async function readFile(
  octokit: Octokit,
  repo: RepoRef,
  ref: string | undefined,
  path: string,
): Promise<{ text: string; sha: string; unreadable?: Unreadable } | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ...(ref ? { ref } : {}) });
    if (Array.isArray(data) || data.type !== "file") return undefined;
    const maxBytes = defaultYamlLimits.maxBytes;
    if (data.size > maxBytes) return { text: "", sha: data.sha, unreadable: tooLarge(data.size, maxBytes) };
    // Over 1 MB the contents API sends no content (encoding "none"); the blob API does.
    const content =
      (data as { encoding?: string }).encoding === "none"
        ? (await octokit.rest.git.getBlob({ ...repo, file_sha: data.sha })).data.content
        : data.content;
    const decoded = decodeYamlBytes(Buffer.from(content, "base64"), maxBytes);
    return "text" in decoded
      ? { text: decoded.text, sha: data.sha }
      : { text: "", sha: data.sha, unreadable: decoded };
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * Concludes the check run `output.name` on `headSha`: the open run of that name (`existingId`, or
 * the latest one while it has not completed) is completed; otherwise a new run is created, since
 * a completed run's status and conclusion are final on GitHub and the latest run is the one shown.
 * The output is first fitted to GitHub's limits (at most 500 annotations, each field in GitHub's
 * unit); annotations go out in batches of 50.
 */
export async function publishCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  headSha: string,
  checkOutput: CheckOutput,
  existingId?: number,
): Promise<number> {
  const output = fitCheckOutput(checkOutput);
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
  const appId = await ownAppId(octokit);
  const { data } = await octokit.rest.checks.listForRef({
    ...repo,
    ref: headSha,
    filter: "latest",
    app_id: appId,
    per_page: 100,
  });
  const ids = new Map<string, number>();
  for (const name of names) {
    // A completed run is a verdict a reviewer has seen: a re-run is a new verdict, so a new run
    // (GitHub shows the latest), never the old run whose annotations would stay on it.
    const existing = data.check_runs.find(
      (r) => r.name === name && r.app?.id === appId && r.status !== "completed",
    )?.id;
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

/**
 * The latest check run named `name` on `ref` that Ferry itself created, or undefined: one request.
 * GitHub filters by app; the app id is checked again on the answer, since a run another app
 * created under Ferry's name must never count as Ferry's evidence.
 */
export async function latestCheckRun(octokit: Octokit, repo: RepoRef, ref: string, name: string) {
  const appId = await ownAppId(octokit);
  const { data } = await octokit.rest.checks.listForRef({
    ...repo,
    ref,
    check_name: name,
    filter: "latest",
    app_id: appId,
    per_page: 1,
  });
  const run = data.check_runs[0];
  return run?.app?.id === appId ? run : undefined;
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
 * What a PR changes, as GitHub's own diff sees it: the merge base of base and head, the
 * changed files, and the head commit's message. One compare request; from 300 files on (compare's
 * cap) the trees of the merge base and the head are compared instead (two requests, no cap). Only
 * if GitHub truncates a tree are the PR's file pages read, and past their 3,000 files `unlisted`
 * says what was left out (plain text: the check renders it escaped).
 */
export async function pullDiff(
  octokit: Octokit,
  repo: RepoRef,
  pr: { number: number; base: string; head: string },
): Promise<{
  mergeBase: string;
  files: { path: string; removed: boolean }[];
  headMessage?: string;
  unlisted?: string;
}> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
    ...repo,
    basehead: `${pr.base}...${pr.head}`,
  });
  const mergeBase = data.merge_base_commit.sha;
  const listed = (data.files ?? []).map((f) => ({ path: f.filename, removed: f.status === "removed" }));
  // The head commit's message comes with the compare (absent only past its 250 commits).
  const head = data.commits.find((c) => c.sha === pr.head);
  const base = { mergeBase, ...(head ? { headMessage: head.commit.message } : {}) };
  if (listed.length < compareFileCap) return { ...base, files: listed };
  const all = await treeDiff(octokit, repo, mergeBase, pr.head);
  if (all) return { ...base, files: all };
  const files = await listPullFiles(octokit, repo, pr.number);
  if (files.length < pullFilesCap) return { ...base, files };
  return {
    ...base,
    files,
    unlisted: `GitHub lists only the first ${pullFilesCap} files of a PR and this repository's tree is too large to compare, so changed files after ${files.at(-1)?.path} were not checked; split the PR`,
  };
}
