import type { Context, Probot } from "probot";
import { z } from "zod";
import {
  buildRepository,
  registryPackagePayload,
  releasePayload,
  workflowRunPayload,
} from "../promotion/build.js";
import { issuesPayload } from "./dashboard.js";

/**
 * The fields Ferry's handlers read from each webhook it handles, checked before any handler runs.
 * Tolerant of everything else (GitHub adds fields), strict on what is read: a payload that is
 * signed by GitHub but not shaped as documented is logged at warn and answered 200 — GitHub would
 * only redeliver the same body, so a 5xx would help nobody — instead of failing with a TypeError.
 */
const repository = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
});
const installation = z.object({ id: z.number() });
const pullRequest = z.object({
  number: z.number(),
  title: z.string(),
  body: z.string().nullable(),
  merged: z.boolean().nullable().optional(),
  merge_commit_sha: z.string().nullable().optional(),
  base: z.object({ sha: z.string(), ref: z.string() }),
  head: z.object({ sha: z.string(), ref: z.string() }),
  labels: z.array(z.object({ name: z.string() })),
});
const commit = z.object({
  id: z.string(),
  message: z.string(),
  author: z.object({ name: z.string(), username: z.string().optional() }),
  added: z.array(z.string()).optional(),
  modified: z.array(z.string()).optional(),
  removed: z.array(z.string()).optional(),
});

const shapes: Record<string, z.ZodType> = {
  push: z.object({
    ref: z.string(),
    after: z.string(),
    deleted: z.boolean(),
    commits: z.array(commit),
    pusher: z.object({ name: z.string() }),
    repository: repository.extend({ default_branch: z.string() }),
    installation: installation.optional(),
  }),
  pull_request: z.object({
    action: z.string(),
    pull_request: pullRequest,
    label: z.object({ name: z.string() }).optional(),
    repository,
  }),
  check_suite: z.object({
    check_suite: z.object({
      head_sha: z.string(),
      pull_requests: z.array(z.object({ number: z.number(), head: z.object({ ref: z.string() }) })),
    }),
    repository,
  }),
  check_run: z.object({
    check_run: z.object({ name: z.string(), pull_requests: z.array(z.object({ number: z.number() })) }),
    repository,
  }),
  issue_comment: z.object({
    comment: z.object({ id: z.number(), body: z.string() }),
    issue: z.object({ number: z.number() }),
    sender: z.object({ login: z.string(), type: z.string() }),
    repository,
  }),
  issues: issuesPayload,
  // Build events: the builders' own schemas, so that what passes here is what they read.
  workflow_run: workflowRunPayload,
  registry_package: registryPackagePayload,
  release: releasePayload,
  repository_dispatch: z.object({ action: z.string(), repository: buildRepository }),
  installation: z.object({ installation }),
  installation_repositories: z.object({ installation }),
};

/** What is wrong with a payload of `event`, as key paths and messages (never values); undefined when fine. */
export function shapeProblems(event: string, payload: unknown): string[] | undefined {
  const shape = shapes[event];
  if (shape === undefined) return undefined;
  const parsed = shape.safeParse(payload);
  if (parsed.success) return undefined;
  return parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`);
}

/**
 * What Probot itself reads of every delivery before any handler runs: a JSON object whose
 * `installation`, when present, has a numeric id (it becomes a token request). Anything else
 * would fail inside Probot with a 500. Parsed once: the intake queues the payload it returns.
 */
export function readEnvelope(
  body: string,
): { ok: true; payload: Record<string, unknown> } | { ok: false; problem: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return { ok: false, problem: "(payload): not JSON" };
  }
  if (envelope.safeParse(payload).success) return { ok: true, payload: payload as Record<string, unknown> };
  return {
    ok: false,
    problem:
      Array.isArray(payload) || typeof payload !== "object" || payload === null
        ? "(payload): not a JSON object"
        : "installation.id: expected a number",
  };
}
const envelope = z.object({ installation: installation.optional() });

/** Each delivery is checked once, however many handlers its event has. */
const checked = new WeakMap<object, boolean>();

function wellFormed(context: Context): boolean {
  const payload = context.payload as unknown;
  if (typeof payload !== "object" || payload === null) return false;
  let ok = checked.get(payload);
  if (ok === undefined) {
    ok = !warnIfMisshapen(context.log, context.name, context.id, payload);
    checked.set(payload, ok);
  }
  return ok;
}

/**
 * Logs at warn what is wrong with a delivery's payload and returns true when it is not of the
 * expected shape. The webhook intake calls it before queuing, so such a delivery is answered 200
 * and never becomes a job.
 */
export function warnIfMisshapen(
  log: Pick<Context["log"], "warn">,
  name: string,
  delivery: string,
  payload: object,
): boolean {
  const problems = shapeProblems(name, payload);
  if (problems === undefined) return false;
  const action = (payload as { action?: unknown }).action;
  const event = typeof action === "string" ? `${name}.${action}` : name;
  log.warn(
    { event, delivery, problems },
    `ignored a ${event} webhook of unexpected shape: ${problems.join("; ")}`,
  );
  return true;
}

/** `app` whose handlers run only for payloads of the expected shape (see `shapes`). */
export function shapeCheckedApp(app: Probot): Pick<Probot, "on"> {
  const on = (events: unknown, handler: (context: Context) => unknown) =>
    app.on(events as Parameters<Probot["on"]>[0], async (context) => {
      if (wellFormed(context as Context)) await handler(context as Context);
    });
  return { on: on as Probot["on"] };
}
