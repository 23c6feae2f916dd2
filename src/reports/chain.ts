import type { AppConfig, EnvironmentConfig, FerryConfig } from "../config/schema.js";
import type { SourceFile } from "../manifests/sites.js";
import { codeSpan, plainText } from "../markdown.js";
import { listing } from "../plural.js";
import { appEnvironments, nextEnvironments } from "../promotion/environments.js";
import type { Marker } from "../promotion/marker.js";
import { planUpdate } from "../promotion/plan-update.js";
import type { EnvironmentRecord } from "./reconcile-check.js";

/** Apps that go through `env` and have somewhere to go after it. */
export function chainedApps(config: FerryConfig, env: string): AppConfig[] {
  return config.apps.filter(
    (app) =>
      appEnvironments(config, app).some((e) => e.name === env) &&
      nextEnvironments(config, app, env).length > 0,
  );
}

/** The one tag (and digest) `app` runs under `env`'s paths in `files`; undefined when absent or mixed. */
export function runningPin(
  files: readonly SourceFile[],
  env: EnvironmentConfig,
  app: AppConfig,
): { tag: string; digest?: string } | undefined {
  // planUpdate lists every reference whatever the target; the target itself is irrelevant here.
  const { references } = planUpdate({ files, environment: env, app, target: { tag: "0" } });
  const pins = new Set(
    references.filter((r) => r.tag !== undefined).map((r) => `${r.tag}@${r.digest ?? ""}`),
  );
  const [only] = [...pins];
  if (pins.size !== 1 || only === undefined) return undefined;
  const [tag = "", digest] = only.split("@");
  return { tag, ...(digest ? { digest } : {}) };
}

/** What the next environment is given: the pin found in git, enriched by the merged PR's marker when it matches. */
export function chainTarget(
  pin: { tag: string; digest?: string },
  marker: Marker | undefined,
  committedAt: string,
): ChainTarget {
  const same = marker?.tag === pin.tag;
  const digest = pin.digest ?? (same ? marker?.digest : undefined);
  return {
    tag: pin.tag,
    ...(digest ? { digest } : {}),
    builtAt: same && marker ? marker.builtAt : committedAt,
    ...(same && marker?.sha ? { sha: marker.sha } : {}),
    ...(same && marker?.source ? { source: marker.source } : {}),
    ...(same && marker?.sourceUrl ? { sourceUrl: marker.sourceUrl } : {}),
    ...(same && marker?.buildUrl
      ? { buildUrl: marker.buildUrl, buildLabel: marker.buildLabel ?? "build" }
      : {}),
    deployedBy: same,
  };
}

/** What the next environment is given, and where it came from (the links its PR carries on). */
export interface ChainTarget {
  tag: string;
  digest?: string;
  builtAt: string;
  sha?: string;
  source?: string;
  sourceUrl?: string;
  buildUrl?: string;
  buildLabel?: string;
  /** The environment's last merged Ferry PR brought this tag (its number is the evidence's PR). */
  deployedBy: boolean;
}

/** The environment is Synced and Healthy at `revision`: every object reported there is healthy. */
export function healthyAt(record: EnvironmentRecord | undefined, revision: string): boolean {
  const at = Object.values(record?.objects ?? {}).filter((o) => o.revision === revision);
  return at.length > 0 && at.every((o) => o.phase === "healthy");
}

/**
 * One line of the "Promotion" note on the healthy environment's check: what the chain did,
 * worded as information (the note shows only while the environment is healthy).
 */
export function chainLine(
  app: string,
  next: string,
  tag: string,
  outcome: { status: string; reason?: string; pr?: { number: number; url: string }; already?: boolean },
): string {
  const pr = outcome.pr ? `[#${outcome.pr.number}](${outcome.pr.url})` : undefined;
  // The tag was read from the config repo's files: shown verbatim, never as markdown.
  const what = `- ${app} ${codeSpan(tag)} → **${next}**`;
  const reason = plainText((outcome.reason ?? outcome.status).replace(/[.\s]+$/, ""));
  switch (outcome.status) {
    case "created":
      return `${what}: Ferry opened ${pr}.`;
    case "updated":
      return `${what}: Ferry updated ${pr} to it.`;
    case "current":
      return `${what}: ${next} already runs it.`;
    case "skipped":
      if (outcome.already && pr) return `${what}: ${pr} already proposes it.`;
      // Why no PR was opened, as information: the open PR it left alone is linked.
      return `${what}: no new PR; ${pr ? reason.replace(/^the open PR /, `the open PR ${pr} `) : reason}.`;
    default:
      return `${what}: Ferry could not open the PR: ${reason}.`;
  }
}

/** The chain line when `next` still waits for other upstream environments to verify the tag (fan-in). */
export function chainWaitingLine(app: string, next: string, tag: string, waiting: readonly string[]): string {
  return `- ${app} ${codeSpan(tag)} → **${next}**: waits until ${listing(waiting)} ${waiting.length === 1 ? "runs" : "run"} it healthy too.`;
}
