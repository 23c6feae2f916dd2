/**
 * Steps the end-to-end tests share: fresh repos, a build, merging a PR, and waiting for Ferry's
 * effects. GitHub delivers webhooks concurrently and out of order, and an app may answer a
 * delivery before it has finished with it, so a test waits for what Ferry does (a PR, a check
 * run, a comment), not for deliveries; `github.idle()` is only for "and nothing else happened".
 */

import { type Stack, webhookSecret } from "../support/ferry.js";
import type { CheckRunRecord } from "../support/github/index.js";
import { sendWebhook } from "../support/github/index.js";
import { pollUntil } from "../support/poll.js";
import { configRepoFiles, ferryBuild } from "./fixtures.js";

/** Waits until `check` returns something truthy, at most 15 s (failing with `what`). */
export function eventually<T>(check: () => T | undefined | null | false, what: string): Promise<T> {
  return pollUntil(check, what, 15_000);
}

/**
 * acme/deploy (the config repo, at 1.4.1) and acme/api anew, with no pending faults. Waits for the
 * previous test's deliveries first, so none of them lands in the new repos.
 */
export async function freshRepos(stack: Stack, files = configRepoFiles()): Promise<void> {
  await stack.idle();
  stack.github.state.repos.delete("acme/deploy");
  stack.github.state.repos.delete("acme/api");
  stack.github.createRepo("acme/deploy", { files });
  stack.github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
  stack.github.clearFaults();
}

/**
 * acme/api's CI announces `ghcr.io/acme/api:<tag>` (repository_dispatch ferry-build, with any
 * extra `client_payload` fields such as `sha`); resolves once Ferry answered it, so the PR it
 * opened or updated is there. What follows from that PR (the guard's checks) arrives later: wait
 * for it.
 */
export async function build(stack: Stack, tag: string, extra: Record<string, unknown> = {}): Promise<void> {
  const status = await sendWebhook(stack.webhookUrl, webhookSecret, "repository_dispatch", {
    ...ferryBuild(tag, extra),
    installation: { id: stack.github.installationId },
  });
  if (status !== 202) throw new Error(`Ferry answered the ferry-build dispatch with ${status}`);
  await stack.idle();
}

/** The developer merges PR `number` of acme/deploy. */
export async function merge(stack: Stack, number: number): Promise<void> {
  await (await stack.developer()).rest.pulls.merge({ owner: "acme", repo: "deploy", pull_number: number });
  await stack.idle();
}

/** The latest run named `name` on `sha` of acme/deploy once it has completed (and `ready` holds). */
export function concluded(
  stack: Stack,
  sha: string,
  name: string,
  ready: (run: CheckRunRecord) => boolean = () => true,
): Promise<CheckRunRecord> {
  return eventually(
    () => {
      const run = stack.github
        .checkRuns("acme/deploy", sha)
        .filter((r) => r.name === name)
        .at(-1);
      return run?.status === "completed" && ready(run) && run;
    },
    `${name} to conclude on ${sha.slice(0, 7)}`,
  );
}

/** A developer pushes `files` to `branch` of acme/deploy and opens a PR from it; waits until Ferry handled it. */
export async function openPr(
  stack: Stack,
  branch: string,
  files: Record<string, string | null>,
  title = "Change",
): Promise<{ head: string; number: number }> {
  const head = stack.github.push("acme/deploy", {
    branch,
    files,
    message: title,
    author: { name: "Dev", email: "dev@acme.test", login: "dev" },
  });
  const { data } = await (await stack.developer()).rest.pulls.create({
    owner: "acme",
    repo: "deploy",
    head: branch,
    base: "main",
    title,
  });
  await stack.idle();
  return { head, number: data.number };
}
