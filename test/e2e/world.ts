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
