import { z } from "zod";
import type { AppConfig, FerryConfig } from "../config/schema.js";
import type { Result } from "../findings.js";
import { isImageTag, sameImage } from "../images/reference.js";

/** A published image, however it was announced: the one shape every trigger is turned into. */
export interface Build {
  /** `owner/repo` of the app repo the event came from. */
  source: string;
  /** GitHub's numeric id of that repository, when the event carries it (compared with `sourceId`). */
  sourceId?: number;
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
  /** What to call the build when it is linked; by default from the trigger (`workflow run #12`). */
  label?: string;
  /** Web URL of the app repo, for compare links; its host is the only one Ferry links to. */
  sourceUrl?: string;
  workflow?: { file: string; branch: string; runNumber: number };
}

/**
 * Why an event is no build Ferry acts on. `warn`: a build was announced but may not promote
 * (operators should see it); `debug`: the event is simply not a build (a failed run, a draft).
 */
export interface NotABuild {
  level: "debug" | "warn";
  reason: string;
}

export type BuildResult = Result<Build, NotABuild>;

const skip = (reason: string): BuildResult => ({ ok: false, errors: { level: "debug", reason } });
const refuse = (reason: string): BuildResult => ({ ok: false, errors: { level: "warn", reason } });
const built = (build: Build): BuildResult => ({ ok: true, value: build });

/** The `repository` of a build event: the fields a build reads. */
export const buildRepository = z.object({
  id: z.number().optional(),
  full_name: z.string(),
  html_url: z.string().optional(),
});
type Repository = z.infer<typeof buildRepository>;

/** Workflow events that run a pull request's code (a fork's, or a branch not yet reviewed). */
const pullRequestEvents = /^pull_request/;

export const workflowRunPayload = z.object({
  action: z.literal("completed"),
  workflow_run: z.object({
    conclusion: z.string().nullable(),
    event: z.string(),
    /** The workflow file; older payloads carry it only as `workflow.path`. */
    path: z.string().optional(),
    head_branch: z.string().nullable(),
    head_sha: z.string(),
    head_repository: buildRepository.nullable().optional(),
    run_number: z.number(),
    html_url: z.string(),
    updated_at: z.string(),
  }),
  workflow: z.object({ path: z.string() }).optional(),
  repository: buildRepository,
});

/**
 * A successful workflow run. A run a pull request triggered, or whose code came from another
 * repository (a fork), is refused whatever its branch is called: its code was never merged.
 */
export function buildFromWorkflowRun(payload: unknown): BuildResult {
  const parsed = workflowRunPayload.safeParse(payload);
  if (!parsed.success) return skip("not a completed workflow run");
  const run = parsed.data.workflow_run;
  const repo = parsed.data.repository;
  if (run.conclusion !== "success")
    return skip(`the run concluded ${run.conclusion ?? "without a conclusion"}`);
  if (pullRequestEvents.test(run.event))
    return refuse(
      `workflow run ${run.html_url} was triggered by ${run.event}: a pull request's code never promotes`,
    );
  if (!run.head_repository || !sameRepository(run.head_repository, repo))
    return refuse(
      `workflow run ${run.html_url} built code from ${run.head_repository?.full_name ?? "an unknown repository"}, not from ${repo.full_name} (a fork's branch never promotes)`,
    );
  const path = run.path ?? parsed.data.workflow?.path;
  if (path === undefined) return refuse(`workflow run ${run.html_url} names no workflow file`);
  return built({
    ...origin(repo),
    trigger: "workflow_run",
    sha: run.head_sha,
    builtAt: run.updated_at,
    url: run.html_url,
    workflow: {
      file: path.split("/").pop() ?? path,
      branch: run.head_branch ?? "",
      runNumber: run.run_number,
    },
  });
}

export const registryPackagePayload = z.object({
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
  repository: buildRepository.nullable().optional(),
});

/**
 * A container image version published to GitHub Packages; other package types are ignored. A
 * package linked to no repository is refused: nothing says which app's source published it.
 */
export function buildFromRegistryPackage(payload: unknown, now: Date): BuildResult {
  const parsed = registryPackagePayload.safeParse(payload);
  if (!parsed.success) return skip("not a published package");
  const pkg = parsed.data.registry_package;
  const version = pkg.package_version;
  if (pkg.package_type.toLowerCase() !== "container" || version === null)
    return skip("not a container image");
  const tag = version.container_metadata?.tag?.name;
  if (!tag) return skip("an untagged image"); // e.g. a manifest list child is not a release
  const repo = parsed.data.repository;
  if (!repo)
    return refuse(
      `package ${pkg.namespace}/${pkg.name}:${tag} is linked to no repository, so no app's source can have published it`,
    );
  const digest =
    version.container_metadata?.tag?.digest ||
    (version.version.startsWith("sha256:") ? version.version : undefined);
  const host = (pkg.registry?.url ?? "https://ghcr.io").replace(/^https?:\/\//, "").replace(/\/$/, "");
  return built({
    ...origin(repo),
    trigger: "registry_package",
    image: `${host}/${pkg.namespace}/${pkg.name}`.toLowerCase(),
    tag,
    ...(digest ? { digest } : {}),
    ...(version.target_oid ? { sha: version.target_oid } : {}),
    builtAt: version.created_at ?? now.toISOString(),
    ...(version.html_url ? { url: version.html_url } : {}),
  });
}

export const releasePayload = z.object({
  action: z.literal("published"),
  release: z.object({
    tag_name: z.string(),
    html_url: z.string(),
    published_at: z.string().nullable(),
    draft: z.boolean().optional(),
  }),
  repository: buildRepository,
});

/** A published release: its tag is the image tag. */
export function buildFromRelease(payload: unknown, now: Date): BuildResult {
  const parsed = releasePayload.safeParse(payload);
  if (!parsed.success) return skip("not a published release");
  if (parsed.data.release.draft) return skip("a draft release");
  const r = parsed.data.release;
  return built({
    ...origin(parsed.data.repository),
    trigger: "release",
    tag: r.tag_name,
    builtAt: r.published_at ?? now.toISOString(),
    url: r.html_url,
  });
}

/** `repository_dispatch` with event type `ferry-build`, sent by any CI. */
export const dispatchEventType = "ferry-build";

const dispatch = z.object({
  action: z.literal(dispatchEventType),
  client_payload: z.object({
    image: z.string().min(1),
    tag: z
      .string()
      .refine(isImageTag, "an image tag: 1-128 of letters, digits, _ . - not starting with . or -"),
    digest: z
      .string()
      .regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, "a digest such as sha256:…")
      .optional(),
    sha: z
      .string()
      .regex(/^[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?$/, "a full commit SHA (40 hex digits)")
      .optional(),
    url: z.string().optional(),
  }),
  repository: buildRepository,
});

/** Parses a dispatch; a refusal says what the payload lacks (for the operator's log). */
export function buildFromDispatch(payload: unknown, now: Date): BuildResult {
  if ((payload as { action?: unknown })?.action !== dispatchEventType)
    return skip("not a ferry-build dispatch");
  const parsed = dispatch.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(`ferry-build ${issue?.path.join(".") || "payload"}: ${issue?.message}`);
  }
  const p = parsed.data.client_payload;
  return built({
    ...origin(parsed.data.repository),
    trigger: "repository_dispatch",
    image: p.image,
    tag: p.tag,
    ...(p.digest ? { digest: p.digest } : {}),
    ...(p.sha ? { sha: p.sha.toLowerCase() } : {}),
    ...(p.url ? { url: p.url } : {}),
    builtAt: now.toISOString(),
  });
}

/** The apps of one config repo a build is about, and those it may not promote (with the reason). */
export interface AppsForBuild {
  apps: AppConfig[];
  refused: { app: string; reason: string }[];
}

/**
 * The apps of a config repo that this build is for — by image when the event names one, otherwise
 * by source repo and, for workflow runs, the configured workflow file and branch — and among them,
 * those it may promote: only builds from the app's own `source` (and `sourceId`, when pinned) count.
 */
export function appsForBuild(config: FerryConfig, build: Build): AppsForBuild {
  const result: AppsForBuild = { apps: [], refused: [] };
  for (const app of config.apps) {
    if (!isAbout(app, build)) continue;
    const reason = sourceRefusal(app, build);
    if (reason === undefined) result.apps.push(app);
    else result.refused.push({ app: app.name, reason });
  }
  return result;
}

function isAbout(app: AppConfig, build: Build): boolean {
  if (build.image !== undefined) return sameImage(app.image, stripTag(build.image));
  if (app.source?.toLowerCase() !== build.source.toLowerCase()) return false;
  if (build.workflow === undefined) return true;
  const { workflow, branch } = app.trigger;
  return (workflow === undefined || workflow === build.workflow.file) && branch === build.workflow.branch;
}

/** Why this build may not promote `app`, or undefined when it may. */
export function sourceRefusal(app: AppConfig, build: Build): string | undefined {
  const what = `${build.trigger.replaceAll("_", " ")} from ${build.source}`;
  if (app.source === undefined)
    return `${what} is not a build of ${app.name}: ${app.name} has no source in ferry.yml, so no build promotes it`;
  if (app.source.toLowerCase() !== build.source.toLowerCase())
    return `${what} is not a build of ${app.name}: only builds from its source ${app.source} count`;
  if (app.sourceId !== undefined && build.sourceId !== app.sourceId)
    return `${what} is not a build of ${app.name}: the repository's id ${build.sourceId ?? "(not in the event)"} is not the sourceId ${app.sourceId} ferry.yml pins`;
  return undefined;
}

/** Two repositories of one payload: by id when both carry one, else by name. */
function sameRepository(a: Repository, b: Repository): boolean {
  if (a.id !== undefined && b.id !== undefined) return a.id === b.id;
  return a.full_name.toLowerCase() === b.full_name.toLowerCase();
}

function origin(repo: Repository): Pick<Build, "source" | "sourceId" | "sourceUrl"> {
  return {
    source: repo.full_name,
    ...(repo.id !== undefined ? { sourceId: repo.id } : {}),
    ...(repo.html_url ? { sourceUrl: repo.html_url } : {}),
  };
}

/** `ghcr.io/acme/api:1.2` → `ghcr.io/acme/api` (a registry port is not a tag). */
function stripTag(image: string): string {
  const at = image.indexOf("@");
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(":");
  return colon > base.lastIndexOf("/") ? base.slice(0, colon) : base;
}
