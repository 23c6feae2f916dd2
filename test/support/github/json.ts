import type { CommitObject, FileChange, Person, TreeEntry } from "./git-objects.js";
import type {
  Actor,
  AppRecord,
  CheckRunRecord,
  CheckSuiteRecord,
  CommentRecord,
  IssueRecord,
  LabelRecord,
  PullRecord,
  RepoRecord,
} from "./model.js";
import type { GitHubState } from "./state.js";
import { latestRuns } from "./suites.js";

/** REST response shapes, trimmed to the fields a client reads but named exactly as GitHub names them. */

const nodeId = (kind: string, id: number | string): string => Buffer.from(`${kind}:${id}`).toString("base64");

export function userJson(s: GitHubState, u: Actor): Record<string, unknown> {
  return {
    login: u.login,
    id: u.id,
    node_id: nodeId(u.type, u.id),
    avatar_url: `${s.origin}/avatars/${u.login}`,
    gravatar_id: "",
    url: `${s.apiUrl}/users/${encodeURIComponent(u.login)}`,
    html_url: `${s.origin}/${u.login}`,
    type: u.type,
    site_admin: false,
  };
}

export function repoJson(s: GitHubState, r: RepoRecord): Record<string, unknown> {
  const api = `${s.apiUrl}/repos/${r.fullName}`;
  return {
    id: r.id,
    node_id: nodeId("Repository", r.id),
    name: r.name,
    full_name: r.fullName,
    private: r.private,
    owner: userJson(s, s.user(r.owner)),
    html_url: `${s.origin}/${r.fullName}`,
    description: null,
    fork: false,
    url: api,
    git_url: `git://127.0.0.1/${r.fullName}.git`,
    clone_url: `${s.origin}/${r.fullName}.git`,
    ssh_url: `git@127.0.0.1:${r.fullName}.git`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    pulls_url: `${api}/pulls{/number}`,
    created_at: r.createdAt,
    updated_at: r.createdAt,
    pushed_at: r.createdAt,
    default_branch: r.defaultBranch,
    visibility: r.private ? "private" : "public",
    archived: false,
    disabled: false,
    allow_auto_merge: r.settings.allowAutoMerge,
    delete_branch_on_merge: r.settings.deleteBranchOnMerge,
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
  };
}

const personJson = (p: Person): Record<string, string> => ({ name: p.name, email: p.email, date: p.date });

export function verificationJson(c: CommitObject): Record<string, unknown> {
  return c.verified
    ? {
        verified: true,
        reason: "valid",
        signature: "-----BEGIN PGP SIGNATURE-----\n(test)\n-----END PGP SIGNATURE-----",
        payload: null,
        verified_at: c.committer.date,
      }
    : { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null };
}

export function gitCommitJson(s: GitHubState, r: RepoRecord, c: CommitObject): Record<string, unknown> {
  const api = `${s.apiUrl}/repos/${r.fullName}`;
  return {
    sha: c.sha,
    node_id: nodeId("Commit", c.sha),
    url: `${api}/git/commits/${c.sha}`,
    html_url: `${s.origin}/${r.fullName}/commit/${c.sha}`,
    author: personJson(c.author),
    committer: personJson(c.committer),
    message: c.message,
    tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${api}/git/commits/${p}`,
      html_url: `${s.origin}/${r.fullName}/commit/${p}`,
    })),
    verification: verificationJson(c),
  };
}

/** `GET /repos/{o}/{r}/commits/{ref}` shape (the "commit" wrapper with optional files). */
export function commitJson(
  s: GitHubState,
  r: RepoRecord,
  c: CommitObject,
  files?: FileChange[],
): Record<string, unknown> {
  const api = `${s.apiUrl}/repos/${r.fullName}`;
  const git = gitCommitJson(s, r, c);
  const userFor = (p: Person): Record<string, unknown> | null =>
    [...s.users.values()].some((u) => u.login === p.name) ? userJson(s, s.user(p.name)) : null;
  return {
    sha: c.sha,
    node_id: git.node_id,
    commit: {
      author: git.author,
      committer: git.committer,
      message: c.message,
      tree: git.tree,
      url: git.url,
      comment_count: 0,
      verification: git.verification,
    },
    url: `${api}/commits/${c.sha}`,
    html_url: git.html_url,
    comments_url: `${api}/commits/${c.sha}/comments`,
    author: userFor(c.author),
    committer: userFor(c.committer),
    parents: git.parents,
    ...(files
      ? {
          stats: {
            additions: files.reduce((n, f) => n + f.additions, 0),
            deletions: files.reduce((n, f) => n + f.deletions, 0),
            total: files.reduce((n, f) => n + f.changes, 0),
          },
          files: files.map((f) => fileJson(s, r, c.sha, f)),
        }
      : {}),
  };
}

export function fileJson(s: GitHubState, r: RepoRecord, ref: string, f: FileChange): Record<string, unknown> {
  return {
    sha: f.sha,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.changes,
    blob_url: `${s.origin}/${r.fullName}/blob/${ref}/${f.filename}`,
    raw_url: `${s.origin}/${r.fullName}/raw/${ref}/${f.filename}`,
    contents_url: `${s.apiUrl}/repos/${r.fullName}/contents/${f.filename}?ref=${ref}`,
    patch: f.patch,
  };
}

export function refJson(s: GitHubState, r: RepoRecord, ref: string, sha: string): Record<string, unknown> {
  return {
    ref,
    node_id: nodeId("Ref", `${r.id}:${ref}`),
    url: `${s.apiUrl}/repos/${r.fullName}/git/${ref}`,
    object: { sha, type: "commit", url: `${s.apiUrl}/repos/${r.fullName}/git/commits/${sha}` },
  };
}

export function treeEntryJson(s: GitHubState, r: RepoRecord, e: TreeEntry): Record<string, unknown> {
  const kind = e.type === "tree" ? "trees" : "blobs";
  return {
    path: e.path,
    mode: e.mode,
    type: e.type,
    sha: e.sha,
    ...(e.type === "blob" ? { size: r.objects.blob(e.sha)?.content.length ?? 0 } : {}),
    url: `${s.apiUrl}/repos/${r.fullName}/git/${kind}/${e.sha}`,
  };
}

export function labelJson(s: GitHubState, r: RepoRecord, l: LabelRecord): Record<string, unknown> {
  return {
    id: l.id,
    node_id: nodeId("Label", l.id),
    url: `${s.apiUrl}/repos/${r.fullName}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    description: l.description,
    default: false,
  };
}

export function issueJson(s: GitHubState, r: RepoRecord, i: IssueRecord): Record<string, unknown> {
  const api = `${s.apiUrl}/repos/${r.fullName}`;
  return {
    id: i.id,
    node_id: nodeId(i.kind === "pull" ? "Issue" : "Issue", i.id),
    url: `${api}/issues/${i.number}`,
    html_url: `${s.origin}/${r.fullName}/${i.kind === "pull" ? "pull" : "issues"}/${i.number}`,
    number: i.number,
    state: i.state,
    state_reason: i.state_reason,
    title: i.title,
    body: i.body,
    user: userJson(s, i.user),
    labels: i.labels.map((name) => labelJson(s, r, s.label(r, name))),
    assignee: i.assignees[0] ? userJson(s, s.user(i.assignees[0])) : null,
    assignees: i.assignees.map((a) => userJson(s, s.user(a))),
    locked: false,
    comments: r.comments.filter((c) => c.issueNumber === i.number).length,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at,
    author_association: "NONE",
    ...(i.kind === "pull"
      ? {
          pull_request: {
            url: `${api}/pulls/${i.number}`,
            html_url: `${s.origin}/${r.fullName}/pull/${i.number}`,
            merged_at: (i as PullRecord).merged_at,
          },
        }
      : {}),
  };
}

export function pullJson(s: GitHubState, r: RepoRecord, p: PullRecord, full = true): Record<string, unknown> {
  const api = `${s.apiUrl}/repos/${r.fullName}`;
  const repo = repoJson(s, r);
  const side = (x: { ref: string; sha: string }) => ({
    label: `${r.owner}:${x.ref}`,
    ref: x.ref,
    sha: x.sha,
    user: repo.owner,
    repo,
  });
  const issue = issueJson(s, r, p);
  const base: Record<string, unknown> = {
    url: `${api}/pulls/${p.number}`,
    id: p.id,
    node_id: nodeId("PullRequest", p.id),
    html_url: `${s.origin}/${r.fullName}/pull/${p.number}`,
    diff_url: `${s.origin}/${r.fullName}/pull/${p.number}.diff`,
    patch_url: `${s.origin}/${r.fullName}/pull/${p.number}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    commits_url: `${api}/pulls/${p.number}/commits`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userJson(s, p.user),
    body: p.body,
    labels: issue.labels,
    assignee: issue.assignee,
    assignees: issue.assignees,
    requested_reviewers: [],
    requested_teams: [],
    milestone: null,
    created_at: p.created_at,
    updated_at: p.updated_at,
    closed_at: p.closed_at,
    merged_at: p.merged_at,
    merge_commit_sha: p.merge_commit_sha,
    draft: p.draft,
    head: side(p.head),
    base: side(p.base),
    author_association: "NONE",
    auto_merge: p.auto_merge
      ? {
          enabled_by: userJson(s, p.auto_merge.enabled_by),
          merge_method: p.auto_merge.merge_method,
          commit_title: p.auto_merge.commit_title,
          commit_message: p.auto_merge.commit_message,
        }
      : null,
    active_lock_reason: null,
  };
  if (!full) return base;
  const blocker = p.state === "open" ? s.mergeBlocker(r, p) : null;
  const mergeable = p.state === "open" ? s.mergeTree(r, p.base.sha, p.head.sha) !== null : null;
  const commits = s.pullCommits(r, p);
  const mb = s.mergeBase(r, p.base.sha, p.head.sha);
  const files = r.objects.diffTrees(
    mb ? r.objects.commit(mb)?.tree : undefined,
    r.objects.commit(p.head.sha)?.tree,
  );
  return {
    ...base,
    merged: p.merged,
    mergeable,
    rebaseable: mergeable,
    mergeable_state:
      p.state !== "open" ? "unknown" : mergeable === false ? "dirty" : blocker ? "blocked" : "clean",
    merged_by: p.merged_by ? userJson(s, p.merged_by) : null,
    comments: issue.comments,
    review_comments: 0,
    maintainer_can_modify: p.maintainer_can_modify,
    commits: commits.length,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    changed_files: files.length,
  };
}

export function commentJson(s: GitHubState, r: RepoRecord, c: CommentRecord): Record<string, unknown> {
  const api = `${s.apiUrl}/repos/${r.fullName}`;
  const counts: Record<string, number> = {};
  for (const x of c.reactions) counts[x.content] = (counts[x.content] ?? 0) + 1;
  return {
    id: c.id,
    node_id: nodeId("IssueComment", c.id),
    url: `${api}/issues/comments/${c.id}`,
    html_url: `${s.origin}/${r.fullName}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${api}/issues/${c.issueNumber}`,
    body: c.body,
    user: userJson(s, c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: "NONE",
    reactions: {
      url: `${api}/issues/comments/${c.id}/reactions`,
      total_count: c.reactions.length,
      ...counts,
    },
  };
}

export function appJson(s: GitHubState, app: AppRecord = s.mainApp): Record<string, unknown> {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId("App", app.id),
    name: app.name,
    owner: userJson(s, s.user(s.options.account)),
    html_url: `${s.origin}/apps/${app.slug}`,
    permissions: { ...app.permissions },
    events: [...app.events],
  };
}

export function checkSuiteJson(s: GitHubState, r: RepoRecord, cs: CheckSuiteRecord): Record<string, unknown> {
  const runs = r.checkRuns.filter((x) => x.check_suite_id === cs.id);
  return {
    id: cs.id,
    node_id: nodeId("CheckSuite", cs.id),
    head_branch: cs.head_branch,
    head_sha: cs.head_sha,
    status: cs.status,
    conclusion: cs.conclusion,
    url: `${s.apiUrl}/repos/${r.fullName}/check-suites/${cs.id}`,
    app: appJson(s, s.app(cs.app_id)),
    repository: repoJson(s, r),
    created_at: cs.created_at,
    updated_at: cs.updated_at,
    latest_check_runs_count: latestRuns(runs).length,
    pull_requests: prRefsFor(s, r, cs.head_sha),
    check_runs_url: `${s.apiUrl}/repos/${r.fullName}/check-suites/${cs.id}/check-runs`,
  };
}

export function checkRunJson(s: GitHubState, r: RepoRecord, c: CheckRunRecord): Record<string, unknown> {
  const api = `${s.apiUrl}/repos/${r.fullName}`;
  return {
    id: c.id,
    node_id: nodeId("CheckRun", c.id),
    head_sha: c.head_sha,
    external_id: c.external_id,
    url: `${api}/check-runs/${c.id}`,
    html_url: `${s.origin}/${r.fullName}/runs/${c.id}`,
    details_url: c.details_url,
    status: c.status,
    conclusion: c.conclusion,
    started_at: c.started_at,
    completed_at: c.completed_at,
    output: {
      title: c.output.title,
      summary: c.output.summary,
      text: c.output.text,
      annotations_count: c.output.annotations.length,
      annotations_url: `${api}/check-runs/${c.id}/annotations`,
    },
    name: c.name,
    check_suite: { id: c.check_suite_id },
    app: appJson(s, s.app(c.app_id)),
    pull_requests: prRefsFor(s, r, c.head_sha),
  };
}

/** The minimal PR objects GitHub attaches to check runs and suites: open PRs whose head is the sha. */
export function prRefsFor(s: GitHubState, r: RepoRecord, sha: string): Record<string, unknown>[] {
  const repo = { id: r.id, url: `${s.apiUrl}/repos/${r.fullName}`, name: r.name };
  return s
    .pulls(r)
    .filter((p) => p.state === "open" && p.head.sha === sha)
    .map((p) => ({
      url: `${s.apiUrl}/repos/${r.fullName}/pulls/${p.number}`,
      id: p.id,
      number: p.number,
      head: { ref: p.head.ref, sha: p.head.sha, repo },
      base: { ref: p.base.ref, sha: p.base.sha, repo },
    }));
}
