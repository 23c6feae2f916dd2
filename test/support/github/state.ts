import { HttpError, notFound, validationFailed } from "./errors.js";
import { type CommitObject, ObjectStore, type Person } from "./git-objects.js";
import type {
  Actor,
  AppPermissions,
  AppRecord,
  BranchProtection,
  CheckRunRecord,
  CheckSuiteRecord,
  CommentRecord,
  IssueRecord,
  LabelRecord,
  Permission,
  PullRecord,
  PushAuthor,
  RepoRecord,
  RepoSettings,
} from "./model.js";
import { requestSuites } from "./suites.js";

export const ZERO_SHA = "0000000000000000000000000000000000000000";

/** Something that turns state changes into webhook deliveries (see events.ts). */
export interface EventSink {
  push(repo: RepoRecord, ref: string, before: string, after: string, pusher: Actor, forced: boolean): void;
  pullRequest(
    repo: RepoRecord,
    action: string,
    pull: PullRecord,
    sender: Actor,
    extra?: Record<string, unknown>,
  ): void;
  issueComment(
    repo: RepoRecord,
    action: string,
    issue: IssueRecord,
    comment: CommentRecord,
    sender: Actor,
  ): void;
  checkRun(repo: RepoRecord, action: string, run: CheckRunRecord, sender: Actor): void;
  checkSuite(repo: RepoRecord, action: string, suite: CheckSuiteRecord, sender: Actor): void;
}

export interface StateOptions {
  appId: number;
  appSlug: string;
  installationId: number;
  account: string;
  /** What the app's installation tokens may do (GitHub: what the app's registration grants). */
  permissions?: AppPermissions;
  /** Webhook events the app subscribes to. */
  events?: string[];
}

/** A permissive default for servers started without the app's manifest. */
export const DEFAULT_PERMISSIONS: AppPermissions = {
  checks: "write",
  contents: "write",
  issues: "write",
  metadata: "read",
  pull_requests: "write",
};

export const DEFAULT_EVENTS = ["push", "pull_request", "issue_comment", "check_run", "check_suite"];

/** Conclusions that let a required check pass. */
export const PASSING = ["success", "neutral", "skipped"];

export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** The in-memory GitHub: repositories with real git objects and everything hung on them. */
export class GitHubState {
  readonly repos = new Map<string, RepoRecord>();
  readonly users = new Map<string, Actor>();
  /** Installed apps by id; the first is the app the server was started for. */
  readonly apps = new Map<number, AppRecord>();
  /** The main app's bot. */
  readonly bot: Actor;
  /** Set once the server listens; used to build `url` fields. */
  origin = "http://127.0.0.1";
  events: EventSink | undefined;
  /** GitHub's size limits that a test may lower to reach the paths beyond them. */
  readonly limits = { treeEntries: 100_000 };
  private nextId = 1000;

  constructor(readonly options: StateOptions) {
    this.bot = this.installApp({
      id: options.appId,
      slug: options.appSlug,
      installationId: options.installationId,
      permissions: options.permissions ?? DEFAULT_PERMISSIONS,
      events: options.events ?? DEFAULT_EVENTS,
    }).bot;
  }

  /** Installs an app on the account (all repositories), with its own bot and installation. */
  installApp(a: {
    id: number;
    slug: string;
    name?: string;
    installationId?: number;
    permissions?: AppPermissions;
    events?: string[];
  }): AppRecord {
    if (this.apps.has(a.id)) throw new Error(`test server: app ${a.id} is already installed`);
    const bot: Actor = { login: `${a.slug}[bot]`, id: this.id(), type: "Bot" };
    this.users.set(bot.login.toLowerCase(), bot);
    const app: AppRecord = {
      id: a.id,
      slug: a.slug,
      name: a.name ?? a.slug,
      installationId: a.installationId ?? this.id(),
      permissions: { metadata: "read", ...(a.permissions ?? DEFAULT_PERMISSIONS) },
      events: a.events ?? DEFAULT_EVENTS,
      bot,
    };
    this.apps.set(app.id, app);
    return app;
  }

  /** The app the server was started for. */
  get mainApp(): AppRecord {
    return this.apps.get(this.options.appId) as AppRecord;
  }

  app(id: number): AppRecord {
    const app = this.apps.get(id);
    if (!app) throw new Error(`test server: no app ${id}`);
    return app;
  }

  appByInstallation(installationId: number): AppRecord | undefined {
    return [...this.apps.values()].find((a) => a.installationId === installationId);
  }

  get apiUrl(): string {
    return `${this.origin}/api/v3`;
  }

  id(): number {
    return this.nextId++;
  }

  user(login: string): Actor {
    const key = login.toLowerCase();
    let u = this.users.get(key);
    if (!u) {
      u = { login, id: this.id(), type: login.endsWith("[bot]") ? "Bot" : "User" };
      this.users.set(key, u);
    }
    return u;
  }

  repo(fullName: string): RepoRecord | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  mustRepo(fullName: string): RepoRecord {
    const r = this.repo(fullName);
    if (!r) throw new Error(`test server: no repository ${fullName}`);
    return r;
  }

  createRepo(
    fullName: string,
    opts: {
      files?: Record<string, string>;
      defaultBranch?: string;
      private?: boolean;
      settings?: Partial<RepoSettings>;
    } = {},
  ): RepoRecord {
    const [owner, name] = fullName.split("/");
    if (!owner || !name) throw new Error(`test server: repository name must be owner/name, got ${fullName}`);
    if (this.repo(fullName)) throw new Error(`test server: repository ${fullName} exists`);
    this.user(owner);
    const repo: RepoRecord = {
      id: this.id(),
      owner,
      name,
      fullName,
      defaultBranch: opts.defaultBranch ?? "main",
      private: opts.private ?? true,
      createdAt: now(),
      objects: new ObjectStore(),
      refs: new Map(),
      issues: new Map(),
      nextNumber: 1,
      comments: [],
      labels: new Map(),
      checkRuns: [],
      checkSuites: [],
      permissions: new Map(),
      protection: new Map(),
      settings: {
        allowAutoMerge: false,
        deleteBranchOnMerge: false,
        allowedMergeMethods: ["merge", "squash", "rebase"],
        ...opts.settings,
      },
    };
    this.repos.set(fullName.toLowerCase(), repo);
    const tree = repo.objects.applyFiles(undefined, opts.files ?? {});
    const person = personOf({ name: "Test User", email: "test@example.com" });
    const sha = repo.objects.putCommit({
      tree,
      parents: [],
      author: person,
      committer: person,
      message: "Initial commit",
      verified: false,
    });
    // The initial commit is part of creating the repo: no push event, as on GitHub.
    repo.refs.set(`refs/heads/${repo.defaultBranch}`, sha);
    return repo;
  }

  /** Resolves a branch, tag, qualified ref or (abbreviated) commit sha to a commit sha. */
  resolve(repo: RepoRecord, refish: string): string | undefined {
    const candidates = refish.startsWith("refs/")
      ? [refish]
      : [`refs/heads/${refish}`, `refs/tags/${refish}`, `refs/${refish}`];
    for (const c of candidates) {
      const sha = repo.refs.get(c);
      if (sha) return sha;
    }
    if (/^[0-9a-f]{40}$/.test(refish) && repo.objects.has(refish)) return refish;
    return undefined;
  }

  mustCommit(repo: RepoRecord, refish: string): CommitObject {
    const sha = this.resolve(repo, refish);
    const commit = sha ? repo.objects.commit(sha) : undefined;
    if (!commit) throw new HttpError(422, `No commit found for SHA: ${refish}`);
    return commit;
  }

  /**
   * Moves (or creates) a ref and emits what GitHub emits: `push`, then `pull_request.synchronize`
   * for open PRs whose head is this branch.
   */
  setRef(
    repo: RepoRecord,
    ref: string,
    sha: string,
    actor: Actor,
    opts: { force?: boolean; create?: boolean } = {},
  ): void {
    const before = repo.refs.get(ref);
    if (opts.create && before) throw validationFailed("Reference", "Reference already exists");
    if (!opts.create && !before) throw new HttpError(422, "Reference does not exist");
    if (!repo.objects.commit(sha)) throw new HttpError(422, "Object does not exist");
    const forced = before !== undefined && !repo.objects.isAncestor(before, sha);
    if (forced && !opts.force) throw new HttpError(422, "Update is not a fast forward");
    repo.refs.set(ref, sha);
    if (before === sha) return;
    this.events?.push(repo, ref, before ?? ZERO_SHA, sha, actor, forced);
    if (ref.startsWith("refs/heads/")) {
      const branch = ref.slice("refs/heads/".length);
      for (const pull of this.pulls(repo)) {
        if (pull.state === "open" && pull.head.ref === branch) {
          const prev = pull.head.sha;
          pull.head.sha = sha;
          pull.updated_at = now();
          this.events?.pullRequest(repo, "synchronize", pull, actor, { before: prev, after: sha });
        }
        if (pull.state === "open" && pull.base.ref === branch) pull.base.sha = sha;
      }
      requestSuites(this, repo, sha, actor);
    }
  }

  deleteRef(repo: RepoRecord, ref: string, actor: Actor): void {
    const before = repo.refs.get(ref);
    if (!before) throw new HttpError(422, "Reference does not exist");
    repo.refs.delete(ref);
    this.events?.push(repo, ref, before, ZERO_SHA, actor, false);
  }

  /** A commit on top of `parent` with the given file changes (null deletes). */
  commitFiles(
    repo: RepoRecord,
    parent: string | undefined,
    files: Record<string, string | Buffer | null>,
    message: string,
    author: Person,
    verified: boolean,
  ): string {
    const base = parent ? repo.objects.commit(parent) : undefined;
    const tree = repo.objects.applyFiles(base?.tree, files);
    return repo.objects.putCommit({
      tree,
      parents: parent ? [parent] : [],
      author,
      committer: verified ? webFlowCommitter() : author,
      message,
      verified,
    });
  }

  pulls(repo: RepoRecord): PullRecord[] {
    return [...repo.issues.values()].filter((i): i is PullRecord => i.kind === "pull");
  }

  issue(repo: RepoRecord, number: number): IssueRecord | PullRecord {
    const i = repo.issues.get(number);
    if (!i) throw notFound();
    return i;
  }

  pull(repo: RepoRecord, number: number): PullRecord {
    const i = repo.issues.get(number);
    if (i?.kind !== "pull") throw notFound();
    return i as PullRecord;
  }

  label(repo: RepoRecord, name: string): LabelRecord {
    const key = name.toLowerCase();
    let l = repo.labels.get(key);
    if (!l) {
      l = { id: this.id(), name, color: "ededed", description: null };
      repo.labels.set(key, l);
    }
    return l;
  }

  private recordLabelEvent(
    issue: IssueRecord,
    event: "labeled" | "unlabeled",
    label: string,
    actor: Actor,
  ): void {
    issue.events ??= [];
    issue.events.push({ id: issue.events.length + 1, event, label, actor, created_at: now() });
  }

  /** Adds labels (creating missing repo labels, as GitHub does) and emits `labeled` for PRs. */
  addLabels(repo: RepoRecord, issue: IssueRecord, names: string[], actor: Actor): void {
    for (const name of names) {
      const label = this.label(repo, name);
      if (issue.labels.some((l) => l.toLowerCase() === label.name.toLowerCase())) continue;
      issue.labels.push(label.name);
      issue.updated_at = now();
      this.recordLabelEvent(issue, "labeled", label.name, actor);
      if (issue.kind === "pull")
        this.events?.pullRequest(repo, "labeled", issue as PullRecord, actor, { label: { ...label } });
    }
  }

  removeLabel(repo: RepoRecord, issue: IssueRecord, name: string, actor: Actor): boolean {
    const idx = issue.labels.findIndex((l) => l.toLowerCase() === name.toLowerCase());
    if (idx < 0) return false;
    const [removed] = issue.labels.splice(idx, 1);
    issue.updated_at = now();
    if (removed) this.recordLabelEvent(issue, "unlabeled", removed, actor);
    if (issue.kind === "pull" && removed)
      this.events?.pullRequest(repo, "unlabeled", issue as PullRecord, actor, {
        label: { ...this.label(repo, removed) },
      });
    return true;
  }

  createPull(
    repo: RepoRecord,
    input: {
      title: string;
      body?: string | null;
      head: string;
      base: string;
      draft?: boolean;
      maintainer_can_modify?: boolean;
    },
    actor: Actor,
  ): PullRecord {
    const head = input.head.includes(":") ? input.head.slice(input.head.indexOf(":") + 1) : input.head;
    const headSha = repo.refs.get(`refs/heads/${head}`);
    const baseSha = repo.refs.get(`refs/heads/${input.base}`);
    if (!headSha)
      throw new HttpError(422, "Validation Failed", [
        { resource: "PullRequest", field: "head", code: "invalid" },
      ]);
    if (!baseSha)
      throw new HttpError(422, "Validation Failed", [
        { resource: "PullRequest", field: "base", code: "invalid" },
      ]);
    if (this.pulls(repo).some((p) => p.state === "open" && p.head.ref === head && p.base.ref === input.base))
      throw validationFailed("PullRequest", `A pull request already exists for ${repo.owner}:${head}.`);
    if (repo.objects.isAncestor(headSha, baseSha))
      throw validationFailed("PullRequest", `No commits between ${input.base} and ${head}`);
    const t = now();
    const pull: PullRecord = {
      kind: "pull",
      number: repo.nextNumber++,
      id: this.id(),
      title: input.title,
      body: input.body ?? null,
      state: "open",
      state_reason: null,
      user: actor,
      labels: [],
      assignees: [],
      created_at: t,
      updated_at: t,
      closed_at: null,
      draft: input.draft ?? false,
      head: { ref: head, sha: headSha },
      base: { ref: input.base, sha: baseSha },
      merged: false,
      merged_at: null,
      merged_by: null,
      merge_commit_sha: null,
      auto_merge: null,
      maintainer_can_modify: input.maintainer_can_modify ?? true,
      reviews: [],
    };
    repo.issues.set(pull.number, pull);
    this.events?.pullRequest(repo, "opened", pull, actor);
    return pull;
  }

  setPullState(repo: RepoRecord, pull: PullRecord, state: "open" | "closed", actor: Actor): void {
    if (pull.state === state || pull.merged) return;
    pull.state = state;
    pull.updated_at = now();
    pull.closed_at = state === "closed" ? pull.updated_at : null;
    if (state === "open") {
      pull.head.sha = repo.refs.get(`refs/heads/${pull.head.ref}`) ?? pull.head.sha;
      pull.base.sha = repo.refs.get(`refs/heads/${pull.base.ref}`) ?? pull.base.sha;
    }
    this.events?.pullRequest(repo, state === "closed" ? "closed" : "reopened", pull, actor);
  }

  /** Commits on the PR: reachable from head, not from base, oldest first. */
  pullCommits(repo: RepoRecord, pull: PullRecord): CommitObject[] {
    const base = new Set(repo.objects.history(pull.base.sha).map((c) => c.sha));
    return repo.objects
      .history(pull.head.sha)
      .filter((c) => !base.has(c.sha))
      .reverse();
  }

  mergeBase(repo: RepoRecord, a: string, b: string): string | undefined {
    const ancestorsOfA = new Set(repo.objects.history(a).map((c) => c.sha));
    return repo.objects.history(b).find((c) => ancestorsOfA.has(c.sha))?.sha;
  }

  /**
   * A three-way merge at file level: the tree of base with head's changes applied, or null when
   * both sides changed the same file differently (GitHub's `mergeable: false`).
   */
  mergeTree(repo: RepoRecord, baseSha: string, headSha: string): string | null {
    // Commits are immutable, so the merge result of two commits never changes.
    const key = `${repo.id}:${baseSha}..${headSha}`;
    const cached = this.merges.get(key);
    if (cached !== undefined) return cached;
    const result = this.computeMergeTree(repo, baseSha, headSha);
    this.merges.set(key, result);
    return result;
  }

  private readonly merges = new Map<string, string | null>();

  private computeMergeTree(repo: RepoRecord, baseSha: string, headSha: string): string | null {
    const mb = this.mergeBase(repo, baseSha, headSha);
    const o = repo.objects;
    const mbTree = mb ? o.commit(mb)?.tree : undefined;
    const baseFiles = o.flatten(o.commit(baseSha)?.tree ?? "");
    const headChanges = o.diffTrees(mbTree, o.commit(headSha)?.tree);
    const baseChanges = new Map(o.diffTrees(mbTree, o.commit(baseSha)?.tree).map((c) => [c.filename, c]));
    const headFiles = o.flatten(o.commit(headSha)?.tree ?? "");
    for (const change of headChanges) {
      const headEntry = headFiles.get(change.filename);
      // Both sides changed the file, to different results: a conflict.
      if (baseChanges.has(change.filename) && baseFiles.get(change.filename)?.sha !== headEntry?.sha)
        return null;
      if (headEntry) baseFiles.set(change.filename, headEntry);
      else baseFiles.delete(change.filename);
    }
    return o.buildTree(baseFiles);
  }

  /** Why a PR cannot merge now, or null. Mirrors GitHub's 405 messages. */
  mergeBlocker(repo: RepoRecord, pull: PullRecord): string | null {
    if (pull.state !== "open") return "Pull Request is not mergeable";
    if (pull.draft) return "Pull Request is still a draft";
    if (this.mergeTree(repo, pull.base.sha, pull.head.sha) === null) return "Pull Request is not mergeable";
    return this.protectionBlocker(repo, pull);
  }

  /** What the base branch's protection still waits for, or null (also null when unprotected). */
  protectionBlocker(repo: RepoRecord, pull: PullRecord): string | null {
    const rule = repo.protection.get(pull.base.ref);
    if (!rule) return null;
    for (const name of rule.requiredChecks) {
      const latest = repo.checkRuns.filter((r) => r.head_sha === pull.head.sha && r.name === name).at(-1);
      if (latest?.status !== "completed") return `Required status check "${name}" is expected.`;
      if (!PASSING.includes(latest.conclusion ?? "")) return `Required status check "${name}" is failing.`;
    }
    const approvals = pull.reviews.filter((r) => r.state === "APPROVED" && r.commit_id === pull.head.sha);
    if (approvals.length < rule.requiredApprovals)
      return `At least ${rule.requiredApprovals} approving review${rule.requiredApprovals === 1 ? " is" : "s are"} required by reviewers with write access.`;
    return null;
  }

  protect(repo: RepoRecord, branch: string, rule: Partial<BranchProtection>): void {
    repo.protection.set(branch, { requiredChecks: [], requiredApprovals: 0, ...rule });
  }

  mergePull(
    repo: RepoRecord,
    pull: PullRecord,
    actor: Actor,
    opts: { merge_method?: string; commit_title?: string; commit_message?: string; sha?: string } = {},
  ): string {
    if (opts.sha && opts.sha !== pull.head.sha)
      throw new HttpError(409, "Head branch was modified. Review and try the merge again.");
    const blocker = this.mergeBlocker(repo, pull);
    if (blocker) throw new HttpError(405, blocker);
    const tree = this.mergeTree(repo, pull.base.sha, pull.head.sha) as string;
    const method = opts.merge_method ?? "merge";
    const person = personOf({
      name: actor.login,
      email: `${actor.id}+${actor.login}@users.noreply.github.com`,
    });
    const message =
      method === "merge"
        ? `${opts.commit_title ?? `Merge pull request #${pull.number} from ${repo.owner}/${pull.head.ref}`}\n\n${opts.commit_message ?? pull.title}`
        : `${opts.commit_title ?? `${pull.title} (#${pull.number})`}\n\n${
            opts.commit_message ??
            this.pullCommits(repo, pull)
              .map((c) => `* ${c.message}`)
              .join("\n\n")
          }`;
    const sha = repo.objects.putCommit({
      tree,
      parents: method === "merge" ? [pull.base.sha, pull.head.sha] : [pull.base.sha],
      author: person,
      committer: webFlowCommitter(),
      message,
      verified: true,
    });
    const t = now();
    Object.assign(pull, {
      state: "closed",
      merged: true,
      merged_at: t,
      closed_at: t,
      updated_at: t,
      merged_by: actor,
      merge_commit_sha: sha,
    });
    this.setRef(repo, `refs/heads/${pull.base.ref}`, sha, actor);
    this.events?.pullRequest(repo, "closed", pull, actor);
    if (repo.settings.deleteBranchOnMerge) this.deleteRef(repo, `refs/heads/${pull.head.ref}`, actor);
    return sha;
  }

  /** Runs pending auto-merges whose PR became mergeable (called after check runs complete). */
  runAutoMerges(repo: RepoRecord): void {
    for (const pull of this.pulls(repo)) {
      if (pull.state !== "open" || !pull.auto_merge || this.mergeBlocker(repo, pull)) continue;
      const am = pull.auto_merge;
      this.mergePull(repo, pull, am.enabled_by, {
        merge_method: am.merge_method,
        ...(am.commit_title ? { commit_title: am.commit_title } : {}),
        ...(am.commit_message ? { commit_message: am.commit_message } : {}),
      });
    }
  }

  permission(repo: RepoRecord, login: string): Permission {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return "admin";
    return repo.permissions.get(login.toLowerCase()) ?? "read";
  }
}

export function personOf(p: PushAuthor): Person {
  return { name: p.name ?? "Test User", email: p.email ?? "test@example.com", date: p.date ?? now() };
}

/** GitHub's committer for commits it creates and signs on someone's behalf. */
export function webFlowCommitter(): Person {
  return { name: "GitHub", email: "noreply@github.com", date: now() };
}
