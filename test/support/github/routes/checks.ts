import { HttpError, notFound } from "../errors.js";
import { checkRunJson, checkSuiteJson } from "../json.js";
import type { AnnotationRecord, CheckRunRecord, RepoRecord } from "../model.js";
import { type Ctx, paginate, requireFields, routes } from "../router.js";
import type { GitHubState } from "../state.js";
import { now } from "../state.js";

/** Check runs and suites. GitHub caps annotations at 50 per request; they accumulate across updates. */

const MAX_ANNOTATIONS = 50;

interface OutputInput {
  title?: string;
  summary?: string;
  text?: string;
  annotations?: Partial<AnnotationRecord>[];
}

function applyOutput(run: CheckRunRecord, output: OutputInput | undefined): void {
  if (!output) return;
  const annotations = output.annotations ?? [];
  if (annotations.length > MAX_ANNOTATIONS)
    throw new HttpError(422, "Invalid request.\n\nOnly 50 annotations are allowed per request.", [
      {
        resource: "CheckRun",
        field: "output.annotations",
        code: "invalid",
        message: "Only 50 annotations are allowed per request.",
      },
    ]);
  if (output.title === undefined || output.summary === undefined)
    throw new HttpError(422, 'Invalid request.\n\n"title", "summary" weren\'t supplied.');
  for (const a of annotations) {
    if (
      !a.path ||
      a.start_line === undefined ||
      a.end_line === undefined ||
      !a.annotation_level ||
      !a.message
    )
      throw new HttpError(
        422,
        "Invalid request.\n\nannotations need path, start_line, end_line, annotation_level and message.",
      );
    if (!["notice", "warning", "failure"].includes(a.annotation_level))
      throw new HttpError(
        422,
        `Invalid request.\n\n"${a.annotation_level}" is not a valid annotation_level.`,
      );
  }
  run.output.title = output.title;
  run.output.summary = output.summary;
  if (output.text !== undefined) run.output.text = output.text;
  run.output.annotations.push(...(annotations as AnnotationRecord[]));
}

interface RunInput {
  name?: string;
  status?: string;
  conclusion?: string;
  started_at?: string;
  completed_at?: string;
  details_url?: string;
  external_id?: string;
  output?: OutputInput;
  actions?: unknown[];
}

function applyStatus(run: CheckRunRecord, b: RunInput): void {
  if (b.name !== undefined) run.name = b.name;
  if (b.details_url !== undefined) run.details_url = b.details_url;
  if (b.external_id !== undefined) run.external_id = b.external_id;
  if (b.actions !== undefined) run.actions = b.actions;
  if (b.started_at !== undefined) run.started_at = b.started_at;
  if (b.conclusion !== undefined) {
    run.status = "completed";
    run.conclusion = b.conclusion;
    run.completed_at = b.completed_at ?? now();
  } else if (b.status !== undefined) {
    if (b.status === "completed")
      throw new HttpError(422, "Invalid request.\n\nconclusion is required when status is completed.");
    run.status = b.status as CheckRunRecord["status"];
    run.conclusion = null;
    run.completed_at = null;
  }
}

/** The suite of `appId` (default: the server's own app) for a commit, made on first use. */
export function suiteFor(state: GitHubState, r: RepoRecord, headSha: string, appId?: number): number {
  const own = appId === undefined || appId === state.options.appId ? undefined : appId;
  const existing = r.checkSuites.find((s) => s.head_sha === headSha && s.app_id === own);
  if (existing) return existing.id;
  const branch = [...r.refs.entries()].find(
    ([ref, sha]) => sha === headSha && ref.startsWith("refs/heads/"),
  )?.[0];
  const id = state.id();
  r.checkSuites.push({
    id,
    head_sha: headSha,
    head_branch: branch?.slice("refs/heads/".length) ?? null,
    created_at: now(),
    ...(own !== undefined ? { app_id: own } : {}),
  });
  return id;
}

function mustRun(ctx: Ctx, id: string): CheckRunRecord {
  const run = ctx.repo().checkRuns.find((c) => c.id === Number(id));
  if (!run) throw notFound();
  return run;
}

/** The creating app's id as GitHub reports it (`app.id`). */
const appOf = (ctx: Ctx, run: CheckRunRecord): number => run.app_id ?? ctx.state.options.appId;

function runsForRef(ctx: Ctx, ref: string): CheckRunRecord[] {
  const r = ctx.repo();
  const sha = ctx.state.resolve(r, ref);
  if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`);
  let runs = r.checkRuns.filter((c) => c.head_sha === sha);
  const name = ctx.query.get("check_name");
  if (name) runs = runs.filter((c) => c.name === name);
  const status = ctx.query.get("status");
  if (status) runs = runs.filter((c) => c.status === status);
  const app = ctx.query.get("app_id");
  if (app) runs = runs.filter((c) => appOf(ctx, c) === Number(app));
  // filter=latest (GitHub's default) keeps the most recent run per name in each app's suite.
  if ((ctx.query.get("filter") ?? "latest") === "latest") {
    const latest = new Map<string, CheckRunRecord>();
    for (const run of runs) latest.set(`${appOf(ctx, run)}\n${run.name}`, run);
    runs = [...latest.values()];
  }
  return [...runs].sort((a, b) => b.id - a.id);
}

export const checkRoutes = routes({
  "POST /repos/{owner}/{repo}/check-runs": (ctx) => {
    requireFields(ctx.body, "name", "head_sha");
    const r = ctx.repo();
    const b = ctx.body as RunInput & { head_sha: string };
    if (!r.objects.commit(b.head_sha)) throw new HttpError(422, `No commit found for SHA: ${b.head_sha}`);
    const run: CheckRunRecord = {
      id: ctx.state.id(),
      name: b.name as string,
      head_sha: b.head_sha,
      status: "queued",
      conclusion: null,
      started_at: now(),
      completed_at: null,
      details_url: null,
      external_id: null,
      output: { title: null, summary: null, text: null, annotations: [] },
      actions: [],
      check_suite_id: suiteFor(ctx.state, r, b.head_sha, ctx.appId),
      updates: 0,
      history: [],
      ...(ctx.appId !== ctx.state.options.appId ? { app_id: ctx.appId } : {}),
    };
    applyStatus(run, b);
    applyOutput(run, b.output);
    run.history.push({ status: run.status, title: run.output.title });
    r.checkRuns.push(run);
    if (run.status === "completed") ctx.state.runAutoMerges(r);
    return { status: 201, body: checkRunJson(ctx.state, r, run) };
  },

  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": (ctx) => {
    const r = ctx.repo();
    const run = mustRun(ctx, ctx.params.check_run_id);
    // Only the app that created a check run may change it, as on GitHub.
    if (appOf(ctx, run) !== ctx.appId) throw new HttpError(403, "Resource not accessible by integration");
    const b = ctx.body as RunInput;
    // Validate output first so a rejected update changes nothing.
    const copy = structuredClone(run);
    applyOutput(copy, b.output);
    applyStatus(copy, b);
    Object.assign(run, copy, { updates: run.updates + 1 });
    run.history.push({ status: run.status, title: run.output.title });
    if (run.status === "completed") ctx.state.runAutoMerges(r);
    return { body: checkRunJson(ctx.state, r, run) };
  },

  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}": (ctx) => ({
    body: checkRunJson(ctx.state, ctx.repo(), mustRun(ctx, ctx.params.check_run_id)),
  }),

  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations": (ctx) => {
    const page = paginate(ctx, mustRun(ctx, ctx.params.check_run_id).output.annotations);
    return {
      body: page.items.map((a) => ({
        blob_href: "",
        start_column: null,
        end_column: null,
        title: null,
        raw_details: null,
        ...a,
      })),
      headers: page.headers,
    };
  },

  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": (ctx) => {
    const r = ctx.repo();
    const runs = runsForRef(ctx, ctx.params.ref);
    const page = paginate(ctx, runs);
    return {
      body: { total_count: runs.length, check_runs: page.items.map((c) => checkRunJson(ctx.state, r, c)) },
      headers: page.headers,
    };
  },

  "GET /repos/{owner}/{repo}/commits/{ref}/check-suites": (ctx) => {
    const r = ctx.repo();
    const sha = ctx.state.resolve(r, ctx.params.ref);
    if (!sha) throw new HttpError(422, `No commit found for SHA: ${ctx.params.ref}`);
    const suites = r.checkSuites.filter((s) => s.head_sha === sha);
    const page = paginate(ctx, suites);
    return {
      body: {
        total_count: suites.length,
        check_suites: page.items.map((s) => checkSuiteJson(ctx.state, r, s)),
      },
      headers: page.headers,
    };
  },

  "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs": (ctx) => {
    const r = ctx.repo();
    const runs = r.checkRuns.filter((c) => c.check_suite_id === Number(ctx.params.check_suite_id));
    const page = paginate(ctx, runs);
    return {
      body: { total_count: runs.length, check_runs: page.items.map((c) => checkRunJson(ctx.state, r, c)) },
      headers: page.headers,
    };
  },

  "POST /repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest": (ctx) => {
    const run = mustRun(ctx, ctx.params.check_run_id);
    ctx.state.events?.checkRun(ctx.repo(), "rerequested", run, ctx.actor);
    return { status: 201, body: {} };
  },

  "POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest": (ctx) => {
    const r = ctx.repo();
    const suite = r.checkSuites.find((x) => x.id === Number(ctx.params.check_suite_id));
    if (!suite) throw notFound();
    ctx.state.events?.checkSuite(r, "rerequested", suite, ctx.actor);
    return { status: 201, body: {} };
  },

  "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}": (ctx) => {
    const r = ctx.repo();
    const suite = r.checkSuites.find((x) => x.id === Number(ctx.params.check_suite_id));
    if (!suite) throw notFound();
    return { body: checkSuiteJson(ctx.state, r, suite) };
  },
});
