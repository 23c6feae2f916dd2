import type { GraphQLResolveInfo } from "graphql";
import { HttpError } from "./errors.js";
import type { CommitObject, GitObject } from "./git-objects.js";
import type {
  Actor,
  AppRecord,
  CheckRunRecord,
  CheckSuiteRecord,
  IssueRecord,
  LabelRecord,
  PullRecord,
  RepoRecord,
} from "./model.js";
import { grants, NOT_ACCESSIBLE } from "./permissions.js";
import type { GitHubState } from "./state.js";
import { latestRuns } from "./suites.js";

/**
 * GraphQL objects over the shared state. Fields that take arguments are functions
 * `(args, ctx, info)`, which graphql-js's default resolver calls; `__typename` picks the concrete
 * type of interfaces and unions.
 */

/** An error GitHub reports in `errors[]` with a top-level `type` (NOT_FOUND, STALE_DATA, ...). */
export class GraphqlFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Turns the REST layer's HttpError into the GraphQL error GitHub gives for the same rule. */
export function toFault(e: unknown): unknown {
  if (!(e instanceof HttpError)) return e;
  const message = e.errors?.[0]?.message ?? e.message;
  const type = e.status === 404 ? "NOT_FOUND" : e.status === 403 ? "FORBIDDEN" : "UNPROCESSABLE";
  return new GraphqlFault(type, message);
}

export const nodeId = (kind: string, key: number | string): string =>
  Buffer.from(`${kind}:${key}`).toString("base64");

export function decodeId(id: string): { kind: string; key: string } {
  const text = Buffer.from(id, "base64").toString("utf8");
  const i = text.indexOf(":");
  if (i < 0) throw new GraphqlFault("NOT_FOUND", `Could not resolve to a node with the global id of '${id}'`);
  return { kind: text.slice(0, i), key: text.slice(i + 1) };
}

interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** A GitHub connection; like GitHub, it insists on `first` or `last` (at most 100). */
export function connection<T>(items: T[], args: PageArgs, info: GraphQLResolveInfo) {
  const field = info.fieldName;
  if (args.first == null && args.last == null)
    throw new GraphqlFault(
      "MISSING_PAGINATION_BOUNDARIES",
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`,
    );
  for (const [name, n] of [
    ["first", args.first],
    ["last", args.last],
  ] as const)
    if (n != null && n > 100)
      throw new GraphqlFault(
        "EXCESSIVE_PAGINATION",
        `Requesting ${n} records on the \`${field}\` connection exceeds the \`${name}\` limit of 100 records.`,
      );
  const cursor = (i: number): string => Buffer.from(`cursor:v2:${i}`).toString("base64");
  const index = (c: string): number => Number(Buffer.from(c, "base64").toString().split(":")[2]);
  let start = args.after ? index(args.after) + 1 : 0;
  let end = args.before ? index(args.before) : items.length;
  if (args.first != null) end = Math.min(end, start + args.first);
  if (args.last != null) start = Math.max(start, end - args.last);
  const slice = items.slice(start, end).map((node, k) => ({ node, cursor: cursor(start + k) }));
  return {
    totalCount: items.length,
    nodes: slice.map((e) => e.node),
    edges: slice,
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice[0]?.cursor ?? null,
      endCursor: slice[slice.length - 1]?.cursor ?? null,
    },
  };
}

export class Nodes {
  constructor(
    readonly state: GitHubState,
    readonly actor: Actor,
    readonly app?: AppRecord,
  ) {}

  /** GitHub's FORBIDDEN error when the app's token lacks the permission a field reads with. */
  private need(level: "read" | "write", ...anyOf: string[]): void {
    if (this.app && !grants(this.app.permissions, { level, anyOf }))
      throw new GraphqlFault("FORBIDDEN", NOT_ACCESSIBLE);
  }

  actorNode(u: Actor) {
    return {
      __typename: u.type === "Bot" ? "Bot" : "User",
      id: nodeId(u.type, u.id),
      databaseId: u.id,
      login: u.login.replace(/\[bot\]$/, ""),
      url: `${this.state.origin}/${u.login}`,
      avatarUrl: `${this.state.origin}/avatars/${u.login}`,
      resourcePath: `/${u.login}`,
    };
  }

  repository(r: RepoRecord): Record<string, unknown> {
    const s = this.state;
    return {
      __typename: "Repository",
      id: nodeId("Repository", r.id),
      databaseId: r.id,
      name: r.name,
      nameWithOwner: r.fullName,
      owner: {
        __typename: "Organization",
        id: nodeId("Organization", s.user(r.owner).id),
        login: r.owner,
        url: `${s.origin}/${r.owner}`,
      },
      url: `${s.origin}/${r.fullName}`,
      isPrivate: r.private,
      isArchived: false,
      visibility: r.private ? "PRIVATE" : "PUBLIC",
      autoMergeAllowed: r.settings.allowAutoMerge,
      deleteBranchOnMerge: r.settings.deleteBranchOnMerge,
      mergeCommitAllowed: r.settings.allowedMergeMethods.includes("merge"),
      squashMergeAllowed: r.settings.allowedMergeMethods.includes("squash"),
      rebaseMergeAllowed: r.settings.allowedMergeMethods.includes("rebase"),
      createdAt: r.createdAt,
      defaultBranchRef: () => {
        this.need("read", "contents");
        return this.ref(r, `refs/heads/${r.defaultBranch}`);
      },
      ref: ({ qualifiedName }: { qualifiedName: string }) => {
        this.need("read", "contents");
        const full = qualifiedName.startsWith("refs/")
          ? qualifiedName
          : [`refs/heads/${qualifiedName}`, `refs/tags/${qualifiedName}`].find((q) => r.refs.has(q));
        return full ? this.ref(r, full) : null;
      },
      refs: (
        args: PageArgs & { refPrefix: string; query?: string },
        _: unknown,
        info: GraphQLResolveInfo,
      ) => {
        this.need("read", "contents");
        return connection(
          [...r.refs.keys()]
            .filter((n) => n.startsWith(args.refPrefix) && (!args.query || n.includes(args.query)))
            .sort()
            .map((n) => this.ref(r, n)),
          args,
          info,
        );
      },
      object: ({ expression, oid }: { expression?: string; oid?: string }) => {
        this.need("read", "contents");
        return this.object(r, expression, oid);
      },
      pullRequest: ({ number }: { number: number }) => {
        this.need("read", "pull_requests");
        const p = r.issues.get(number);
        if (p?.kind !== "pull")
          throw new GraphqlFault(
            "NOT_FOUND",
            `Could not resolve to a PullRequest with the number of ${number}.`,
          );
        return this.pull(r, p as PullRecord);
      },
      pullRequests: (
        args: PageArgs & {
          headRefName?: string;
          baseRefName?: string;
          states?: string[];
          labels?: string[];
          orderBy?: { field: "CREATED_AT" | "UPDATED_AT"; direction: "ASC" | "DESC" };
        },
        _: unknown,
        info: GraphQLResolveInfo,
      ) => {
        this.need("read", "pull_requests");
        // GitHub's default order is oldest first; orderBy picks created or updated time.
        const field = args.orderBy?.field === "UPDATED_AT" ? "updated_at" : "created_at";
        const sign = args.orderBy?.direction === "DESC" ? -1 : 1;
        const key = (p: PullRecord): string => `${p[field]}${String(p.number).padStart(9, "0")}`;
        return connection(
          s
            .pulls(r)
            .filter((p) => !args.headRefName || p.head.ref === args.headRefName)
            .filter((p) => !args.baseRefName || p.base.ref === args.baseRefName)
            .filter((p) => !args.states || args.states.includes(pullState(p)))
            .filter((p) => !args.labels || args.labels.some((l) => p.labels.includes(l)))
            .sort((a, b) => (key(a) < key(b) ? -sign : sign))
            .map((p) => this.pull(r, p)),
          args,
          info,
        );
      },
      issue: ({ number }: { number: number }) => {
        this.need("read", "issues");
        const i = r.issues.get(number);
        if (i?.kind !== "issue")
          throw new GraphqlFault("NOT_FOUND", `Could not resolve to an Issue with the number of ${number}.`);
        return this.issue(r, i);
      },
      label: ({ name }: { name: string }) => {
        const l = r.labels.get(name.toLowerCase());
        return l ? this.label(r, l) : null;
      },
      labels: (args: PageArgs & { query?: string }, _: unknown, info: GraphQLResolveInfo) =>
        connection(
          [...r.labels.values()]
            .filter((l) => !args.query || l.name.includes(args.query))
            .map((l) => this.label(r, l)),
          args,
          info,
        ),
    };
  }

  ref(r: RepoRecord, name: string): Record<string, unknown> | null {
    const sha = r.refs.get(name);
    const commit = sha ? r.objects.commit(sha) : undefined;
    if (!commit) return null;
    const prefix = name.startsWith("refs/heads/")
      ? "refs/heads/"
      : name.startsWith("refs/tags/")
        ? "refs/tags/"
        : "refs/";
    const branch = name.slice(prefix.length);
    return {
      __typename: "Ref",
      id: nodeId("Ref", `${r.id}:${name}`),
      name: branch,
      prefix,
      target: this.commit(r, commit),
      repository: () => this.repository(r),
      associatedPullRequests: (
        args: PageArgs & { states?: string[] },
        _: unknown,
        info: GraphQLResolveInfo,
      ) =>
        connection(
          this.state
            .pulls(r)
            .filter((p) => p.head.ref === branch && (!args.states || args.states.includes(pullState(p))))
            .map((p) => this.pull(r, p)),
          args,
          info,
        ),
    };
  }

  /** `object(expression: "rev:path")`, `object(expression: "rev")` or `object(oid:)`. */
  object(r: RepoRecord, expression?: string, oid?: string): Record<string, unknown> | null {
    const o = r.objects;
    if (oid) {
      const obj = o.get(oid);
      return obj ? this.gitObject(r, obj, "") : null;
    }
    if (!expression) return null;
    const colon = expression.indexOf(":");
    const rev = colon < 0 ? expression : expression.slice(0, colon);
    const sha = this.state.resolve(r, rev === "HEAD" ? r.defaultBranch : rev);
    const commit = sha ? o.commit(sha) : undefined;
    if (!commit) return null;
    if (colon < 0) return this.commit(r, commit);
    const path = expression.slice(colon + 1).replace(/^\/+|\/+$/g, "");
    if (path === "") return this.gitObject(r, o.get(commit.tree) as GitObject, "");
    const entry = o.lookup(commit.tree, path);
    const obj = entry ? o.get(entry.sha) : undefined;
    return obj ? this.gitObject(r, obj, path) : null;
  }

  gitObject(r: RepoRecord, obj: GitObject, path: string): Record<string, unknown> {
    const base = {
      id: nodeId(obj.type, obj.sha),
      oid: obj.sha,
      abbreviatedOid: obj.sha.slice(0, 7),
      commitUrl: `${this.state.origin}/${r.fullName}`,
      commitResourcePath: `/${r.fullName}`,
      repository: () => this.repository(r),
    };
    if (obj.type === "commit") return this.commit(r, obj);
    if (obj.type === "blob") {
      // Git's own heuristic: a NUL byte in the first 8000 bytes means binary.
      const isBinary = obj.content.subarray(0, 8000).includes(0);
      return {
        __typename: "Blob",
        ...base,
        byteSize: obj.content.length,
        isBinary,
        isTruncated: false,
        text: isBinary ? null : obj.content.toString("utf8"),
      };
    }
    return {
      __typename: "Tree",
      ...base,
      // Lazy: only the levels a query asks for are built (a whole repo tree per commit is costly).
      entries: () =>
        obj.entries.map((e) => {
          const full = path ? `${path}/${e.path}` : e.path;
          const child = r.objects.get(e.sha);
          return {
            __typename: "TreeEntry",
            name: e.path,
            path: full,
            type: e.type,
            mode: Number.parseInt(e.mode, 8),
            oid: e.sha,
            extension: e.type === "blob" && e.path.includes(".") ? `.${e.path.split(".").pop()}` : null,
            size: child?.type === "blob" ? child.content.length : 0,
            isGenerated: false,
            object: () => (child ? this.gitObject(r, child, full) : null),
            repository: () => this.repository(r),
          };
        }),
    };
  }

  commit(r: RepoRecord, c: CommitObject): Record<string, unknown> {
    const s = this.state;
    const [headline, ...rest] = c.message.split("\n");
    const person = (p: CommitObject["author"]) => ({
      name: p.name,
      email: p.email,
      date: p.date,
      user: null,
    });
    return {
      __typename: "Commit",
      id: nodeId("Commit", c.sha),
      oid: c.sha,
      abbreviatedOid: c.sha.slice(0, 7),
      message: c.message,
      messageHeadline: headline ?? "",
      messageBody: rest.join("\n").replace(/^\n/, ""),
      committedDate: c.committer.date,
      authoredDate: c.author.date,
      pushedDate: c.committer.date,
      author: person(c.author),
      committer: person(c.committer),
      url: `${s.origin}/${r.fullName}/commit/${c.sha}`,
      commitUrl: `${s.origin}/${r.fullName}/commit/${c.sha}`,
      tree: () => this.gitObject(r, r.objects.get(c.tree) as GitObject, ""),
      file: ({ path }: { path: string }) => {
        const clean = path.replace(/^\/+|\/+$/g, "");
        const entry = r.objects.lookup(c.tree, clean);
        const obj = entry ? r.objects.get(entry.sha) : undefined;
        if (!entry || !obj) return null;
        return {
          __typename: "TreeEntry",
          name: clean.split("/").pop(),
          path: clean,
          type: entry.type,
          mode: Number.parseInt(entry.mode, 8),
          oid: entry.sha,
          isGenerated: false,
          size: obj.type === "blob" ? obj.content.length : 0,
          object: () => this.gitObject(r, obj, clean),
          repository: () => this.repository(r),
        };
      },
      treeUrl: `${s.origin}/${r.fullName}/tree/${c.sha}`,
      repository: () => this.repository(r),
      signature: c.verified
        ? {
            __typename: "GpgSignature",
            isValid: true,
            state: "VALID",
            wasSignedByGitHub: true,
            email: "noreply@github.com",
            keyId: "B5690EEEBB952194",
            payload: "",
            signature: "",
            signer: null,
          }
        : null,
      parents: (args: PageArgs, _: unknown, info: GraphQLResolveInfo) =>
        connection(
          c.parents.flatMap((p) => {
            const pc = r.objects.commit(p);
            return pc ? [this.commit(r, pc)] : [];
          }),
          args,
          info,
        ),
      history: (args: PageArgs & { path?: string }, _: unknown, info: GraphQLResolveInfo) =>
        connection(
          r.objects
            .history(c.sha)
            .filter((h) => {
              if (!args.path) return true;
              const parent = h.parents[0] ? r.objects.commit(h.parents[0]) : undefined;
              return r.objects
                .diffTrees(parent?.tree, h.tree)
                .some((f) => f.filename === args.path || f.filename.startsWith(`${args.path}/`));
            })
            .map((h) => this.commit(r, h)),
          args,
          info,
        ),
      checkSuites: (
        args: PageArgs & { filterBy?: { appId?: number; checkName?: string } },
        _: unknown,
        info: GraphQLResolveInfo,
      ) =>
        connection(
          r.checkSuites
            .filter((cs) => cs.head_sha === c.sha)
            .filter((cs) => args.filterBy?.appId == null || cs.app_id === args.filterBy.appId)
            .filter(
              (cs) =>
                !args.filterBy?.checkName ||
                r.checkRuns.some(
                  (run) => run.check_suite_id === cs.id && run.name === args.filterBy?.checkName,
                ),
            )
            .map((cs) => this.checkSuite(r, cs)),
          args,
          info,
        ),
      statusCheckRollup: () => {
        const runs = latestRuns(r.checkRuns.filter((run) => run.head_sha === c.sha));
        if (runs.length === 0) return null;
        const failed = runs.some((run) => run.status === "completed" && !OK.includes(run.conclusion ?? ""));
        const pending = runs.some((run) => run.status !== "completed");
        return {
          __typename: "StatusCheckRollup",
          id: nodeId("StatusCheckRollup", c.sha),
          state: failed ? "FAILURE" : pending ? "PENDING" : "SUCCESS",
          commit: () => this.commit(r, c),
          contexts: (args: PageArgs, _: unknown, info: GraphQLResolveInfo) =>
            connection(
              runs.map((run) => this.checkRun(r, run)),
              args,
              info,
            ),
        };
      },
      associatedPullRequests: (args: PageArgs, _: unknown, info: GraphQLResolveInfo) =>
        connection(
          s
            .pulls(r)
            .filter(
              (p) =>
                p.head.sha === c.sha ||
                p.merge_commit_sha === c.sha ||
                s.pullCommits(r, p).some((x) => x.sha === c.sha),
            )
            .map((p) => this.pull(r, p)),
          args,
          info,
        ),
    };
  }

  checkSuite(r: RepoRecord, cs: CheckSuiteRecord): Record<string, unknown> {
    const app = this.state.app(cs.app_id);
    return {
      __typename: "CheckSuite",
      id: nodeId("CheckSuite", cs.id),
      databaseId: cs.id,
      status: cs.status.toUpperCase(),
      conclusion: cs.conclusion ? cs.conclusion.toUpperCase() : null,
      createdAt: cs.created_at,
      branch: cs.head_branch ? () => this.ref(r, `refs/heads/${cs.head_branch}`) : null,
      app: {
        __typename: "App",
        id: nodeId("App", app.id),
        databaseId: app.id,
        slug: app.slug,
        name: app.name,
      },
      commit: () => this.commit(r, r.objects.commit(cs.head_sha) as CommitObject),
      repository: () => this.repository(r),
      checkRuns: (
        args: PageArgs & {
          filterBy?: { checkName?: string; checkType?: string; status?: string; conclusions?: string[] };
        },
        _: unknown,
        info: GraphQLResolveInfo,
      ) => {
        const f = args.filterBy ?? {};
        let runs = r.checkRuns.filter((run) => run.check_suite_id === cs.id);
        if (f.checkType === "LATEST") runs = latestRuns(runs);
        runs = runs
          .filter((run) => !f.checkName || run.name === f.checkName)
          .filter((run) => !f.status || run.status.toUpperCase() === f.status)
          .filter((run) => !f.conclusions || f.conclusions.includes((run.conclusion ?? "").toUpperCase()));
        return connection(
          runs.map((run) => this.checkRun(r, run)),
          args,
          info,
        );
      },
    };
  }

  checkRun(r: RepoRecord, run: CheckRunRecord): Record<string, unknown> {
    const url = `${this.state.origin}/${r.fullName}/runs/${run.id}`;
    return {
      __typename: "CheckRun",
      id: nodeId("CheckRun", run.id),
      databaseId: run.id,
      name: run.name,
      status: run.status.toUpperCase(),
      conclusion: run.conclusion ? run.conclusion.toUpperCase() : null,
      startedAt: run.started_at,
      completedAt: run.completed_at,
      detailsUrl: run.details_url,
      externalId: run.external_id,
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      url,
      permalink: url,
      isRequired: () => [...r.protection.values()].some((rule) => rule.requiredChecks.includes(run.name)),
      checkSuite: () => {
        const cs = r.checkSuites.find((x) => x.id === run.check_suite_id);
        return cs ? this.checkSuite(r, cs) : null;
      },
      repository: () => this.repository(r),
      annotations: (args: PageArgs, _: unknown, info: GraphQLResolveInfo) =>
        connection(
          run.output.annotations.map((a) => ({
            __typename: "CheckAnnotation",
            path: a.path,
            message: a.message,
            title: a.title ?? null,
            rawDetails: a.raw_details ?? null,
            annotationLevel: a.annotation_level.toUpperCase(),
            location: {
              start: { line: a.start_line, column: a.start_column ?? null },
              end: { line: a.end_line, column: a.end_column ?? null },
            },
          })),
          args,
          info,
        ),
    };
  }

  label(r: RepoRecord, l: LabelRecord): Record<string, unknown> {
    return {
      __typename: "Label",
      id: nodeId("Label", l.id),
      name: l.name,
      color: l.color,
      description: l.description,
      isDefault: false,
      url: `${this.state.origin}/${r.fullName}/labels/${encodeURIComponent(l.name)}`,
    };
  }

  private labelsOf(r: RepoRecord, i: IssueRecord) {
    return (args: PageArgs, _: unknown, info: GraphQLResolveInfo) =>
      connection(
        i.labels.map((n) => this.label(r, this.state.label(r, n))),
        args,
        info,
      );
  }

  issue(r: RepoRecord, i: IssueRecord): Record<string, unknown> {
    return {
      __typename: "Issue",
      id: nodeId("Issue", i.id),
      databaseId: i.id,
      number: i.number,
      title: i.title,
      body: i.body ?? "",
      state: i.state.toUpperCase(),
      closed: i.state === "closed",
      url: `${this.state.origin}/${r.fullName}/issues/${i.number}`,
      createdAt: i.created_at,
      updatedAt: i.updated_at,
      author: this.actorNode(i.user),
      labels: this.labelsOf(r, i),
      repository: () => this.repository(r),
    };
  }

  pull(r: RepoRecord, p: PullRecord): Record<string, unknown> {
    const s = this.state;
    const conflict = p.state === "open" && s.mergeTree(r, p.base.sha, p.head.sha) === null;
    const blocker = p.state === "open" ? s.mergeBlocker(r, p) : null;
    const mb = () => s.mergeBase(r, p.base.sha, p.head.sha);
    const files = () => {
      const base = mb();
      return r.objects.diffTrees(
        base ? r.objects.commit(base)?.tree : undefined,
        r.objects.commit(p.head.sha)?.tree,
      );
    };
    return {
      __typename: "PullRequest",
      id: nodeId("PullRequest", p.id),
      databaseId: p.id,
      number: p.number,
      title: p.title,
      body: p.body ?? "",
      bodyText: p.body ?? "",
      state: pullState(p),
      closed: p.state === "closed",
      merged: p.merged,
      mergedAt: p.merged_at,
      closedAt: p.closed_at,
      createdAt: p.created_at,
      updatedAt: p.updated_at,
      isDraft: p.draft,
      headRefName: p.head.ref,
      headRefOid: p.head.sha,
      baseRefName: p.base.ref,
      baseRefOid: p.base.sha,
      headRef: () => this.ref(r, `refs/heads/${p.head.ref}`),
      baseRef: () => this.ref(r, `refs/heads/${p.base.ref}`),
      headRepository: () => this.repository(r),
      repository: () => this.repository(r),
      url: `${s.origin}/${r.fullName}/pull/${p.number}`,
      permalink: `${s.origin}/${r.fullName}/pull/${p.number}`,
      author: this.actorNode(p.user),
      mergedBy: p.merged_by ? this.actorNode(p.merged_by) : null,
      maintainerCanModify: p.maintainer_can_modify,
      mergeable: p.state !== "open" ? "UNKNOWN" : conflict ? "CONFLICTING" : "MERGEABLE",
      mergeStateStatus: p.state !== "open" ? "UNKNOWN" : conflict ? "DIRTY" : blocker ? "BLOCKED" : "CLEAN",
      mergeCommit: () => {
        const c = p.merge_commit_sha ? r.objects.commit(p.merge_commit_sha) : undefined;
        return c ? this.commit(r, c) : null;
      },
      autoMergeRequest: p.auto_merge
        ? {
            enabledAt: p.updated_at,
            enabledBy: this.actorNode(p.auto_merge.enabled_by),
            mergeMethod: p.auto_merge.merge_method.toUpperCase(),
            commitHeadline: p.auto_merge.commit_title,
            commitBody: p.auto_merge.commit_message,
            authorEmail: null,
            pullRequest: () => this.pull(r, p),
          }
        : null,
      labels: this.labelsOf(r, p),
      changedFiles: () => files().length,
      additions: () => files().reduce((n, f) => n + f.additions, 0),
      deletions: () => files().reduce((n, f) => n + f.deletions, 0),
      files: (args: PageArgs, _: unknown, info: GraphQLResolveInfo) =>
        connection(
          files().map((f) => ({
            __typename: "PullRequestChangedFile",
            path: f.filename,
            additions: f.additions,
            deletions: f.deletions,
            changeType: f.status === "added" ? "ADDED" : f.status === "removed" ? "DELETED" : "MODIFIED",
          })),
          args,
          info,
        ),
      commits: (args: PageArgs, _: unknown, info: GraphQLResolveInfo) =>
        connection(
          s.pullCommits(r, p).map((c) => ({
            __typename: "PullRequestCommit",
            id: nodeId("PullRequestCommit", `${p.id}:${c.sha}`),
            commit: this.commit(r, c),
            url: `${s.origin}/${r.fullName}/pull/${p.number}/commits/${c.sha}`,
          })),
          args,
          info,
        ),
      comments: (args: PageArgs, _: unknown, info: GraphQLResolveInfo) =>
        connection(
          r.comments
            .filter((c) => c.issueNumber === p.number)
            .map((c) => ({
              __typename: "IssueComment",
              id: nodeId("IssueComment", c.id),
              databaseId: c.id,
              body: c.body,
              author: this.actorNode(c.user),
              createdAt: c.created_at,
              url: `${s.origin}/${r.fullName}/pull/${p.number}#issuecomment-${c.id}`,
            })),
          args,
          info,
        ),
    };
  }

  /** Finds what a global node id points at. */
  find(id: string): { repo: RepoRecord; kind: string; record: unknown } {
    const { kind, key } = decodeId(id);
    for (const repo of this.state.repos.values()) {
      if (kind === "Repository" && String(repo.id) === key) return { repo, kind, record: repo };
      if (kind === "Ref" && key.startsWith(`${repo.id}:`))
        return { repo, kind, record: key.slice(String(repo.id).length + 1) };
      if (kind === "PullRequest" || kind === "Issue") {
        const i = [...repo.issues.values()].find((x) => String(x.id) === key);
        if (i) return { repo, kind: i.kind === "pull" ? "PullRequest" : "Issue", record: i };
      }
      if (kind === "Label") {
        const l = [...repo.labels.values()].find((x) => String(x.id) === key);
        if (l) return { repo, kind, record: l };
      }
    }
    throw new GraphqlFault("NOT_FOUND", `Could not resolve to a node with the global id of '${id}'`);
  }

  node(id: string): Record<string, unknown> | null {
    const { repo, kind, record } = this.find(id);
    if (kind === "Repository") return this.repository(repo);
    if (kind === "Ref") return this.ref(repo, record as string);
    if (kind === "PullRequest") return this.pull(repo, record as PullRecord);
    if (kind === "Issue") return this.issue(repo, record as IssueRecord);
    if (kind === "Label") return this.label(repo, record as LabelRecord);
    return null;
  }
}

const OK = ["success", "neutral", "skipped"];

export function pullState(p: PullRecord): "OPEN" | "CLOSED" | "MERGED" {
  return p.merged ? "MERGED" : p.state === "open" ? "OPEN" : "CLOSED";
}
