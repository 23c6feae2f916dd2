/**
 * The report third of the demo: a staging Ferry PR merges, a simulated Argo CD syncs it in the
 * Kubernetes API test server, the real agent reports to the real app, the reconcile check goes
 * queued → in_progress → success, and the production PR opens.
 *
 * The stack must be started with `clusterStoryEnv` (FERRY_CLUSTER_SECRETS for staging-1), e.g.
 * `startStack({ env: { ...clusterStoryEnv, LOG_LEVEL: "fatal" } })`.
 */
import { startAgent } from "../src/agent/agent.js";
import type { Stack } from "../test/support/ferry.js";
import { argo, argoApplication } from "../test/support/kube/fixtures.js";
import { KubeTestServer, resources } from "../test/support/kube/server.js";
import { pollUntil } from "../test/support/poll.js";

const cluster = "staging-1";
const secret = "demo-staging-1-shared-secret";

/** What the stack's environment must contain for the agent's reports to be accepted. */
export const clusterStoryEnv = { FERRY_CLUSTER_SECRETS: `${cluster}=${secret}` };

export interface StoryContext {
  stack: Stack;
  say(title: string): void;
  show(line?: string): void;
}

const checkName = "Ferry / reconcile (staging)";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function clusterStory(ctx: StoryContext): Promise<void> {
  const { stack, say, show } = ctx;
  const { github } = stack;

  say("The staging PR is on main; Ferry queues its reconcile check");
  const sha = await mergeStagingPr(stack);
  show(`merge commit ${sha.slice(0, 7)} on main`);
  const seen: string[] = [];
  const watchCheck = () => {
    const run = github
      .checkRuns("acme/deploy", sha)
      .filter((c) => c.name === checkName)
      .at(-1);
    const state = run && (run.status === "completed" ? (run.conclusion ?? "completed") : run.status);
    if (run && state && state !== seen.at(-1)) {
      seen.push(state);
      show(`${badge(state)} ${checkName}: ${run.output.title}`);
    }
    return state;
  };
  watchCheck();

  say("Argo CD in staging-1 picks up the commit; the Ferry agent reports what it sees");
  const kube = await KubeTestServer.start();
  const app = argoApplication({ name: "api", environment: "staging", status: argo.syncing(sha) });
  kube.upsert(resources.applications, app);
  const agent = startAgent({
    ferryUrl: stack.ferry.url,
    cluster,
    secret,
    kubeconfig: kube.kubeconfig(),
    environment: "staging",
    namespace: "ferry",
    identity: "ferry-agent-0",
    leaderElection: false,
    healthyHoldMs: 300,
    watch: ["applications"],
  });
  try {
    await until(() => watchCheck() === "in_progress", "the check to go in progress");
    show("Argo CD: sync done, Deployment rolling out (Synced, Progressing)");
    kube.patchStatus(resources.applications, "argocd", "api", argo.progressing(sha));
    await sleep(300);
    show("Argo CD: Synced and Healthy");
    kube.patchStatus(resources.applications, "argocd", "api", argo.healthy(sha));
    await until(() => watchCheck() === "success", "the check to succeed");
    await agent.idle();
    await stack.idle();

    say("Staging is healthy at the merge commit, so Ferry opens the production PR");
    const prod = await until(
      () =>
        github.pulls("acme/deploy").find((p) => p.state === "open" && p.head.ref === "ferry/production/api"),
      "the production PR",
      5000,
    ).catch(() => undefined);
    if (prod === undefined) {
      show(
        "No production PR: the staging tag does not meet production's tag rules (semver >=1.0.0, no prerelease).",
      );
      return;
    }
    show(`#${prod.number} ${prod.title}`);
    // The body leads with the evidence a reviewer approves on.
    show(`  ${(prod.body ?? "").split("\n")[0]}`);
    for (const line of (prod.body ?? "").split("\n").filter((l) => l.startsWith("|"))) show(`  ${line}`);
  } finally {
    await agent.stop();
    await kube.close();
  }
}

/** Merges the open ferry/staging/api PR as a developer (or takes the one auto-merge merged); the merge sha. */
async function mergeStagingPr(stack: Stack): Promise<string> {
  const pulls = stack.github.pulls("acme/deploy").filter((p) => p.head.ref === "ferry/staging/api");
  const open = pulls.find((p) => p.state === "open");
  if (open !== undefined) {
    const dev = await stack.developer();
    const { data } = await dev.rest.pulls.merge({
      owner: "acme",
      repo: "deploy",
      pull_number: open.number,
      merge_method: "squash",
    });
    await stack.idle();
    return data.sha;
  }
  const merged = pulls.filter((p) => p.merged && p.merge_commit_sha).at(-1);
  if (!merged?.merge_commit_sha) throw new Error("cluster story: no ferry/staging/api PR to merge");
  return merged.merge_commit_sha;
}

function badge(state: string): string {
  const color = state === "success" ? 32 : state === "failure" ? 31 : 33;
  return `\x1b[${color}m●\x1b[0m ${state.padEnd(11)}`;
}

function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  return pollUntil(check, `cluster story: ${what}`, timeoutMs, 20);
}
