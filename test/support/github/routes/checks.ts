import { HttpError, notFound, validationFailed } from "../errors.js";
import { checkRunJson, checkSuiteJson } from "../json.js";
import type { AnnotationRecord, AppRecord, CheckRunRecord } from "../model.js";
import { type Ctx, paginate, requireFields, routes } from "../router.js";
import { now } from "../state.js";
import { latestRuns, refreshSuite, rerequestSuite, suiteFor } from "../suites.js";

/**
 * Check runs and suites. GitHub caps annotations at 50 per request; they accumulate across
 * updates. Only GitHub Apps use the Checks API, and a completed run's status and conclusion are
 * final: a new verdict is a new run of the same name (the latest per name is the one shown).
 */

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
  if (run.status === "completed") {
    const reopens = b.status !== undefined && b.status !== "completed";
    const changes = b.conclusion !== undefined && b.conclusion !== run.conclusion;
    if (reopens || changes)
      throw validationFailed(
        "CheckRun",
        "This check run has completed: its status and conclusion can no longer change. Create a new check run for a new result.",
        reopens ? "status" : "conclusion",
      );
  }
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

/** The app behind the request; users' tokens cannot use the Checks API. */
function checksApp(ctx: Ctx): AppRecord {
  if (!ctx.app) throw new HttpError(403, "You must authenticate via a GitHub App.");
  return ctx.app;
}

function mustRun(ctx: Ctx, id: string): CheckRunRecord {
  const run = ctx.repo().checkRuns.find((c) => c.id === Number(id));
  if (!run) throw notFound();
  return run;
}

function runsForRef(ctx: Ctx, ref: string): CheckRunRecord[] {
  const r = ctx.repo();
  const sha = ctx.state.resolve(r, ref);
  if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`);
  let runs = r.checkRuns.filter((c) => c.head_sha === sha);
  const appId = ctx.query.get("app_id");
  if (appId) runs = runs.filter((c) => c.app_id === Number(appId));
  const name = ctx.query.get("check_name");
  if (name) runs = runs.filter((c) => c.name === name);
  const status = ctx.query.get("status");
  if (status) runs = runs.filter((c) => c.status === status);
  // filter=latest (GitHub's default) keeps the most recent run per name (and app).
  if ((ctx.query.get("filter") ?? "latest") === "latest") {
    const latest = new Map<string, CheckRunRecord>();
    for (const run of runs) latest.set(`${run.app_id}:${run.name}`, run);
    runs = [...latest.values()];
  }
  return [...runs].sort((a, b) => b.id - a.id);
}

export const checkRoutes = routes({
  "POST /repos/{owner}/{repo}/check-runs": (ctx) => {
    const app = checksApp(ctx);
    requireFields(ctx.body, "name", "head_sha");
    const r = ctx.repo();
    const b = ctx.body as RunInput & { head_sha: string };
    if (!r.objects.commit(b.head_sha)) throw new HttpError(422, `No commit found for SHA: ${b.head_sha}`);
    const suite = suiteFor(ctx.state, r, app, b.head_sha);
    const run: CheckRunRecord = {
      id: ctx.state.id(),
      app_id: app.id,
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
      check_suite_id: suite.id,
      updates: 0,
      history: [],
    };
    applyStatus(run, b);
    applyOutput(run, b.output);
    run.history.push({ status: run.status, title: run.output.title });
    r.checkRuns.push(run);
    refreshSuite(ctx.state, r, suite, ctx.actor);
    if (run.status === "completed") ctx.state.runAutoMerges(r);
    return { status: 201, body: checkRunJson(ctx.state, r, run) };
  },

  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": (ctx) => {
    const app = checksApp(ctx);
    const r = ctx.repo();
    const run = mustRun(ctx, ctx.params.check_run_id);
    if (run.app_id !== app.id) throw new HttpError(403, "Resource not accessible by integration");
    const b = ctx.body as RunInput;
    // Validate output first so a rejected update changes nothing.
    const copy = structuredClone(run);
    applyOutput(copy, b.output);
    applyStatus(copy, b);
    Object.assign(run, copy, { updates: run.updates + 1 });
    run.history.push({ status: run.status, title: run.output.title });
    const suite = r.checkSuites.find((cs) => cs.id === run.check_suite_id);
    if (suite) refreshSuite(ctx.state, r, suite, ctx.actor);
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
    const appId = ctx.query.get("app_id");
    const name = ctx.query.get("check_name");
    const suites = r.checkSuites
      .filter((s) => s.head_sha === sha)
      .filter((s) => !appId || s.app_id === Number(appId))
      .filter((s) => !name || r.checkRuns.some((c) => c.check_suite_id === s.id && c.name === name));
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
    let runs = r.checkRuns.filter((c) => c.check_suite_id === Number(ctx.params.check_suite_id));
    if ((ctx.query.get("filter") ?? "latest") === "latest") runs = latestRuns(runs);
    const page = paginate(ctx, runs);
    return {
      body: { total_count: runs.length, check_runs: page.items.map((c) => checkRunJson(ctx.state, r, c)) },
      headers: page.headers,
    };
  },

  "POST /repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest": (ctx) => {
    const r = ctx.repo();
    const run = mustRun(ctx, ctx.params.check_run_id);
    // The run itself is not updated; its suite is queued again (GitHub's REST reference).
    const suite = r.checkSuites.find((cs) => cs.id === run.check_suite_id);
    if (suite) Object.assign(suite, { status: "queued", conclusion: null, updated_at: now() });
    ctx.state.events?.checkRun(r, "rerequested", run, ctx.actor);
    return { status: 201, body: {} };
  },

  "POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest": (ctx) => {
    const r = ctx.repo();
    const suite = r.checkSuites.find((x) => x.id === Number(ctx.params.check_suite_id));
    if (!suite) throw notFound();
    rerequestSuite(ctx.state, r, suite, ctx.actor);
    return { status: 201, body: {} };
  },

  "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}": (ctx) => {
    const r = ctx.repo();
    const suite = r.checkSuites.find((x) => x.id === Number(ctx.params.check_suite_id));
    if (!suite) throw notFound();
    return { body: checkSuiteJson(ctx.state, r, suite) };
  },
});
