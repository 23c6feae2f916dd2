import { HttpError, notFound } from "../errors.js";
import { commentJson, issueJson, labelJson, userJson } from "../json.js";
import type { CommentRecord, IssueRecord, ReactionRecord } from "../model.js";
import { type Ctx, paginate, requireFields, routes } from "../router.js";
import { now } from "../state.js";

/** Issues (PRs are issues too), comments, labels and reactions. */

const REACTIONS = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"];

function mustIssue(ctx: Ctx, n: string): IssueRecord {
  return ctx.state.issue(ctx.repo(), Number(n));
}

function mustComment(ctx: Ctx, id: string): CommentRecord {
  const c = ctx.repo().comments.find((x) => x.id === Number(id));
  if (!c) throw notFound();
  return c;
}

function labelNames(body: unknown): string[] {
  const raw = Array.isArray(body) ? body : (body as { labels?: unknown }).labels;
  if (!Array.isArray(raw)) throw new HttpError(422, 'Invalid request.\n\n"labels" wasn\'t supplied.');
  return raw.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name)));
}

function react(
  ctx: Ctx,
  list: ReactionRecord[],
  content: string | undefined,
): { status: number; body: unknown } {
  if (!content || !REACTIONS.includes(content))
    throw new HttpError(422, "Validation Failed", [
      { resource: "Reaction", field: "content", code: "invalid" },
    ]);
  const existing = list.find((x) => x.content === content && x.user.login === ctx.actor.login);
  const reaction = existing ?? { id: ctx.state.id(), content, user: ctx.actor, created_at: now() };
  if (!existing) list.push(reaction);
  return {
    status: existing ? 200 : 201,
    body: {
      id: reaction.id,
      node_id: Buffer.from(`Reaction:${reaction.id}`).toString("base64"),
      user: userJson(ctx.state, reaction.user),
      content: reaction.content,
      created_at: reaction.created_at,
    },
  };
}

const issueReactions = new WeakMap<IssueRecord, ReactionRecord[]>();

export const issueRoutes = routes({
  "POST /repos/{owner}/{repo}/issues": (ctx) => {
    requireFields(ctx.body, "title");
    const r = ctx.repo();
    const t = now();
    const issue: IssueRecord = {
      kind: "issue",
      number: r.nextNumber++,
      id: ctx.state.id(),
      title: String(ctx.body.title),
      body: ctx.body.body ?? null,
      state: "open",
      state_reason: null,
      user: ctx.actor,
      labels: [],
      assignees: (ctx.body.assignees ?? []).map(String),
      created_at: t,
      updated_at: t,
      closed_at: null,
    };
    r.issues.set(issue.number, issue);
    ctx.state.addLabels(r, issue, labelNames({ labels: ctx.body.labels ?? [] }), ctx.actor);
    ctx.state.events?.issues?.(r, "opened", issue, ctx.actor);
    return { status: 201, body: issueJson(ctx.state, r, issue) };
  },

  "GET /repos/{owner}/{repo}/issues": (ctx) => {
    const r = ctx.repo();
    const state = ctx.query.get("state") ?? "open";
    const labels = (ctx.query.get("labels") ?? "")
      .split(",")
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean);
    const creator = ctx.query.get("creator")?.toLowerCase();
    const assignee = ctx.query.get("assignee")?.toLowerCase();
    const issues = [...r.issues.values()]
      .filter((i) => state === "all" || i.state === state)
      .filter((i) => labels.every((l) => i.labels.some((x) => x.toLowerCase() === l)))
      .filter((i) => !creator || i.user.login.toLowerCase() === creator)
      .filter((i) => !assignee || i.assignees.some((a) => a.toLowerCase() === assignee))
      .sort((a, b) =>
        (ctx.query.get("direction") ?? "desc") === "asc" ? a.number - b.number : b.number - a.number,
      );
    const page = paginate(ctx, issues);
    return { body: page.items.map((i) => issueJson(ctx.state, r, i)), headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}": (ctx) => ({
    body: issueJson(ctx.state, ctx.repo(), mustIssue(ctx, ctx.params.issue_number)),
  }),

  "PATCH /repos/{owner}/{repo}/issues/{issue_number}": (ctx) => {
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    const b = ctx.body;
    const before = { title: issue.title, body: issue.body };
    if (b.title !== undefined && b.title !== null) issue.title = String(b.title);
    if (b.body !== undefined) issue.body = b.body;
    if (b.assignees !== undefined) issue.assignees = b.assignees.map(String);
    if (b.labels !== undefined) {
      for (const l of [...issue.labels]) ctx.state.removeLabel(r, issue, l, ctx.actor);
      ctx.state.addLabels(r, issue, labelNames({ labels: b.labels }), ctx.actor);
    }
    if (b.state === "open" || b.state === "closed") {
      if (issue.kind === "pull")
        ctx.state.setPullState(r, ctx.state.pull(r, issue.number), b.state, ctx.actor);
      else if (issue.state !== b.state) {
        issue.state = b.state;
        issue.closed_at = b.state === "closed" ? now() : null;
        issue.state_reason = b.state === "closed" ? (b.state_reason ?? "completed") : "reopened";
        ctx.state.events?.issues?.(r, b.state === "closed" ? "closed" : "reopened", issue, ctx.actor);
      }
    }
    issue.updated_at = now();
    // GitHub sends `issues.edited` (with what the title or body was) when either changed.
    const changes = {
      ...(issue.title !== before.title ? { title: { from: before.title } } : {}),
      ...(issue.body !== before.body ? { body: { from: before.body ?? "" } } : {}),
    };
    if (issue.kind === "issue" && Object.keys(changes).length > 0)
      ctx.state.events?.issues?.(r, "edited", issue, ctx.actor, { changes });
    return { body: issueJson(ctx.state, r, issue) };
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": (ctx) => {
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    const page = paginate(
      ctx,
      r.comments.filter((c) => c.issueNumber === issue.number),
    );
    return { body: page.items.map((c) => commentJson(ctx.state, r, c)), headers: page.headers };
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": (ctx) => {
    requireFields(ctx.body, "body");
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    const t = now();
    const comment: CommentRecord = {
      id: ctx.state.id(),
      issueNumber: issue.number,
      body: String(ctx.body.body),
      user: ctx.actor,
      created_at: t,
      updated_at: t,
      reactions: [],
    };
    r.comments.push(comment);
    ctx.state.events?.issueComment(r, "created", issue, comment, ctx.actor);
    return { status: 201, body: commentJson(ctx.state, r, comment) };
  },

  "GET /repos/{owner}/{repo}/issues/comments": (ctx) => {
    const r = ctx.repo();
    const page = paginate(ctx, r.comments);
    return { body: page.items.map((c) => commentJson(ctx.state, r, c)), headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}": (ctx) => ({
    body: commentJson(ctx.state, ctx.repo(), mustComment(ctx, ctx.params.comment_id)),
  }),

  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": (ctx) => {
    requireFields(ctx.body, "body");
    const c = mustComment(ctx, ctx.params.comment_id);
    c.body = String(ctx.body.body);
    c.updated_at = now();
    ctx.state.events?.issueComment(
      ctx.repo(),
      "edited",
      ctx.state.issue(ctx.repo(), c.issueNumber),
      c,
      ctx.actor,
    );
    return { body: commentJson(ctx.state, ctx.repo(), c) };
  },

  "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}": (ctx) => {
    const r = ctx.repo();
    const c = mustComment(ctx, ctx.params.comment_id);
    r.comments.splice(r.comments.indexOf(c), 1);
    return { status: 204 };
  },

  "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": (ctx) =>
    react(ctx, mustComment(ctx, ctx.params.comment_id).reactions, ctx.body.content),

  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": (ctx) => {
    const page = paginate(ctx, mustComment(ctx, ctx.params.comment_id).reactions);
    return {
      body: page.items.map((x) => ({
        id: x.id,
        content: x.content,
        user: userJson(ctx.state, x.user),
        created_at: x.created_at,
      })),
      headers: page.headers,
    };
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions": (ctx) => {
    const issue = mustIssue(ctx, ctx.params.issue_number);
    const list = issueReactions.get(issue) ?? [];
    issueReactions.set(issue, list);
    return react(ctx, list, ctx.body.content);
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/reactions": (ctx) => {
    const page = paginate(ctx, issueReactions.get(mustIssue(ctx, ctx.params.issue_number)) ?? []);
    return {
      body: page.items.map((x) => ({
        id: x.id,
        content: x.content,
        user: userJson(ctx.state, x.user),
        created_at: x.created_at,
      })),
      headers: page.headers,
    };
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/events": (ctx) => {
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    const page = paginate(ctx, issue.events ?? []);
    return {
      body: page.items.map((e) => ({
        id: e.id,
        event: e.event,
        actor: userJson(ctx.state, e.actor),
        label: { name: e.label, color: ctx.state.label(r, e.label).color },
        created_at: e.created_at,
      })),
      headers: page.headers,
    };
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/labels": (ctx) => {
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    const page = paginate(ctx, issue.labels);
    return {
      body: page.items.map((l) => labelJson(ctx.state, r, ctx.state.label(r, l))),
      headers: page.headers,
    };
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/labels": (ctx) => {
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    ctx.state.addLabels(r, issue, labelNames(ctx.body), ctx.actor);
    return { body: issue.labels.map((l) => labelJson(ctx.state, r, ctx.state.label(r, l))) };
  },

  "PUT /repos/{owner}/{repo}/issues/{issue_number}/labels": (ctx) => {
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    const wanted = labelNames(ctx.body);
    for (const l of [...issue.labels])
      if (!wanted.some((w) => w.toLowerCase() === l.toLowerCase()))
        ctx.state.removeLabel(r, issue, l, ctx.actor);
    ctx.state.addLabels(r, issue, wanted, ctx.actor);
    return { body: issue.labels.map((l) => labelJson(ctx.state, r, ctx.state.label(r, l))) };
  },

  "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": (ctx) => {
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    if (!ctx.state.removeLabel(r, issue, ctx.params.name, ctx.actor))
      throw new HttpError(404, "Label does not exist");
    return { body: issue.labels.map((l) => labelJson(ctx.state, r, ctx.state.label(r, l))) };
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/assignees": (ctx) => {
    const r = ctx.repo();
    const issue = mustIssue(ctx, ctx.params.issue_number);
    for (const a of ctx.body.assignees ?? []) {
      const login = typeof a === "string" ? a : a.login;
      if (!issue.assignees.includes(login)) issue.assignees.push(login);
    }
    return { status: 201, body: issueJson(ctx.state, r, issue) };
  },

  "GET /repos/{owner}/{repo}/labels": (ctx) => {
    const r = ctx.repo();
    const page = paginate(ctx, [...r.labels.values()]);
    return { body: page.items.map((l) => labelJson(ctx.state, r, l)), headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/labels/{name}": (ctx) => {
    const r = ctx.repo();
    const l = r.labels.get(ctx.params.name.toLowerCase());
    if (!l) throw notFound();
    return { body: labelJson(ctx.state, r, l) };
  },

  "POST /repos/{owner}/{repo}/labels": (ctx) => {
    requireFields(ctx.body, "name");
    const r = ctx.repo();
    const name = String(ctx.body.name);
    if (r.labels.has(name.toLowerCase()))
      throw new HttpError(422, "Validation Failed", [
        { resource: "Label", code: "already_exists", field: "name" },
      ]);
    const l = ctx.state.label(r, name);
    l.color = (ctx.body.color ?? "ededed").replace(/^#/, "");
    l.description = ctx.body.description ?? null;
    return { status: 201, body: labelJson(ctx.state, r, l) };
  },
});
