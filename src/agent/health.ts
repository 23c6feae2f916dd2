/** What the agent's probes answer, computed from the informers' and the elector's state (pure). */

export interface InformerHealth {
  name: string;
  /** The initial list has been read and the watch is open (or was, before a later failure). */
  synced: boolean;
  /** When the current run of failures began; undefined while the watch is healthy. */
  failingSince: number | undefined;
}

export interface ElectionHealth {
  /** False when leader election is off (a single replica); then only informers count. */
  enabled: boolean;
  leader: boolean;
  /** When the election loop last finished an attempt to acquire or renew the Lease. */
  lastAttemptAt: number;
}

export interface HealthLimits {
  /** An informer failing for longer than this makes the agent unhealthy (restart it). */
  informerFailureMs: number;
  /** An election loop silent for longer than this is stuck (a hung API call): restart it. */
  electionStallMs: number;
}

export interface HealthReport {
  /** `/healthz`: false asks Kubernetes to restart the container. */
  live: boolean;
  /** `/readyz`: every informer has its initial list, so a new leader would report the truth. */
  ready: boolean;
  leader: boolean;
  problems: string[];
  informers: Record<string, "synced" | "starting" | "failing">;
}

export function agentHealth(
  informers: readonly InformerHealth[],
  election: ElectionHealth,
  limits: HealthLimits,
  now: number,
): HealthReport {
  const problems: string[] = [];
  for (const informer of informers) {
    if (informer.failingSince !== undefined && now - informer.failingSince > limits.informerFailureMs) {
      problems.push(
        `${informer.name}: watch failing for ${Math.round((now - informer.failingSince) / 1000)}s`,
      );
    }
  }
  if (election.enabled && now - election.lastAttemptAt > limits.electionStallMs) {
    problems.push(
      `leader election: no lease attempt for ${Math.round((now - election.lastAttemptAt) / 1000)}s`,
    );
  }
  const unsynced = informers.filter((i) => !i.synced).map((i) => i.name);
  if (unsynced.length > 0) problems.push(`not synced yet: ${unsynced.join(", ")}`);
  return {
    live: !problems.some((p) => !p.startsWith("not synced")),
    ready: problems.length === 0,
    leader: election.leader,
    problems,
    informers: Object.fromEntries(
      informers.map((i) => [
        i.name,
        i.failingSince !== undefined ? "failing" : i.synced ? "synced" : "starting",
      ]),
    ),
  };
}
