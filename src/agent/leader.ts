import { type Clock, sleep } from "./clock.js";
import type { LeaseClient, LeaseRecord } from "./kube.js";
import type { Logger } from "./log.js";

export interface LeaderElectionOptions {
  leases: LeaseClient;
  namespace: string;
  name: string;
  identity: string;
  /** Others may take the lease once it has not been renewed for this long. */
  leaseDurationMs: number;
  /** How often to try to acquire or renew. */
  retryPeriodMs: number;
  clock: Clock;
  logger: Logger;
  onChange(leader: boolean): void;
}

export interface LeaderElector {
  readonly isLeader: boolean;
  /** When the loop last finished an attempt (success or failure); a hung API call stops it. */
  readonly lastAttemptAt: number;
  /** Stops campaigning; with release, clears the holder so another replica takes over at once. */
  stop(options?: { release?: boolean }): Promise<void>;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease with optimistic updates (a stale
 * resourceVersion is a 409, so two replicas cannot both win). Expiry is judged on this replica's
 * clock from when it last saw the lease change, as client-go does, so clock skew between nodes
 * does not matter. A leader steps down when it could not renew for 2/3 of the lease duration,
 * before anyone else may take over.
 */
export function startLeaderElection(options: LeaderElectionOptions): LeaderElector {
  const { leases, namespace, name, identity, clock, logger } = options;
  const durationSeconds = Math.max(1, Math.ceil(options.leaseDurationMs / 1000));
  const renewDeadlineMs = (options.leaseDurationMs * 2) / 3;
  let leader = false;
  let stopped = false;
  let observed: { fingerprint: string; at: number } | undefined;
  let lastRenew = 0;
  let current: LeaseRecord | undefined;
  let wait: { cancel(): void } | undefined;
  let lastAttemptAt = clock.now();

  const setLeader = (value: boolean) => {
    if (value === leader) return;
    leader = value;
    logger.info(value ? "became leader" : "stopped leading", { identity, lease: `${namespace}/${name}` });
    options.onChange(value);
  };

  const tick = async () => {
    const now = clock.now();
    const existing = await leases.get(namespace, name);
    if (existing === undefined) {
      const created = await leases.create(namespace, name, {
        holder: identity,
        durationSeconds,
        acquireTime: new Date(now),
        renewTime: new Date(now),
        transitions: 0,
      });
      if (created !== "conflict") won(created, now);
      return;
    }
    current = existing;
    const fingerprint = `${existing.holder}|${existing.renewTime?.getTime()}|${existing.resourceVersion}`;
    if (observed?.fingerprint !== fingerprint) observed = { fingerprint, at: now };
    const mine = existing.holder === identity;
    const expired = existing.holder === "" || now - observed.at >= options.leaseDurationMs;
    if (!mine && !expired) {
      setLeader(false);
      return;
    }
    const updated = await leases.update(namespace, name, {
      holder: identity,
      durationSeconds,
      acquireTime: mine && existing.acquireTime ? existing.acquireTime : new Date(now),
      renewTime: new Date(now),
      transitions: mine ? existing.transitions : existing.transitions + 1,
      ...(existing.resourceVersion ? { resourceVersion: existing.resourceVersion } : {}),
    });
    if (updated === "conflict") {
      if (!mine) setLeader(false);
      return;
    }
    won(updated, now);
  };

  const won = (lease: LeaseRecord, now: number) => {
    current = lease;
    lastRenew = now;
    observed = {
      fingerprint: `${lease.holder}|${lease.renewTime?.getTime()}|${lease.resourceVersion}`,
      at: now,
    };
    setLeader(true);
  };

  const loop = async () => {
    while (!stopped) {
      try {
        await tick();
      } catch (err) {
        logger.warn("lease update failed", {
          error: err instanceof Error ? err.message.split("\n")[0] : String(err),
        });
      }
      lastAttemptAt = clock.now();
      if (leader && clock.now() - lastRenew >= renewDeadlineMs) setLeader(false);
      if (stopped) break;
      const pause = sleep(clock, options.retryPeriodMs);
      wait = pause;
      await pause.done;
    }
  };
  const running = loop();

  return {
    get isLeader() {
      return leader;
    },
    get lastAttemptAt() {
      return lastAttemptAt;
    },
    async stop({ release = true } = {}) {
      stopped = true;
      wait?.cancel();
      await running;
      const wasLeader = leader;
      setLeader(false);
      if (release && wasLeader && current !== undefined) {
        try {
          await leases.update(namespace, name, { ...current, holder: "", durationSeconds: 1 });
        } catch (err) {
          logger.warn("could not release lease", { error: String(err) });
        }
      }
    },
  };
}
