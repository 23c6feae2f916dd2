import { notFound } from "../errors.js";
import { userJson } from "../json.js";
import type { RepoRecord } from "../model.js";
import { routes } from "../router.js";
import type { GitHubState } from "../state.js";

/** A release as a test creates it; GitHub's fields are filled in by `releaseJson`. */
export interface ReleaseRecord {
  id: number;
  tag: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  createdAt: string;
}

/** Releases per repository, kept beside the model so the model needs no field for them. */
const releases = new WeakMap<RepoRecord, ReleaseRecord[]>();

export function releasesOf(r: RepoRecord): ReleaseRecord[] {
  let list = releases.get(r);
  if (list === undefined) {
    list = [];
    releases.set(r, list);
  }
  return list;
}

/** Publishes (or drafts) a release of `tag` in the repository; no webhook is sent (use `sendWebhook`). */
export function createRelease(
  state: GitHubState,
  r: RepoRecord,
  opts: { tag: string; name?: string; body?: string; draft?: boolean; prerelease?: boolean },
): ReleaseRecord {
  const release: ReleaseRecord = {
    id: state.id(),
    tag: opts.tag,
    name: opts.name ?? opts.tag,
    body: opts.body ?? null,
    draft: opts.draft ?? false,
    prerelease: opts.prerelease ?? false,
    createdAt: new Date().toISOString(),
  };
  releasesOf(r).push(release);
  return release;
}

function releaseJson(s: GitHubState, r: RepoRecord, x: ReleaseRecord): Record<string, unknown> {
  const api = `${s.apiUrl}/repos/${r.fullName}/releases/${x.id}`;
  return {
    url: api,
    html_url: `${s.origin}/${r.fullName}/releases/tag/${encodeURIComponent(x.tag)}`,
    assets_url: `${api}/assets`,
    upload_url: `${s.apiUrl.replace("/api/v3", "/api/uploads")}/repos/${r.fullName}/releases/${x.id}/assets{?name,label}`,
    tarball_url: `${s.apiUrl}/repos/${r.fullName}/tarball/${x.tag}`,
    zipball_url: `${s.apiUrl}/repos/${r.fullName}/zipball/${x.tag}`,
    id: x.id,
    node_id: `RE_${x.id}`,
    tag_name: x.tag,
    target_commitish: r.defaultBranch,
    name: x.name,
    body: x.body,
    draft: x.draft,
    prerelease: x.prerelease,
    created_at: x.createdAt,
    published_at: x.draft ? null : x.createdAt,
    author: userJson(s, s.bot),
    assets: [],
  };
}

/** Releases: the lookup by tag that Ferry reads release notes with. */
export const releaseRoutes = routes({
  // GitHub finds only published releases by tag: a draft has no tag yet.
  "GET /repos/{owner}/{repo}/releases/tags/{tag}": (ctx) => {
    const r = ctx.repo();
    const release = releasesOf(r).find((x) => x.tag === ctx.params.tag && !x.draft);
    if (!release) throw notFound();
    return { body: releaseJson(ctx.state, r, release) };
  },
});
