import { HttpError, notFound, validationFailed } from "../errors.js";
import type { TreeEntry } from "../git-objects.js";
import { gitCommitJson, refJson, treeEntryJson } from "../json.js";
import { type Ctx, paginate, requireFields, routes } from "../router.js";
import { personOf } from "../state.js";

/** Git database: blobs, trees, commits, refs. */

const qualify = (ref: string): string => (ref.startsWith("refs/") ? ref : `refs/${ref}`);

function resolveTreeish(ctx: Ctx, treeish: string): string {
  const r = ctx.repo();
  if (r.objects.tree(treeish)) return treeish;
  const sha = ctx.state.resolve(r, treeish);
  const commit = sha ? r.objects.commit(sha) : undefined;
  if (!commit) throw notFound();
  return commit.tree;
}

export const gitRoutes = routes({
  "GET /repos/{owner}/{repo}/git/blobs/{file_sha}": (ctx) => {
    const r = ctx.repo();
    const blob = r.objects.blob(ctx.params.file_sha);
    if (!blob) throw notFound();
    return {
      body: {
        sha: blob.sha,
        node_id: Buffer.from(`Blob:${blob.sha}`).toString("base64"),
        size: blob.content.length,
        url: `${ctx.state.apiUrl}/repos/${r.fullName}/git/blobs/${blob.sha}`,
        content: blob.content.toString("base64"),
        encoding: "base64",
      },
    };
  },

  "POST /repos/{owner}/{repo}/git/blobs": (ctx) => {
    requireFields(ctx.body, "content");
    const r = ctx.repo();
    const content = String(ctx.body.content);
    const sha = r.objects.putBlob(
      ctx.body.encoding === "base64" ? Buffer.from(content, "base64") : Buffer.from(content),
    );
    return { status: 201, body: { sha, url: `${ctx.state.apiUrl}/repos/${r.fullName}/git/blobs/${sha}` } };
  },

  "GET /repos/{owner}/{repo}/git/trees/{tree_sha}": (ctx) => {
    const r = ctx.repo();
    const sha = resolveTreeish(ctx, ctx.params.tree_sha);
    const recursive = ["1", "true"].includes(ctx.query.get("recursive") ?? "");
    const entries = recursive ? r.objects.walk(sha) : (r.objects.tree(sha)?.entries ?? []);
    // "The limit for the tree array is 100,000 entries with a maximum size of 7 MB" (REST: get a tree)
    const limit = ctx.state.limits.treeEntries;
    return {
      body: {
        sha,
        url: `${ctx.state.apiUrl}/repos/${r.fullName}/git/trees/${sha}`,
        tree: entries.slice(0, limit).map((e) => treeEntryJson(ctx.state, r, e)),
        truncated: entries.length > limit,
      },
    };
  },

  "POST /repos/{owner}/{repo}/git/trees": (ctx) => {
    requireFields(ctx.body, "tree");
    const r = ctx.repo();
    let flat = new Map<string, TreeEntry>();
    if (ctx.body.base_tree) {
      if (!r.objects.tree(ctx.body.base_tree))
        throw validationFailed("Tree", "base_tree is not a valid tree", "base_tree");
      flat = r.objects.flatten(ctx.body.base_tree);
    }
    for (const item of ctx.body.tree ?? []) {
      const path = item.path ?? "";
      const dropUnder = (): void => {
        flat.delete(path);
        for (const p of [...flat.keys()]) if (p.startsWith(`${path}/`)) flat.delete(p);
      };
      if (item.content !== undefined) {
        flat.set(path, {
          path,
          mode: (item.mode ?? "100644") as TreeEntry["mode"],
          type: "blob",
          sha: r.objects.putBlob(item.content),
        });
      } else if (item.sha === null) {
        dropUnder();
      } else if (item.type === "tree" && item.sha) {
        if (!r.objects.tree(item.sha)) throw new HttpError(422, `tree.sha ${item.sha} is not a valid tree`);
        dropUnder();
        for (const [p, e] of r.objects.flatten(item.sha, `${path}/`)) flat.set(p, e);
      } else if (item.sha) {
        if (item.type !== "commit" && !r.objects.blob(item.sha))
          throw new HttpError(422, `tree.sha ${item.sha} is not a valid blob`);
        flat.set(path, {
          path,
          mode: (item.mode ?? "100644") as TreeEntry["mode"],
          type: item.type ?? "blob",
          sha: item.sha,
        });
      } else {
        throw new HttpError(422, "Must supply tree.sha or tree.content");
      }
    }
    const sha = r.objects.buildTree(flat);
    return {
      status: 201,
      body: {
        sha,
        url: `${ctx.state.apiUrl}/repos/${r.fullName}/git/trees/${sha}`,
        tree: (r.objects.tree(sha)?.entries ?? []).map((e) => treeEntryJson(ctx.state, r, e)),
        truncated: false,
      },
    };
  },

  "GET /repos/{owner}/{repo}/git/commits/{commit_sha}": (ctx) => {
    const r = ctx.repo();
    const c = r.objects.commit(ctx.params.commit_sha);
    if (!c) throw notFound();
    return { body: gitCommitJson(ctx.state, r, c) };
  },

  "POST /repos/{owner}/{repo}/git/commits": (ctx) => {
    requireFields(ctx.body, "message", "tree");
    const r = ctx.repo();
    const b = ctx.body;
    if (!r.objects.tree(b.tree ?? "")) throw new HttpError(422, "Tree SHA does not exist");
    for (const p of b.parents ?? [])
      if (!r.objects.commit(p))
        throw new HttpError(422, "Parent SHA does not exist or is not a commit object");
    const author = personOf(
      b.author ?? {
        name: ctx.actor.login,
        email: `${ctx.actor.id}+${ctx.actor.login}@users.noreply.github.com`,
      },
    );
    // GitHub signs commits an app creates without a custom author, committer or signature.
    const verified = !b.author && !b.committer && !b.signature;
    const sha = r.objects.putCommit({
      tree: b.tree as string,
      parents: b.parents ?? [],
      author,
      committer: b.committer
        ? personOf(b.committer)
        : verified
          ? personOf({ name: "GitHub", email: "noreply@github.com" })
          : author,
      message: b.message as string,
      verified,
    });
    return {
      status: 201,
      body: gitCommitJson(
        ctx.state,
        r,
        r.objects.commit(sha) as NonNullable<ReturnType<typeof r.objects.commit>>,
      ),
    };
  },

  "GET /repos/{owner}/{repo}/git/ref/{ref}": (ctx) => {
    const r = ctx.repo();
    const ref = qualify(ctx.params.ref);
    const sha = r.refs.get(ref);
    if (!sha) throw notFound();
    return { body: refJson(ctx.state, r, ref, sha) };
  },

  "GET /repos/{owner}/{repo}/git/matching-refs/{ref}": (ctx) => {
    const r = ctx.repo();
    const prefix = qualify(ctx.params.ref);
    const matching = [...r.refs.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, sha]) => refJson(ctx.state, r, name, sha));
    const page = paginate(ctx, matching);
    return { body: page.items, headers: page.headers };
  },

  "POST /repos/{owner}/{repo}/git/refs": (ctx) => {
    requireFields(ctx.body, "ref", "sha");
    const r = ctx.repo();
    const ref = ctx.body.ref as string;
    if (!ref.startsWith("refs/") || ref.split("/").length < 3)
      throw new HttpError(422, "Reference name must start with 'refs/' and have at least two slashes.");
    if (r.refs.has(ref)) throw new HttpError(422, "Reference already exists");
    ctx.state.setRef(r, ref, ctx.body.sha as string, ctx.actor, { create: true });
    return { status: 201, body: refJson(ctx.state, r, ref, ctx.body.sha as string) };
  },

  "PATCH /repos/{owner}/{repo}/git/refs/{ref}": (ctx) => {
    requireFields(ctx.body, "sha");
    const r = ctx.repo();
    const ref = qualify(ctx.params.ref);
    ctx.state.setRef(r, ref, ctx.body.sha as string, ctx.actor, { force: ctx.body.force === true });
    return { body: refJson(ctx.state, r, ref, ctx.body.sha as string) };
  },

  "DELETE /repos/{owner}/{repo}/git/refs/{ref}": (ctx) => {
    const r = ctx.repo();
    ctx.state.deleteRef(r, qualify(ctx.params.ref), ctx.actor);
    return { status: 204 };
  },
});
