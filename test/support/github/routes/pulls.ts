import { HttpError } from "../errors.js";
import { commitJson, fileJson, pullJson, userJson } from "../json.js";
import type { PullRecord, ReviewRecord } from "../model.js";
import { type Ctx, paginate, requireFields, routes } from "../router.js";
import { now } from "../state.js";

/** Pull requests: create, list, get, update, files, commits, merge, reviews. */

function mustPull(ctx: Ctx, n: string): PullRecord {
  return ctx.state.pull(ctx.repo(), Number(n));
}

function reviewJson(ctx: Ctx, p: PullRecord, r: ReviewRecord): Record<string, unknown> {
  return {
    id: r.id,
    node_id: Buffer.from(`PullRequestReview:${r.id}`).toString("base64"),
    user: userJson(ctx.state, r.user),
    body: r.body,
    state: r.state,
    commit_id: r.commit_id,
    submitted_at: r.submitted_at,
    html_url: `${ctx.state.origin}/${ctx.repo().fullName}/pull/${p.number}#pullrequestreview-${r.id}`,
    pull_request_url: `${ctx.state.apiUrl}/repos/${ctx.repo().fullName}/pulls/${p.number}`,
    author_association: "NONE",
  };
}

export const pullRoutes = routes({
  "POST /repos/{owner}/{repo}/pulls": (ctx) => {
    requireFields(ctx.body, "head", "base");
    if (ctx.body.title === undefined && ctx.body.issue === undefined) requireFields(ctx.body, "title");
    const r = ctx.repo();
    const pull = ctx.state.createPull(
      r,
      {
        title: String(ctx.body.title ?? ""),
        body: ctx.body.body ?? null,
        head: String(ctx.body.head),
        base: String(ctx.body.base),
        ...(ctx.body.draft !== undefined ? { draft: ctx.body.draft } : {}),
        ...(ctx.body.maintainer_can_modify !== undefined
          ? { maintainer_can_modify: ctx.body.maintainer_can_modify }
          : {}),
      },
      ctx.actor,
    );
    return { status: 201, body: pullJson(ctx.state, r, pull) };
  },

  "GET /repos/{owner}/{repo}/pulls": (ctx) => {
    const r = ctx.repo();
    const state = ctx.query.get("state") ?? "open";
    const head = ctx.query.get("head");
    const base = ctx.query.get("base");
    let pulls = ctx.state.pulls(r).filter((p) => state === "all" || p.state === state);
    // GitHub only understands `owner:branch`; a bare branch name is silently ignored (a classic trap).
    if (head?.includes(":")) {
      const [owner, branch] = head.split(/:(.*)/s);
      pulls =
        owner?.toLowerCase() === r.owner.toLowerCase() ? pulls.filter((p) => p.head.ref === branch) : [];
    }
    if (base) pulls = pulls.filter((p) => p.base.ref === base);
    const sort = ctx.query.get("sort") ?? "created";
    const sign = (ctx.query.get("direction") ?? "desc") === "asc" ? 1 : -1;
    const key = (p: PullRecord): string =>
      `${sort === "updated" ? p.updated_at : ""}${String(p.number).padStart(9, "0")}`;
    pulls.sort((a, b) => (key(a) < key(b) ? -sign : sign));
    const page = paginate(ctx, pulls);
    return { body: page.items.map((p) => pullJson(ctx.state, r, p, false)), headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}": (ctx) => ({
    body: pullJson(ctx.state, ctx.repo(), mustPull(ctx, ctx.params.pull_number)),
  }),

  "PATCH /repos/{owner}/{repo}/pulls/{pull_number}": (ctx) => {
    const r = ctx.repo();
    const pull = mustPull(ctx, ctx.params.pull_number);
    const b = ctx.body;
    const changes: Record<string, { from: unknown }> = {};
    if (b.title !== undefined && b.title !== pull.title) {
      changes.title = { from: pull.title };
      pull.title = b.title;
    }
    if (b.body !== undefined && b.body !== pull.body) {
      changes.body = { from: pull.body };
      pull.body = b.body;
    }
    if (b.base !== undefined && b.base !== pull.base.ref) {
      const sha = r.refs.get(`refs/heads/${b.base}`);
      if (!sha)
        throw new HttpError(422, "Validation Failed", [
          { resource: "PullRequest", field: "base", code: "invalid" },
        ]);
      changes.base = { from: { ref: pull.base.ref, sha: pull.base.sha } };
      pull.base = { ref: b.base, sha };
    }
    if (b.maintainer_can_modify !== undefined) pull.maintainer_can_modify = b.maintainer_can_modify;
    if (Object.keys(changes).length > 0) {
      pull.updated_at = now();
      ctx.state.events?.pullRequest(r, "edited", pull, ctx.actor, { changes });
    }
    if (b.state === "open" || b.state === "closed") ctx.state.setPullState(r, pull, b.state, ctx.actor);
    return { body: pullJson(ctx.state, r, pull) };
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/files": (ctx) => {
    const r = ctx.repo();
    const pull = mustPull(ctx, ctx.params.pull_number);
    const mb = ctx.state.mergeBase(r, pull.base.sha, pull.head.sha);
    const files = r.objects.diffTrees(
      mb ? r.objects.commit(mb)?.tree : undefined,
      r.objects.commit(pull.head.sha)?.tree,
    );
    // GitHub lists at most 3,000 files of a PR.
    const page = paginate(ctx, files.slice(0, 3000));
    return { body: page.items.map((f) => fileJson(ctx.state, r, pull.head.sha, f)), headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits": (ctx) => {
    const r = ctx.repo();
    const page = paginate(ctx, ctx.state.pullCommits(r, mustPull(ctx, ctx.params.pull_number)));
    return { body: page.items.map((c) => commitJson(ctx.state, r, c)), headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/merge": (ctx) => {
    if (!mustPull(ctx, ctx.params.pull_number).merged) throw new HttpError(404, "Not Found");
    return { status: 204 };
  },

  "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge": (ctx) => {
    const r = ctx.repo();
    const pull = mustPull(ctx, ctx.params.pull_number);
    const method = ctx.body.merge_method ?? "merge";
    if (!r.settings.allowedMergeMethods.includes(method))
      throw new HttpError(
        405,
        `${method[0]?.toUpperCase()}${method.slice(1)} merges are not allowed on this repository.`,
      );
    const sha = ctx.state.mergePull(r, pull, ctx.actor, {
      merge_method: method,
      ...(ctx.body.commit_title ? { commit_title: ctx.body.commit_title } : {}),
      ...(ctx.body.commit_message ? { commit_message: ctx.body.commit_message } : {}),
      ...(ctx.body.sha ? { sha: ctx.body.sha } : {}),
    });
    return { body: { sha, merged: true, message: "Pull Request successfully merged" } };
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews": (ctx) => {
    const pull = mustPull(ctx, ctx.params.pull_number);
    const page = paginate(ctx, pull.reviews);
    return { body: page.items.map((rv) => reviewJson(ctx, pull, rv)), headers: page.headers };
  },

  "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews": (ctx) => {
    const pull = mustPull(ctx, ctx.params.pull_number);
    const event = ctx.body.event ?? "COMMENT";
    const review: ReviewRecord = {
      id: ctx.state.id(),
      user: ctx.actor,
      body: ctx.body.body ?? "",
      state:
        event === "APPROVE" ? "APPROVED" : event === "REQUEST_CHANGES" ? "CHANGES_REQUESTED" : "COMMENTED",
      commit_id: ctx.body.commit_id ?? pull.head.sha,
      submitted_at: now(),
    };
    pull.reviews.push(review);
    return { body: reviewJson(ctx, pull, review) };
  },
});
