import { z } from "zod";
import type { AppConfig, FerryConfig } from "../config/schema.js";
import { sameImage } from "../images/reference.js";

/** A published image, however it was announced: the one shape every trigger is turned into. */
export interface Build {
  /** `owner/repo` of the app repo the event came from. */
  source: string;
  trigger: "workflow_run" | "registry_package" | "release" | "repository_dispatch" | "chatops" | "chain";
  /** Image repository when the event names it (package and dispatch events). */
  image?: string;
  /** The tag when the event names it; workflow runs get theirs from the app's tag template. */
  tag?: string;
  digest?: string;
  /** Source commit the image was built from, when known. */
  sha?: string;
  /** When it was built (ISO 8601): orders tags that are not semver. */
  builtAt: string;
  /** Link to the build (workflow run, package version, release). */
  url?: string;
  /** Web URL of the app repo, for compare links. */
  sourceUrl?: string;
  workflow?: { file: string; branch: string; runNumber: number };
}

const workflowRun = z.object({
  action: z.literal("completed"),
  workflow_run: z.object({
    conclusion: z.string().nullable(),
    path: z.string(),
    head_branch: z.string().nullable(),
    head_sha: z.string(),
    run_number: z.number(),
    html_url: z.string(),
    updated_at: z.string(),
  }),
  repository: z.object({ full_name: z.string(), html_url: z.string().optional() }),
});

/** A successful workflow run; undefined for failures, cancellations and other actions. */
export function buildFromWorkflowRun(payload: unknown): Build | undefined {
  const parsed = workflowRun.safeParse(payload);
  if (!parsed.success || parsed.data.workflow_run.conclusion !== "success") return undefined;
  const run = parsed.data.workflow_run;
  return {
    source: parsed.data.repository.full_name,
    ...sourceUrl(parsed.data.repository),
    trigger: "workflow_run",
    sha: run.head_sha,
    builtAt: run.updated_at,
    url: run.html_url,
    workflow: {
      file: run.path.split("/").pop() ?? run.path,
      branch: run.head_branch ?? "",
      runNumber: run.run_number,
    },
  };
}

const registryPackage = z.object({
  action: z.literal("published"),
  registry_package: z.object({
    name: z.string(),
    namespace: z.string(),
    package_type: z.string(),
    html_url: z.string().optional(),
    registry: z.object({ url: z.string().optional() }).nullable().optional(),
    package_version: z
      .object({
        version: z.string(),
        html_url: z.string().optional(),
        created_at: z.string().optional(),
        target_oid: z.string().optional(),
        package_url: z.string().optional(),
        container_metadata: z
          .object({
            tag: z.object({ name: z.string().optional(), digest: z.string().optional() }).optional(),
          })
          .nullable()
          .optional(),
      })
      .nullable(),
  }),
  repository: z.object({ full_name: z.string(), html_url: z.string().optional() }).optional(),
});

/** A container image version published to GitHub Packages; other package types are ignored. */
export function buildFromRegistryPackage(payload: unknown, now: Date): Build | undefined {
  const parsed = registryPackage.safeParse(payload);
  if (!parsed.success) return undefined;
  const pkg = parsed.data.registry_package;
  const version = pkg.package_version;
  if (pkg.package_type.toLowerCase() !== "container" || version === null) return undefined;
  const tag = version.container_metadata?.tag?.name;
  if (!tag) return undefined; // an untagged push (e.g. a manifest list child) is not a release
  const digest =
    version.container_metadata?.tag?.digest ||
    (version.version.startsWith("sha256:") ? version.version : undefined);
  const host = (pkg.registry?.url ?? "https://ghcr.io").replace(/^https?:\/\//, "").replace(/\/$/, "");
  return {
    source: parsed.data.repository?.full_name ?? `${pkg.namespace}/${pkg.name}`,
    ...sourceUrl(parsed.data.repository),
    trigger: "registry_package",
    image: `${host}/${pkg.namespace}/${pkg.name}`.toLowerCase(),
    tag,
    ...(digest ? { digest } : {}),
    ...(version.target_oid ? { sha: version.target_oid } : {}),
    builtAt: version.created_at ?? now.toISOString(),
    ...(version.html_url ? { url: version.html_url } : {}),
  };
}

const release = z.object({
  action: z.literal("published"),
  release: z.object({
    tag_name: z.string(),
    html_url: z.string(),
    published_at: z.string().nullable(),
    draft: z.boolean().optional(),
  }),
  repository: z.object({ full_name: z.string(), html_url: z.string().optional() }),
});

/** A published release: its tag is the image tag. */
export function buildFromRelease(payload: unknown, now: Date): Build | undefined {
  const parsed = release.safeParse(payload);
  if (!parsed.success || parsed.data.release.draft) return undefined;
  const r = parsed.data.release;
  return {
    source: parsed.data.repository.full_name,
    ...sourceUrl(parsed.data.repository),
    trigger: "release",
    tag: r.tag_name,
    builtAt: r.published_at ?? now.toISOString(),
    url: r.html_url,
  };
}

/** `repository_dispatch` with event type `ferry-build`, sent by any CI. */
export const dispatchEventType = "ferry-build";

const dispatch = z.object({
  action: z.literal(dispatchEventType),
  client_payload: z.object({
    image: z.string().min(1),
    tag: z.string().min(1),
    digest: z
      .string()
      .regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, "a digest such as sha256:…")
      .optional(),
    sha: z.string().optional(),
    url: z.string().optional(),
  }),
  repository: z.object({ full_name: z.string(), html_url: z.string().optional() }),
});

/** Parses a dispatch; an error message says what the payload lacks (for the sender's log). */
export function buildFromDispatch(payload: unknown, now: Date): { build?: Build; error?: string } {
  if ((payload as { action?: unknown })?.action !== dispatchEventType) return {};
  const parsed = dispatch.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `ferry-build client_payload.${issue?.path.slice(1).join(".")}: ${issue?.message}` };
  }
  const p = parsed.data.client_payload;
  return {
    build: {
      source: parsed.data.repository.full_name,
      ...sourceUrl(parsed.data.repository),
      trigger: "repository_dispatch",
      image: p.image,
      tag: p.tag,
      ...(p.digest ? { digest: p.digest } : {}),
      ...(p.sha ? { sha: p.sha } : {}),
      ...(p.url ? { url: p.url } : {}),
      builtAt: now.toISOString(),
    },
  };
}

/**
 * The apps of a config repo that this build is for: by image when the event names one, otherwise
 * by source repo and, for workflow runs, by the configured workflow file and branch.
 */
export function appsForBuild(config: FerryConfig, build: Build): AppConfig[] {
  return config.apps.filter((app) => {
    if (build.image !== undefined) return sameImage(app.image, stripTag(build.image));
    if (app.source?.toLowerCase() !== build.source.toLowerCase()) return false;
    if (build.workflow === undefined) return true;
    const { workflow, branch } = app.trigger;
    return (workflow === undefined || workflow === build.workflow.file) && branch === build.workflow.branch;
  });
}

function sourceUrl(repo: { html_url?: string | undefined } | undefined): { sourceUrl?: string } {
  return repo?.html_url ? { sourceUrl: repo.html_url } : {};
}

/** `ghcr.io/acme/api:1.2` → `ghcr.io/acme/api` (a registry port is not a tag). */
function stripTag(image: string): string {
  const at = image.indexOf("@");
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(":");
  return colon > base.lastIndexOf("/") ? base.slice(0, colon) : base;
}
