/** Steps the end-to-end tests share: a fresh pair of repos, a build, merging a PR. */

import { type Stack, webhookSecret } from "../support/ferry.js";
import { sendWebhook } from "../support/github/index.js";
import { configRepoFiles, ferryBuild } from "./fixtures.js";

/** acme/deploy (the config repo, at 1.4.1) and acme/api anew, with no pending faults. */
export function freshRepos(stack: Stack, files = configRepoFiles()): void {
  stack.github.state.repos.delete("acme/deploy");
  stack.github.state.repos.delete("acme/api");
  stack.github.createRepo("acme/deploy", { files });
  stack.github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
  stack.github.clearFaults();
}

/**
 * acme/api's CI announces `ghcr.io/acme/api:<tag>` (repository_dispatch ferry-build, with any
 * extra `client_payload` fields such as `sha`); waits until Ferry handled it.
 */
export async function build(stack: Stack, tag: string, extra: Record<string, unknown> = {}): Promise<void> {
  await sendWebhook(stack.webhookUrl, webhookSecret, "repository_dispatch", {
    ...ferryBuild(tag, extra),
    installation: { id: stack.github.installationId },
  });
  await stack.idle();
}

/** A developer merges PR `number` of acme/deploy; waits until Ferry handled the webhooks. */
export async function merge(stack: Stack, number: number): Promise<void> {
  await (await stack.developer()).rest.pulls.merge({ owner: "acme", repo: "deploy", pull_number: number });
  await stack.idle();
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
