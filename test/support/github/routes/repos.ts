import { HttpError, notFound } from "../errors.js";
import { commitJson, fileJson, pullJson, repoJson, userJson } from "../json.js";
import type { RepoRecord } from "../model.js";
import { type Ctx, paginate, requireFields, routes } from "../router.js";
import { personOf } from "../state.js";

/** Repository, contents, commits, compare and branches. */

/** GitHub's compare lists at most this many changed files, with no way to page past them. */
export const COMPARE_FILE_CAP = 300;

const wantsRaw = (ctx: Ctx): boolean => /vnd\.github(\.v3)?\.raw/.test(String(ctx.headers.accept ?? ""));

/** GitHub wraps base64 at 60 characters with newlines. */
const wrap64 = (b: Buffer): string => (b.toString("base64").match(/.{1,60}/g) ?? [""]).join("\n");

function contentEntry(
  ctx: Ctx,
  r: RepoRecord,
  ref: string,
  path: string,
  type: string,
  sha: string,
  size: number,
) {
  const api = `${ctx.state.apiUrl}/repos/${r.fullName}`;
  const kind = type === "dir" ? "trees" : "blobs";
  const name = path.split("/").pop() ?? path;
  return {
    type,
    size,
    name,
    path,
    sha,
    url: `${api}/contents/${path}?ref=${ref}`,
    git_url: `${api}/git/${kind}/${sha}`,
    html_url: `${ctx.state.origin}/${r.fullName}/blob/${ref}/${path}`,
    download_url: type === "file" ? `${ctx.state.origin}/${r.fullName}/raw/${ref}/${path}` : null,
  };
}

function commitsBetween(r: RepoRecord, base: string, head: string) {
  const baseSet = new Set(r.objects.history(base).map((c) => c.sha));
  return r.objects
    .history(head)
    .filter((c) => !baseSet.has(c.sha))
    .reverse();
}

export const repoRoutes = routes({
  "GET /repos/{owner}/{repo}": (ctx) => ({ body: repoJson(ctx.state, ctx.repo()) }),

  "GET /repos/{owner}/{repo}/contents/{path}": (ctx) => {
    const r = ctx.repo();
    const ref = ctx.query.get("ref") ?? r.defaultBranch;
    const sha = ctx.state.resolve(r, ref);
    if (!sha) throw new HttpError(404, `No commit found for the ref ${ref}`);
    const tree = r.objects.commit(sha)?.tree as string;
    const path = ctx.params.path.replace(/^\/+|\/+$/g, "");
    const entry =
      path === ""
        ? { path: "", mode: "040000" as const, type: "tree" as const, sha: tree }
        : r.objects.lookup(tree, path);
    if (!entry) throw notFound();
    if (entry.type === "tree") {
      const list = (r.objects.tree(entry.sha)?.entries ?? []).map((e) =>
        contentEntry(
          ctx,
          r,
          ref,
          path ? `${path}/${e.path}` : e.path,
          e.type === "tree" ? "dir" : "file",
          e.sha,
          r.objects.blob(e.sha)?.content.length ?? 0,
        ),
      );
      return { body: list };
    }
    const blob = r.objects.blob(entry.sha);
    if (!blob) throw notFound();
    if (wantsRaw(ctx))
      return { body: blob.content, raw: { contentType: "application/vnd.github.raw; charset=utf-8" } };
    return {
      body: {
        ...contentEntry(ctx, r, ref, path, "file", blob.sha, blob.content.length),
        content: wrap64(blob.content),
        encoding: "base64",
      },
    };
  },

  "PUT /repos/{owner}/{repo}/contents/{path}": (ctx) => {
    requireFields(ctx.body, "message", "content");
    const r = ctx.repo();
    const branch = ctx.body.branch ?? r.defaultBranch;
    const parent = r.refs.get(`refs/heads/${branch}`);
    if (!parent) throw new HttpError(404, `Branch ${branch} not found`);
    const path = ctx.params.path;
    const existing = r.objects.flatten(r.objects.commit(parent)?.tree ?? "").get(path);
    if (existing && !ctx.body.sha) throw new HttpError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    if (existing && ctx.body.sha !== existing.sha)
      throw new HttpError(409, `${path} does not match ${ctx.body.sha}`);
    const explicit = ctx.body.author ?? ctx.body.committer;
    const sha = ctx.state.commitFiles(
      r,
      parent,
      { [path]: Buffer.from(String(ctx.body.content), "base64") },
      String(ctx.body.message),
      personOf(
        explicit ?? {
          name: ctx.actor.login,
          email: `${ctx.actor.id}+${ctx.actor.login}@users.noreply.github.com`,
        },
      ),
      !explicit,
    );
    ctx.state.setRef(r, `refs/heads/${branch}`, sha, ctx.actor);
    const c = r.objects.commit(sha);
    const blobSha = r.objects.flatten(c?.tree ?? "").get(path)?.sha ?? "";
    return {
      status: existing ? 200 : 201,
      body: {
        content: contentEntry(
          ctx,
          r,
          branch,
          path,
          "file",
          blobSha,
          r.objects.blob(blobSha)?.content.length ?? 0,
        ),
        commit: c ? commitJson(ctx.state, r, c) : null,
      },
    };
  },

  "GET /repos/{owner}/{repo}/commits": (ctx) => {
    const r = ctx.repo();
    const start = ctx.state.resolve(r, ctx.query.get("sha") ?? r.defaultBranch);
    if (!start) throw new HttpError(404, "No commit found for SHA");
    const path = ctx.query.get("path");
    let history = r.objects.history(start);
    if (path) {
      history = history.filter((c) => {
        const parent = c.parents[0] ? r.objects.commit(c.parents[0]) : undefined;
        return r.objects
          .diffTrees(parent?.tree, c.tree)
          .some((f) => f.filename === path || f.filename.startsWith(`${path}/`));
      });
    }
    const page = paginate(ctx, history);
    return { body: page.items.map((c) => commitJson(ctx.state, r, c)), headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/commits/{ref}": (ctx) => {
    const r = ctx.repo();
    const sha = ctx.state.resolve(r, ctx.params.ref);
    const c = sha ? r.objects.commit(sha) : undefined;
    if (!c) throw new HttpError(422, `No commit found for SHA: ${ctx.params.ref}`);
    const parent = c.parents[0] ? r.objects.commit(c.parents[0]) : undefined;
    return { body: commitJson(ctx.state, r, c, r.objects.diffTrees(parent?.tree, c.tree)) };
  },

  "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls": (ctx) => {
    const r = ctx.repo();
    const sha = ctx.state.resolve(r, ctx.params.commit_sha);
    if (!sha) throw new HttpError(422, `No commit found for SHA: ${ctx.params.commit_sha}`);
    const pulls = ctx.state
      .pulls(r)
      .filter(
        (p) =>
          p.head.sha === sha ||
          p.merge_commit_sha === sha ||
          ctx.state.pullCommits(r, p).some((c) => c.sha === sha),
      );
    const page = paginate(ctx, pulls);
    return { body: page.items.map((p) => pullJson(ctx.state, r, p, false)), headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/compare/{basehead}": (ctx) => {
    const r = ctx.repo();
    const m = /^(.+?)(\.\.\.?)(.+)$/.exec(ctx.params.basehead);
    if (!m?.[1] || !m[3]) throw notFound();
    const base = ctx.state.resolve(r, m[1]);
    const head = ctx.state.resolve(r, m[3]);
    if (!base || !head) throw notFound();
    const mb = ctx.state.mergeBase(r, base, head);
    const ahead = commitsBetween(r, base, head);
    const behind = commitsBetween(r, head, base);
    const from = m[2] === ".." ? base : mb;
    const files = r.objects.diffTrees(
      from ? r.objects.commit(from)?.tree : undefined,
      r.objects.commit(head)?.tree,
    );
    const status =
      ahead.length === 0 && behind.length === 0
        ? "identical"
        : behind.length === 0
          ? "ahead"
          : ahead.length === 0
            ? "behind"
            : "diverged";
    const baseCommit = r.objects.commit(base);
    const mbCommit = mb ? r.objects.commit(mb) : undefined;
    return {
      body: {
        url: `${ctx.state.apiUrl}/repos/${r.fullName}/compare/${ctx.params.basehead}`,
        html_url: `${ctx.state.origin}/${r.fullName}/compare/${ctx.params.basehead}`,
        base_commit: baseCommit ? commitJson(ctx.state, r, baseCommit) : null,
        merge_base_commit: mbCommit ? commitJson(ctx.state, r, mbCommit) : null,
        status,
        ahead_by: ahead.length,
        behind_by: behind.length,
        total_commits: ahead.length,
        commits: ahead.map((c) => commitJson(ctx.state, r, c)),
        // "includes up to 300 changed files for the entire comparison" (REST: compare two commits)
        files: files.slice(0, COMPARE_FILE_CAP).map((f) => fileJson(ctx.state, r, head, f)),
      },
    };
  },

  "GET /repos/{owner}/{repo}/branches": (ctx) => {
    const r = ctx.repo();
    const branches = [...r.refs.entries()]
      .filter(([ref]) => ref.startsWith("refs/heads/"))
      .map(([ref, sha]) => ({
        name: ref.slice("refs/heads/".length),
        commit: { sha, url: `${ctx.state.apiUrl}/repos/${r.fullName}/commits/${sha}` },
        protected: r.protection.has(ref.slice("refs/heads/".length)),
      }));
    const page = paginate(ctx, branches);
    return { body: page.items, headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/tags": (ctx) => {
    const r = ctx.repo();
    const tags = [...r.refs.entries()]
      .filter(([ref]) => ref.startsWith("refs/tags/"))
      .map(([ref, sha]) => ({
        name: ref.slice("refs/tags/".length),
        commit: { sha, url: `${ctx.state.apiUrl}/repos/${r.fullName}/commits/${sha}` },
        node_id: Buffer.from(`Ref:${r.id}:${ref}`).toString("base64"),
      }));
    const page = paginate(ctx, tags);
    return { body: page.items, headers: page.headers };
  },

  "GET /repos/{owner}/{repo}/branches/{branch}": (ctx) => {
    const r = ctx.repo();
    const sha = r.refs.get(`refs/heads/${ctx.params.branch}`);
    const c = sha ? r.objects.commit(sha) : undefined;
    if (!c) throw new HttpError(404, "Branch not found");
    const rule = r.protection.get(ctx.params.branch);
    return {
      body: {
        name: ctx.params.branch,
        commit: commitJson(ctx.state, r, c),
        _links: {
          self: `${ctx.state.apiUrl}/repos/${r.fullName}/branches/${ctx.params.branch}`,
          html: `${ctx.state.origin}/${r.fullName}/tree/${ctx.params.branch}`,
        },
        protected: rule !== undefined,
        // The summary GitHub includes: whether protection is on and which checks it requires.
        protection: rule
          ? {
              enabled: true,
              required_status_checks: {
                enforcement_level: "non_admins",
                contexts: [...rule.requiredChecks],
                checks: rule.requiredChecks.map((context) => ({ context, app_id: null })),
              },
            }
          : {
              enabled: false,
              required_status_checks: { enforcement_level: "off", contexts: [], checks: [] },
            },
        protection_url: `${ctx.state.apiUrl}/repos/${r.fullName}/branches/${ctx.params.branch}/protection`,
      },
    };
  },

  "GET /repos/{owner}/{repo}/collaborators/{username}/permission": (ctx) => {
    const r = ctx.repo();
    const permission = ctx.state.permission(r, ctx.params.username);
    return {
      body: {
        permission: permission === "maintain" ? "write" : permission === "triage" ? "read" : permission,
        role_name: permission,
        user: userJson(ctx.state, ctx.state.user(ctx.params.username)),
      },
    };
  },
});
