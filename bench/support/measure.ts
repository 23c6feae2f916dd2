/**
 * Helpers for benchmarks that run the real app against the GitHub API test server: request
 * timestamps, grouping by operation, percentiles, machine notes.
 */
import { cpus, loadavg } from "node:os";
import type { Delivery, GitHubServer } from "../../test/support/github/index.js";

export type RequestEntry = GitHubServer["requests"][number];

/**
 * Stamps the arrival time (performance.now()) of every request the server logs and of every
 * webhook delivery it records (a delivery is recorded the moment the state changed, e.g. the PR
 * was created, whether or not webhooks are posted). The arrays keep their identity across
 * `resetRequests()`, so one call per server is enough.
 */
export function stampTimes(github: GitHubServer): {
  requestAt: (entry: RequestEntry) => number;
  deliveryAt: (delivery: Delivery) => number;
} {
  const requestTimes = new WeakMap<RequestEntry, number>();
  const deliveryTimes = new WeakMap<Delivery, number>();
  const requests = github.requests;
  const pushRequest = requests.push.bind(requests);
  requests.push = (...entries: RequestEntry[]) => {
    const now = performance.now();
    for (const e of entries) requestTimes.set(e, now);
    return pushRequest(...entries);
  };
  const deliveries = github.deliveries;
  const pushDelivery = deliveries.push.bind(deliveries);
  deliveries.push = (...entries: Delivery[]) => {
    const now = performance.now();
    for (const d of entries) deliveryTimes.set(d, now);
    return pushDelivery(...entries);
  };
  return {
    requestAt: (e) => requestTimes.get(e) ?? Number.NaN,
    deliveryAt: (d) => deliveryTimes.get(d) ?? Number.NaN,
  };
}

/** The installation token exchange (and app lookups made with the JWT): excluded from budgets. */
export function isTokenExchange(r: RequestEntry): boolean {
  return r.path.endsWith("/access_tokens") || r.path === "/app";
}

/** `GraphQL <operation>` or the REST route template. */
export function operation(r: RequestEntry): string {
  return r.graphqlOperation
    ? `GraphQL ${r.graphqlOperation}`
    : (r.route ?? `${r.method} ${r.path} (unknown)`);
}

/** Counts by operation, in order of first appearance. */
export function byOperation(entries: readonly RequestEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of entries) counts.set(operation(r), (counts.get(operation(r)) ?? 0) + 1);
  return counts;
}

/** `3× GraphQL FerryPair, 1× POST /repos/...` */
export function describeOperations(entries: readonly RequestEntry[]): string {
  return [...byOperation(entries)].map(([op, n]) => `${n}× ${op}`).join(", ") || "none";
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function machineNote(): string {
  const [one = 0, five = 0] = loadavg();
  return `node ${process.version}, ${cpus().length} cores, load average ${one.toFixed(1)} (1 min) / ${five.toFixed(1)} (5 min)`;
}

/** A plain-text table with aligned columns. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}
