/** Shared setup for the report end-to-end tests: the real app + GitHub test server, the kube test server and the real agent. */
import type { Octokit } from "@octokit/rest";
import { type Agent, type AgentOptions, startAgent } from "../../src/agent/agent.js";
import type { Report } from "../../src/reports/report.js";
import { signedHeaders } from "../../src/reports/signature.js";
import { kustomization } from "../e2e/fixtures.js";
import { type Stack, startStack, webhookSecret } from "../support/ferry.js";
import { sendWebhook } from "../support/github/index.js";
import type { CheckRunRecord } from "../support/github/model.js";
import { KubeTestServer } from "../support/kube/server.js";
import { pollUntil } from "../support/poll.js";

export const secrets = {
  "staging-1": "staging-1-secret-0123456789",
  "prod-eu-1": "prod-eu-1-secret-0123456789",
};
export const clusterSecretsEnv = Object.entries(secrets)
  .map(([k, v]) => `${k}=${v}`)
  .join(",");

export function ferryYml(staging: { soak?: string; reconcileTimeout?: string } = {}): string {
  return `environments:
  - name: staging
    paths: [overlays/staging/**]
    soak: ${staging.soak ?? "0s"}
    reconcileTimeout: ${staging.reconcileTimeout ?? "1h"}
  - name: production
    paths: [overlays/production/**]
    after: staging
    tags: { semver: ">=1.0.0", prerelease: false }
apps:
  - name: api
    image: ghcr.io/acme/api
    source: acme/api
clusters:
  - name: staging-1
    environment: staging
  - name: prod-eu-1
    environment: production
`;
}

export function configFiles(yml = ferryYml()): Record<string, string> {
  return {
    ".github/ferry.yml": yml,
    "base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "base/deployment.yaml":
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.0.0\n",
    "overlays/staging/kustomization.yaml": kustomization("1.4.1"),
    "overlays/production/kustomization.yaml": kustomization("1.4.1"),
  };
}

export interface World {
  stack: Stack;
  kube: KubeTestServer;
  dev: Octokit;
  agents: Agent[];
  /** Starts the real agent for a cluster against the kube test server and the app. */
  agent(cluster?: keyof typeof secrets, options?: Partial<AgentOptions>): Agent;
  /** Opens the staging Ferry PR for `tag` (a ferry-build dispatch) and merges it as a developer; the merge sha. */
  mergeStaging(tag?: string): Promise<string>;
  /** The latest `Ferry / reconcile (<env>)` run on a commit. */
  check(sha: string, env?: string): CheckRunRecord | undefined;
  /**
   * Posts a report signed with `secret` (default: the cluster's) straight to the app, and waits
   * until Ferry has run the job it became (the answer is 202 once it is queued).
   */
  post(
    report: Report,
    opts?: { secret?: string; at?: number; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function startWorld(yml = ferryYml(), env: Record<string, string> = {}): Promise<World> {
  const stack = await startStack({ env: { FERRY_CLUSTER_SECRETS: clusterSecretsEnv, ...env } });
  stack.github.createRepo("acme/deploy", { files: configFiles(yml) });
  stack.github.createRepo("acme/api", { files: { "README.md": "# api\n" } });
  const kube = await KubeTestServer.start();
  const dev = await stack.developer();
  const agents: Agent[] = [];
  return {
    stack,
    kube,
    dev,
    agents,
    agent(cluster = "staging-1", options = {}) {
      const agent = startAgent({
        ferryUrl: stack.ferry.url,
        cluster,
        secret: secrets[cluster],
        kubeconfig: kube.kubeconfig(),
        environment: cluster === "staging-1" ? "staging" : "production",
        namespace: "ferry",
        identity: `${cluster}-0`,
        leaderElection: false,
        healthyHoldMs: 50,
        retry: { baseMs: 50, maxMs: 200 },
        informerBackoff: { baseMs: 50, maxMs: 200 },
        watch: ["applications", "kustomizations"],
        ...options,
      });
      agents.push(agent);
      return agent;
    },
    async mergeStaging(tag = "1.5.0") {
      await sendWebhook(stack.webhookUrl, webhookSecret, "repository_dispatch", {
        action: "ferry-build",
        branch: "main",
        client_payload: { image: "ghcr.io/acme/api", tag, digest: `sha256:${"d".repeat(64)}` },
        repository: { full_name: "acme/api", html_url: "https://github.example/acme/api" },
        installation: { id: stack.github.installationId },
      });
      await stack.idle();
      const pr = stack.github
        .pulls("acme/deploy")
        .find((p) => p.state === "open" && p.head.ref === "ferry/staging/api");
      if (!pr) throw new Error("the staging Ferry PR did not open");
      const { data } = await dev.rest.pulls.merge({
        owner: "acme",
        repo: "deploy",
        pull_number: pr.number,
        merge_method: "squash",
      });
      await stack.idle();
      // the merge's effect: Ferry queues the staging check on the merge commit
      await pollUntil(
        () =>
          stack.github
            .checkRuns("acme/deploy", data.sha)
            .some((c) => c.name === "Ferry / reconcile (staging)"),
        "the queued staging check",
        15_000,
      );
      return data.sha;
    },
    check(sha, env = "staging") {
      return stack.github
        .checkRuns("acme/deploy", sha)
        .filter((c) => c.name === `Ferry / reconcile (${env})`)
        .at(-1);
    },
    async post(report, opts = {}) {
      const body = JSON.stringify(report);
      const headers = signedHeaders(
        opts.secret ?? secrets[report.cluster as keyof typeof secrets] ?? "x".repeat(20),
        body,
        opts.at ?? Date.now(),
      );
      const send = () =>
        fetch(`${stack.ferry.url}/ferry/v1/reports`, {
          method: "POST",
          headers: { ...headers, ...opts.headers },
          body,
        });
      // A pooled keep-alive socket to an app that was restarted fails once; a new connection does not.
      const answer = await send().catch(send);
      await stack.idle();
      return answer;
    },
    async close() {
      for (const agent of agents) await agent.stop();
      await kube.close();
      await stack.close();
    },
  };
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs` naming `what`. */
export function until<T>(
  check: () => T | undefined | null | false,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  return pollUntil(check, what, timeoutMs);
}

/** A report as an agent would send it. */
export function report(over: Partial<Report> = {}): Report {
  return {
    cluster: "staging-1",
    configRepo: "acme/deploy",
    environment: "staging",
    object: { kind: "Application", namespace: "argocd", name: "api" },
    sync: "Synced",
    health: "Healthy",
    phase: "healthy",
    drifted: [],
    observedAt: new Date().toISOString(),
    sequence: Date.now(),
    ...over,
  };
}
