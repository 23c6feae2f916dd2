import type { Report } from "../reports/report.js";
import type { BackoffPolicy } from "./backoff.js";
import { type Clock, systemClock } from "./clock.js";
import { agentHealth, type HealthReport } from "./health.js";
import { createKubeClient, type KubeClient } from "./kube.js";
import { type LeaderElector, startLeaderElection } from "./leader.js";
import { type Logger, silentLogger } from "./log.js";
import type { Post } from "./post.js";
import { type WatchedResourceName, watchedResourceNames, watchedResources } from "./resources.js";
import { ReportSender, type SenderStats } from "./sender.js";
import { type SupervisedInformer, superviseInformer } from "./supervised-informer.js";
import { Tracker } from "./tracker.js";

export interface AgentOptions {
  /** Base URL of the Ferry app; reports go to `<ferryUrl>/ferry/v1/reports`. */
  ferryUrl: string;
  /** This cluster's name in ferry.yml `clusters`. */
  cluster: string;
  /** Shared secret that signs reports (the app holds the same one for this cluster). */
  secret: string;
  /** Kubeconfig contents; omitted → the pod's service account (loadFromCluster). */
  kubeconfig?: string;
  /** Replaces `kubeconfig`: a ready client (tests, embedding). */
  kube?: KubeClient;
  /** Environment of objects without a ferry.dev/environment annotation. */
  environment?: string;
  /** Config repo (`owner/repo`) of objects that name none. */
  configRepo?: string;
  /** The Argo CD UI's https address, to send each Application's page with its reports. */
  argoCdUrl?: string;
  /** Namespace of the leader-election Lease. */
  namespace: string;
  /** This replica's identity in the Lease (the pod name). */
  identity: string;
  leaseName?: string;
  /** Set false to report without leader election (a single replica, or a demo). */
  leaderElection?: boolean;
  leaseDurationMs?: number;
  leaseRetryPeriodMs?: number;
  healthyHoldMs?: number;
  /** How long an Argo CD ComparisonError may last before it is reported as a failure (2 min). */
  comparisonErrorGraceMs?: number;
  /** How long Progressing after Healthy at the same revision may last before it is reported (2 min). */
  progressingGraceMs?: number;
  retry?: BackoffPolicy;
  informerBackoff?: BackoffPolicy;
  watch?: WatchedResourceName[];
  concurrency?: number;
  clock?: Clock;
  /** The HTTP POST that delivers reports (node:http(s) by default). */
  post?: Post;
  random?: () => number;
  logger?: Logger;
}

export interface AgentStats extends SenderStats {
  /** Object add/update/delete events received from the informers. */
  events: number;
  /** Informer restarts after a watch error. */
  informerRestarts: number;
}

export interface Agent {
  readonly isLeader: boolean;
  /** What `/healthz` and `/readyz` answer (src/agent/health.ts). */
  health(): HealthReport;
  stats(): AgentStats;
  /** Resolves when every report emitted so far has been delivered (or refused). */
  idle(): Promise<void>;
  /** Stops watching and reporting; releases the Lease unless `release: false` (simulates a crash). */
  stop(options?: { release?: boolean }): Promise<void>;
}

/** Starts the in-cluster agent: informers → tracker → (leader only) signed reports to the app. */
export function startAgent(options: AgentOptions): Agent {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const kube = options.kube ?? createKubeClient(options.kubeconfig);
  const sender = new ReportSender({
    url: options.ferryUrl,
    secret: options.secret,
    ...(options.post ? { post: options.post } : {}),
    clock,
    logger,
    retry: options.retry ?? { baseMs: 500, maxMs: 30_000 },
    ...(options.random ? { random: options.random } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  let leader = options.leaderElection === false;
  const tracker = new Tracker({
    cluster: options.cluster,
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.configRepo ? { configRepo: options.configRepo } : {}),
    ...(options.argoCdUrl ? { argoCdUrl: options.argoCdUrl } : {}),
    healthyHoldMs: options.healthyHoldMs ?? 5000,
    ...(options.comparisonErrorGraceMs === undefined
      ? {}
      : { comparisonErrorGraceMs: options.comparisonErrorGraceMs }),
    ...(options.progressingGraceMs === undefined ? {} : { progressingGraceMs: options.progressingGraceMs }),
    clock,
    emit: (report: Report) => {
      if (leader) sender.send(report);
    },
    unattributed: (kind, namespace, name) =>
      logger.warn(
        "object has no ferry.dev/environment annotation and FERRY_ENVIRONMENT is unset; not reported",
        {
          kind,
          namespace,
          name,
        },
      ),
  });

  const watched = options.watch ?? watchedResourceNames;
  const informers: SupervisedInformer[] = watched.map((resourceName) => {
    const resource = watchedResources[resourceName];
    return superviseInformer(
      kube.informer(resource),
      { upsert: (o) => tracker.upsert(resource.kind, o), remove: (o) => tracker.remove(resource.kind, o) },
      {
        clock,
        logger,
        backoff: options.informerBackoff ?? { baseMs: 1000, maxMs: 60_000 },
        ...(options.random ? { random: options.random } : {}),
        name: resourceName,
      },
    );
  });
  for (const informer of informers) informer.start();

  let elector: LeaderElector | undefined;
  if (options.leaderElection !== false) {
    elector = startLeaderElection({
      leases: kube.leases,
      namespace: options.namespace,
      name: options.leaseName ?? "ferry-agent",
      identity: options.identity,
      leaseDurationMs: options.leaseDurationMs ?? 15_000,
      retryPeriodMs: options.leaseRetryPeriodMs ?? 2_000,
      clock,
      logger,
      onChange(value) {
        leader = value;
        // A new leader cannot know what its predecessor delivered: it resends the current state
        // (the app skips what it already has). A deposed one drops its backlog.
        if (value) for (const report of tracker.current()) sender.send(report);
        else sender.clear();
      },
    });
  }

  return {
    get isLeader() {
      return leader;
    },
    health: () => {
      const leaseDurationMs = options.leaseDurationMs ?? 15_000;
      return agentHealth(
        informers.map((informer, index) => ({
          name: watched[index] ?? "",
          synced: informer.synced,
          failingSince: informer.failingSince,
        })),
        {
          enabled: elector !== undefined,
          leader,
          lastAttemptAt: elector?.lastAttemptAt ?? clock.now(),
        },
        {
          // Long enough to ride out an API server upgrade; short enough that a wedged watch heals.
          informerFailureMs: 5 * 60_000,
          electionStallMs: Math.max(3 * leaseDurationMs, 3 * (options.leaseRetryPeriodMs ?? 2_000)),
        },
        clock.now(),
      );
    },
    stats: () => ({
      ...sender.stats,
      events: tracker.events,
      informerRestarts: informers.reduce((n, i) => n + i.restarts, 0),
    }),
    idle: () => sender.idle(),
    async stop({ release = true } = {}) {
      await elector?.stop({ release });
      leader = false;
      sender.stop();
      tracker.stop();
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}
