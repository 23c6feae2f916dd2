import { stringify } from "yaml";
import { parseFerryConfig } from "../../src/config/load.js";
import type { FerryConfig } from "../../src/config/schema.js";
import type { DashboardFacts, MergedPull, PairFacts, ReconcileRun } from "../../src/dashboard/facts.js";
import { type Marker, renderMarker } from "../../src/promotion/marker.js";
import { kustomization } from "../e2e/fixtures.js";

export const origin = "https://github.example";
export const repoUrl = `${origin}/acme/deploy`;

/** ferry.yml from data: staging → production (after staging), apps as given (default: api). */
export function config(
  apps: object[] = [{ name: "api", image: "ghcr.io/acme/api" }],
  over: { environments?: object[]; clusters?: object[] } = {},
): FerryConfig {
  const parsed = parseFerryConfig(
    stringify({
      environments: over.environments ?? [
        { name: "staging", paths: ["overlays/staging/**"], soak: "10m" },
        { name: "production", paths: ["overlays/production/**"], after: "staging" },
      ],
      apps,
      clusters: over.clusters ?? [{ name: "staging-1", environment: "staging" }],
    }),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

/** One kustomization per environment pinning `ghcr.io/acme/<app>` at the given tag. */
export function overlays(tags: Record<string, string>, app = "api") {
  return Object.entries(tags).map(([env, tag]) => ({
    path: `overlays/${env}/kustomization.yaml`,
    text: kustomization(tag).replace("ghcr.io/acme/api", `ghcr.io/acme/${app}`),
  }));
}

let number = 10;

/** A merged Ferry PR carrying `marker`, merged at `mergedAt`. */
export function merged(
  marker: Partial<Marker> & Pick<Marker, "app" | "env" | "tag">,
  mergedAt: string,
  by = "alice",
): MergedPull {
  const n = ++number;
  return {
    number: n,
    url: `${repoUrl}/pull/${n}`,
    body: `Promote\n\n${renderMarker({ builtAt: mergedAt, ...marker })}`,
    mergedAt,
    mergedBy: by,
    mergeCommit: { oid: `${String(n).padStart(2, "0")}${"a".repeat(38)}`, url: `${repoUrl}/commit/${n}` },
  };
}

export function run(over: Partial<ReconcileRun> & Pick<ReconcileRun, "env">): ReconcileRun {
  return {
    sha: "c".repeat(40),
    commitUrl: `${repoUrl}/commit/${"c".repeat(40)}`,
    status: "completed",
    conclusion: "success",
    startedAt: "2026-11-23T10:00:00Z",
    completedAt: "2026-11-23T10:02:00Z",
    url: `${repoUrl}/runs/1`,
    ...over,
  };
}

export function facts(over: Partial<DashboardFacts> & { pairs?: PairFacts[] } = {}): DashboardFacts {
  return {
    repo: { owner: "acme", repo: "deploy", url: repoUrl },
    head: { oid: "b".repeat(40), url: `${repoUrl}/commit/${"b".repeat(40)}` },
    files: overlays({ staging: "1.5.0", production: "1.4.1" }),
    pairs: [
      { env: "staging", app: "api", merged: [] },
      { env: "production", app: "api", merged: [] },
    ],
    checks: [],
    driftIssues: [],
    healthIssues: [],
    dashboards: [],
    ...over,
  };
}
