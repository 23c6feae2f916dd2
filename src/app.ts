import type { ApplicationFunction } from "probot";
import type { BuildRetries } from "./build-retries.js";
import { ConfigRepoIndex } from "./github/config-repos.js";
import { ConfigSource } from "./github/config-source.js";
import { Dashboards } from "./github/dashboard-store.js";
import { onCheckSuiteCompleted } from "./handlers/auto-merge.js";
import { registerBuildEvents } from "./handlers/build-events.js";
import { onComment } from "./handlers/chatops.js";
import { onPushCheckConfig, touchesConfig } from "./handlers/config-check.js";
import { registerDashboard } from "./handlers/dashboard.js";
import { registerGuard } from "./handlers/guard-events.js";
import { registerReconcile } from "./handlers/merged.js";
import { shapeCheckedApp } from "./handlers/webhook-shapes.js";
import type { ReconcileTimers } from "./jobs/queue-timers.js";
import { type KeyedLock, MemoryKeyedLock } from "./keyed-lock.js";
import { ProvenanceChecker } from "./provenance/provenance-checker.js";
import { TrustedRootFile } from "./provenance/root-source.js";
import { MemoryVerdictCache } from "./provenance/verdict-cache.js";
import type { RenderTools } from "./render/render.js";
import { ReconcileMemory } from "./reports/memory.js";
import { MemoryReplayCache, type ReplayCache } from "./reports/replay-cache.js";
import { createOffLoop, type OffLoop } from "./workers/pool.js";

/** What the handlers share; built once at start-up and passed in, never imported as singletons. */
export interface AppDeps {
  configs: ConfigSource;
  configRepos: ConfigRepoIndex;
  locks: KeyedLock;
  clock: () => Date;
  /** Agent reports: what the app remembers in front of GitHub (records, check ids, timers). */
  reconcile: ReconcileMemory;
  /** Soak and reconcile timeouts: delayed jobs on the work queue. */
  timers: ReconcileTimers;
  /** Signatures of accepted reports (a Redis implementation fits for several replicas). */
  replay: ReplayCache;
  /** Parsing and validation off the event loop (worker threads). */
  offLoop: OffLoop;
  /** How often a long check shows its progress. */
  checkProgressMs: number;
  /** kubectl and helm for the rendered diff; undefined: rendering is off (FERRY_RENDER=off). */
  render?: RenderTools | undefined;
  /** The dashboard issue per config repo: `refreshDashboard(octokit, repo)` is its one trigger. */
  dashboards: Dashboards;
  /** Build provenance: attestations verified per digest, with cached verdicts. */
  provenance: ProvenanceChecker;
  /** When a digest is not attested yet: how often to look again, and for how long after the build. */
  provenanceRetry: { retryMs: number; waitMs: number };
  /** Builds to handle again later (a digest not attested yet); the seam a durable queue replaces. */
  buildRetries: BuildRetries;
}

export function createDeps(overrides: Partial<AppDeps> & Pick<AppDeps, "timers" | "buildRetries">): AppDeps {
  const clock = overrides.clock ?? (() => new Date());
  const configs = overrides.configs ?? new ConfigSource();
  return {
    configs,
    configRepos: new ConfigRepoIndex(),
    locks: new MemoryKeyedLock(),
    clock,
    reconcile: new ReconcileMemory(),
    replay: new MemoryReplayCache(),
    dashboards: new Dashboards({ configs, intervalMs: 5000, now: clock }),
    offLoop: overrides.offLoop ?? createOffLoop({ threads: 0 }),
    checkProgressMs: 5000,
    provenance: new ProvenanceChecker({
      roots: new TrustedRootFile(undefined),
      cache: new MemoryVerdictCache(() => clock().getTime()),
    }),
    provenanceRetry: { retryMs: 60_000, waitMs: 300_000 },
    ...overrides,
  };
}

/** Registers Ferry's webhook handlers; holds no logic of its own. Every payload's shape is checked first. */
export function ferryApp(deps: AppDeps): ApplicationFunction {
  return (probot) => {
    const app = shapeCheckedApp(probot);
    app.on("push", async (context) => {
      if (touchesConfig(context.payload.commits) && context.payload.installation) {
        deps.configRepos.invalidate(context.payload.installation.id);
        deps.configs.invalidate(context.repo());
      }
      await onPushCheckConfig(context, deps.configs);
    });
    registerBuildEvents(app, deps, probot);
    registerReconcile(app, deps);
    app.on("check_suite.completed", (context) => onCheckSuiteCompleted(context, deps));
    app.on("issue_comment.created", (context) => onComment(context, deps));
    registerGuard(app, deps);
    registerDashboard(app, deps);
  };
}
