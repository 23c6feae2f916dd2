import { z } from "zod";
import { parseImageReference } from "../images/reference.js";

/** How loudly a policy rule speaks; `off` disables it. */
export const severitySetting = z.enum(["off", "notice", "warning", "error"]);
export type SeveritySetting = z.infer<typeof severitySetting>;

/** Every policy rule Ferry knows; a key not listed here is a typo and fails the config. */
export const policyRuleIds = [
  "no-latest-tag",
  "allowed-registries",
  "digest-pinned",
  "resources-required",
  "no-privileged",
  "no-host-namespaces",
  "run-as-non-root",
  "no-plaintext-secrets",
  "required-labels",
] as const;
export type PolicyRuleId = (typeof policyRuleIds)[number];

const ruleSetting = z.union(
  [
    severitySetting,
    z
      .object({
        /** Severity of this rule's findings. Defaults to the rule's own default. */
        severity: severitySetting.optional(),
        /** allowed-registries: image name prefixes that may be deployed, e.g. `ghcr.io/acme`. */
        registries: z.array(z.string().min(1)).optional(),
        /** required-labels: metadata labels every workload must carry. */
        labels: z.array(z.string().min(1)).optional(),
      })
      .strict(),
    /** Shorthand for list-valued rules: `allowed-registries: [ghcr.io/acme]` means severity error. */
    z.array(z.string().min(1)),
  ],
  { error: "expected off, notice, warning or error, or { severity, registries, labels }" },
);
export type RuleSetting = z.infer<typeof ruleSetting>;

const policy = z
  .object(
    Object.fromEntries(policyRuleIds.map((id) => [id, ruleSetting.optional()])) as {
      [K in PolicyRuleId]: z.ZodOptional<typeof ruleSetting>;
    },
  )
  .strict();
export type PolicyConfig = z.infer<typeof policy>;

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, "a duration such as 30s, 10m or 1h")
  .describe("A duration: a number followed by ms, s, m or h.");

const provenanceMode = z.enum(["required", "optional", "off"]);

const provenanceFields = {
  /** required: every digest must be attested; optional: an attestation is checked when one exists; off: not checked. */
  mode: provenanceMode
    .optional()
    .describe(
      "required: every promoted digest must carry a passing attestation (tag-only references fail); optional: attestations that exist are checked; off: not checked.",
    ),
  /** Globs over `owner/repo/path` of the signing workflow; default: any workflow of the app's source repo. */
  workflows: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "Globs over owner/repo/path of the workflow that signed the attestation (for a reusable workflow, the called one); default: the source repo's .github/workflows/**.",
    ),
  /** Globs over the full ref the build ran on; default: the trigger branch. */
  refs: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "Globs over the full git ref the build ran on, e.g. refs/heads/main; default: the trigger branch.",
    ),
  /** Events that may start the build; default push, workflow_dispatch and release. */
  triggers: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe("Workflow events that may start the build; default push, workflow_dispatch, release."),
  /** Refuse builds on self-hosted runners (default true). */
  githubHostedRunners: z
    .boolean()
    .optional()
    .describe("Accept only builds on GitHub-hosted runners (default true)."),
  /** The OIDC issuer in the signing certificate; default GitHub Actions' own. */
  issuer: z
    .string()
    .url()
    .optional()
    .describe("OIDC issuer in the signing certificate; default https://token.actions.githubusercontent.com."),
  /** Also require the attested commit to be in the history of its branch (one more request per digest). */
  requireReachable: z
    .boolean()
    .optional()
    .describe(
      "Also require the attested source commit to be in the history of the branch it was built from (for a tag build, the trigger branch): a commit only on another branch, or force-pushed away, fails. Default false.",
    ),
};

type ProvenanceFields = z.infer<z.ZodObject<typeof provenanceFields>>;

/** `provenance: required` is shorthand for `{ mode: required }`. */
const provenanceSetting = z
  .union(
    [provenanceMode.transform((mode): ProvenanceFields => ({ mode })), z.object(provenanceFields).strict()],
    {
      error:
        "expected required, optional or off, or { mode, workflows, refs, triggers, githubHostedRunners, issuer, requireReachable }",
    },
  )
  .describe(
    "Build provenance (GitHub artifact attestations) a promoted digest must carry; see docs/provenance.md.",
  );
export type ProvenanceSetting = z.infer<typeof provenanceSetting>;

const environment = z
  .object({
    /** Environment name, used in branch names (`ferry/<env>/<app>`), labels and check names. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")
      .describe("Environment name, used in branch names, labels and check run names."),
    /** Globs (relative to the repo root) of the files that make up this environment. */
    paths: z
      .array(z.string().min(1))
      .min(1)
      .describe("Globs of the files that make up this environment, e.g. overlays/staging/**."),
    /**
     * The environment(s) a tag must be verified healthy in before it may come here. A list is a
     * fan-in: the PR opens only once every one of them is verified for the tag. Read as a list.
     */
    after: z
      .union([z.string(), z.array(z.string()).min(1)], {
        error: "expected an environment name or a list of them, e.g. [staging-eu, staging-us]",
      })
      .transform((after) => (typeof after === "string" ? [after] : after))
      .optional()
      .describe(
        "The environment a tag must be verified healthy in first, or a list of them: every one must be (fan-in).",
      ),
    /** Enable GitHub auto-merge on this environment's Ferry PRs. */
    autoMerge: z.boolean().default(false).describe("Enable auto-merge on this environment's Ferry PRs."),
    /** Which tags may be deployed here. */
    tags: z
      .object({
        /** A semver range the tag must satisfy, e.g. ">=1.0.0". A leading `v` on tags is ignored. */
        semver: z.string().optional().describe("A semver range the tag must satisfy, e.g. >=1.0.0."),
        /** Whether prerelease tags (1.2.0-rc.1) are allowed. */
        prerelease: z
          .boolean()
          .default(true)
          .describe("Whether prerelease tags such as 1.2.0-rc.1 are allowed."),
        /** A regular expression the whole tag must match, for non-semver schemes. */
        pattern: z.string().optional().describe("A regular expression the whole tag must match."),
      })
      .strict()
      .default({ prerelease: true })
      .describe("Which tags may be deployed to this environment."),
    /** `required`: references here must pin a digest (`image:tag@sha256:…`). */
    digest: z
      .enum(["required", "optional"])
      .default("optional")
      .describe("required: image references here must carry a digest."),
    /** How long the environment must stay healthy before the next environment's PR opens. */
    soak: duration
      .default("0s")
      .describe("How long the environment must stay healthy before promotion onward."),
    /** A reconcile that has not become healthy after this long fails its check. */
    reconcileTimeout: duration
      .default("15m")
      .describe("A reconcile not healthy after this long fails its check."),
    /** Unknown Kubernetes kinds fail validation instead of being noted. */
    strict: z.boolean().default(false).describe("Fail validation on Kubernetes kinds Ferry cannot check."),
    /** Policy overrides for this environment only. */
    policy: policy.default({}).describe("Policy rule overrides for this environment."),
    /** Provenance settings for every app in this environment, over each app's own. */
    provenance: provenanceSetting.optional(),
  })
  .strict();
export type EnvironmentConfig = z.infer<typeof environment>;

const fieldRef = z
  .object({
    /** Glob of the files holding the value. */
    file: z.string().min(1).describe("Glob of the files holding the value."),
    /** Dotted key path to the scalar, e.g. `spec.values.api.image.tag` (numbers index lists). */
    path: z.string().min(1).describe("Dotted key path to the scalar, e.g. spec.values.api.image.tag."),
    /** What the scalar holds: a tag, a digest, or a whole reference `repo:tag@digest`. */
    part: z.enum(["tag", "digest", "reference"]).default("tag").describe("What the scalar holds."),
  })
  .strict();

const app = z
  .object({
    /** App name, used in branch names, titles and ChatOps commands. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, "lower-case letters, digits, dots, dashes and underscores")
      .describe("App name, used in branch names, PR titles and ChatOps commands."),
    /** Image repository without tag or digest, in lower case, e.g. `ghcr.io/acme/api`. */
    image: z
      .string()
      .min(1, { error: "empty; write the repository alone, e.g. image: ghcr.io/acme/api", abort: true })
      .superRefine(checkImageRepository)
      .describe("Image repository without a tag or digest, in lower case, e.g. ghcr.io/acme/api."),
    /**
     * The `owner/repo` whose builds may promote this app: workflow runs, releases, packages and
     * `ferry-build` dispatches from any other repository are refused. Without it, no build
     * promotes the app (ChatOps and the environment chain still do).
     */
    source: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, "owner/repo")
      .optional()
      .describe(
        "The owner/repo whose builds may promote this app; builds from any other repository are refused. Without it, no build promotes the app.",
      ),
    /** GitHub's numeric id of `source`: pins it, so a renamed or re-created repository of that name does not count. */
    sourceId: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "GitHub's numeric id of the source repository: pins it, so a renamed or re-created repository of the same name does not count.",
      ),
    /** Which workflow runs count as builds of this app. */
    trigger: z
      .object({
        /** Workflow file name, e.g. `build.yml`. */
        workflow: z.string().optional().describe("Workflow file name, e.g. build.yml."),
        /** Branch whose successful runs are promoted. */
        branch: z.string().default("main").describe("Branch whose successful runs are promoted."),
      })
      .strict()
      .default({ branch: "main" })
      .describe("Which workflow runs count as builds of this app."),
    /** How a workflow run becomes a tag: `{{ sha }}`, `{{ short_sha }}`, `{{ run_number }}`, `{{ branch }}`, `{{ git_tag }}`. */
    tag: z
      .string()
      .default("sha-{{ short_sha }}")
      .describe(
        "How a workflow run becomes a tag; placeholders sha, short_sha, run_number, branch, git_tag.",
      ),
    /** Environments this app is promoted through, in order; defaults to all. */
    environments: z.array(z.string()).optional().describe("Environments this app goes through; default all."),
    /** Explicit locations of the tag or digest, for layouts no heuristic finds. */
    fields: z.array(fieldRef).default([]).describe("Explicit locations of the image tag or digest."),
    /** Build provenance every promoted digest of this app must carry (default off). */
    provenance: provenanceSetting.optional(),
    /** Add an `images:` entry to an environment's kustomization.yaml that has none for this image. */
    addToKustomization: z
      .boolean()
      .default(false)
      .describe("Add an images: entry to kustomization.yaml files that lack one for this image."),
  })
  .strict();
export type AppConfig = z.infer<typeof app>;

const cluster = z
  .object({
    /** The agent's identity; the app holds a shared secret for it (see docs/agent.md). */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")
      .describe("The agent's identity; reports are signed with this cluster's secret."),
    /** The environment this cluster's reports speak for. */
    environment: z.string().describe("The environment this cluster's reports speak for."),
  })
  .strict();
export type ClusterConfig = z.infer<typeof cluster>;

/** `.github/ferry.yml` in a config repo: the single place that says what Ferry does there. */
export const ferryConfigSchema = z
  .object({
    /** Environments in promotion order (`after` may say so explicitly). */
    environments: z.array(environment).min(1).describe("Environments in promotion order."),
    /** Apps whose images Ferry promotes. */
    apps: z.array(app).default([]).describe("Apps whose images Ferry promotes."),
    /** Clusters whose agents report reconciliation. */
    clusters: z.array(cluster).default([]).describe("Clusters whose agents report reconciliation."),
    /** Policy rule severities for every environment. */
    policy: policy.default({}).describe("Policy rule severities: off, notice, warning or error."),
  })
  .strict()
  // Cross-references run even when another field is malformed, so one push shows every error
  // (by default zod skips refinements after a failed field). They read only what parsed.
  .superRefine((raw, ctx) => crossReferences(raw as unknown, ctx), {
    when: (payload) => isRecordLike(payload.value),
  });

/** Environments, apps and clusters as far as they parsed: names, `after` lists and patterns. */
function crossReferences(raw: unknown, ctx: z.RefinementCtx): void {
  const config = raw as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter(isRecordLike) : []);
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  const environments = list(config.environments).flatMap((e) => {
    const name = text(e.name);
    if (name === undefined) return [];
    const after =
      typeof e.after === "string"
        ? [e.after]
        : Array.isArray(e.after)
          ? e.after.filter((a) => typeof a === "string")
          : undefined;
    const tags = isRecordLike(e.tags) ? e.tags : {};
    return [{ name, after, pattern: text(tags.pattern) }];
  });
  const names = environments.map((e) => e.name);
  const apps = list(config.apps);
  const clusters = list(config.clusters);
  unique(names, ["environments"], "environment", ctx);
  unique(
    apps.map((a) => text(a.name) ?? ""),
    ["apps"],
    "app",
    ctx,
  );
  unique(
    clusters.map((c) => text(c.name) ?? ""),
    ["clusters"],
    "cluster",
    ctx,
  );
  environments.forEach((env, i) => {
    checkAfter(env, i, environments, ctx);
    if (env.pattern !== undefined && !isRegExp(env.pattern)) {
      ctx.addIssue({
        code: "custom",
        path: ["environments", i, "tags", "pattern"],
        message: "not a valid regular expression",
      });
    }
  });
  const modeOf = (v: unknown) => text(v) ?? (isRecordLike(v) ? text(v.mode) : undefined);
  const environmentModes = list(config.environments).map((e) => modeOf(e.provenance));
  apps.forEach((a, i) => {
    const checked = [modeOf(a.provenance), ...environmentModes];
    if (text(a.source) === undefined && checked.some((mode) => mode === "required" || mode === "optional")) {
      ctx.addIssue({
        code: "custom",
        path: ["apps", i, "source"],
        message: "provenance is checked against the app's source repo: set source: owner/repo",
      });
    }
  });
  apps.forEach((a, i) => {
    const listed = Array.isArray(a.environments) ? a.environments : [];
    listed.forEach((name, j) => {
      if (typeof name === "string" && !names.includes(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["apps", i, "environments", j],
          message: `unknown environment "${name}"`,
        });
      }
    });
  });
  clusters.forEach((c, i) => {
    const environment = text(c.environment);
    if (environment !== undefined && !names.includes(environment)) {
      ctx.addIssue({
        code: "custom",
        path: ["clusters", i, "environment"],
        message: `unknown environment "${environment}"`,
      });
    }
  });
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type FerryConfig = z.infer<typeof ferryConfigSchema>;

function unique(values: string[], path: (string | number)[], what: string, ctx: z.RefinementCtx): void {
  values.forEach((value, i) => {
    if (values.indexOf(value) !== i) {
      ctx.addIssue({
        code: "custom",
        path: [...path, i, "name"],
        message: `duplicate ${what} name "${value}"`,
      });
    }
  });
}

/**
 * `apps[].image` names a repository: Ferry appends the tags, and compares names exactly as the
 * manifests spell them. The message says what to write instead.
 */
function checkImageRepository(image: string, ctx: z.RefinementCtx): void {
  const example = "write the repository alone, e.g. image: ghcr.io/acme/api";
  const parsed = parseImageReference(image);
  if (!parsed.ok) {
    const fixed = parseImageReference(image.trim().toLowerCase());
    const suggestion = fixed.ok
      ? `write image: ${withoutPins(fixed.value, image.trim().toLowerCase())}`
      : example;
    ctx.addIssue({ code: "custom", message: `${parsed.errors}; ${suggestion}` });
    return;
  }
  const { tag, digest } = parsed.value;
  const bare = withoutPins(parsed.value, image);
  if (tag !== undefined || digest !== undefined) {
    const what = tag !== undefined ? `tag ":${tag}"` : `digest "@${digest}"`;
    ctx.addIssue({
      code: "custom",
      message: `"${image}" has a ${what}, but apps[].image names the repository only (Ferry writes the tags); write image: ${bare.toLowerCase()}`,
    });
  } else if (image !== image.toLowerCase()) {
    ctx.addIssue({
      code: "custom",
      message: `"${image}" has upper case, which never matches a manifest's lower-case reference; write image: ${image.toLowerCase()}`,
    });
  }
}

/** The reference as written, without its `:tag` and `@digest`. */
function withoutPins(ref: { tag?: string; digest?: string }, text: string): string {
  let name = text;
  if (ref.digest !== undefined) name = name.slice(0, name.lastIndexOf("@"));
  if (ref.tag !== undefined) name = name.slice(0, name.lastIndexOf(":"));
  return name;
}

/** `after`: known environments, not itself, each once, and no cycle through other environments. */
function checkAfter(
  env: { name: string; after?: string[] | undefined },
  index: number,
  environments: readonly { name: string; after?: string[] | undefined }[],
  ctx: z.RefinementCtx,
): void {
  const names = environments.map((e) => e.name);
  const issue = (j: number, message: string) =>
    ctx.addIssue({
      code: "custom",
      path: ["environments", index, "after", ...(env.after?.length === 1 ? [] : [j])],
      message,
    });
  env.after?.forEach((name, j) => {
    if (!names.includes(name)) issue(j, `unknown environment "${name}"; expected one of ${names.join(", ")}`);
    else if (name === env.name) issue(j, "cannot come after itself");
    else if (env.after?.indexOf(name) !== j) issue(j, `"${name}" is listed twice`);
    else if (reaches(name, env.name, environments))
      issue(j, `"${name}" itself comes after ${env.name}: a cycle, so no tag could ever reach either`);
  });
}

/** Whether `to` is upstream of `from` (following `after` links). */
function reaches(
  from: string,
  to: string,
  environments: readonly { name: string; after?: string[] | undefined }[],
): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (name === to) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    stack.push(...(environments.find((e) => e.name === name)?.after ?? []));
  }
  return false;
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/**
 * `.github/ferry.yml` in an app repo (optional): names the config repo(s) its builds go to, so
 * Ferry need not search the installation for config repos that list this repo as a source.
 */
export const appRepoConfigSchema = z
  .object({
    /** `owner/repo` of the config repo, or a list of them. */
    config: z
      .union([
        z.string().regex(/^[\w.-]+\/[\w.-]+$/, "owner/repo"),
        z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, "owner/repo")),
      ])
      .describe("owner/repo of the config repo(s) this app repo's builds are promoted in."),
  })
  .strict();
export type AppRepoConfig = z.infer<typeof appRepoConfigSchema>;
