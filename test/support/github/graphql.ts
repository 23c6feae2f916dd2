import { schema as githubSchema } from "@octokit/graphql-schema";
import {
  buildSchema,
  type DocumentNode,
  defaultFieldResolver,
  execute,
  type GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
} from "graphql";
import { GraphqlFault, Nodes, nodeId, toFault } from "./graphql-nodes.js";
import { enforceBodyLimit } from "./limits.js";
import type { Actor, AppRecord, IssueRecord, LabelRecord, PullRecord, RepoRecord } from "./model.js";
import { grants, MUTATION_PERMISSIONS, NOT_ACCESSIBLE } from "./permissions.js";
import type { Reply } from "./router.js";
import type { GitHubState } from "./state.js";

let cachedSchema: GraphQLSchema | undefined;

/**
 * GitHub's published schema. Building it takes 1–2 s, so it is built once per process; call this
 * up front where the first GraphQL request's latency matters (benchmarks).
 */
export function githubGraphqlSchema(): GraphQLSchema {
  // The published IDL repeats two fields of EnterpriseOwnerInfo; skip SDL validation, not query validation.
  cachedSchema ??= buildSchema(githubSchema.idl, { assumeValidSDL: true });
  return cachedSchema;
}

function operationOf(doc: DocumentNode, name?: unknown): OperationDefinitionNode | undefined {
  const ops = doc.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return typeof name === "string" ? ops.find((o) => o.name?.value === name) : ops[0];
}

/** graphql-js wording → GitHub's wording for the validation errors a typo produces. */
function githubValidationError(e: GraphQLError): Record<string, unknown> {
  let message = e.message;
  let extensions: Record<string, unknown> | undefined;
  const field = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(message);
  if (field) {
    message = `Field '${field[1]}' doesn't exist on type '${field[2]}'`;
    extensions = { code: "undefinedField", typeName: field[2], fieldName: field[1] };
  }
  const arg = /^Unknown argument "(\w+)" on field "(\w+)\.(\w+)"\./.exec(message);
  if (arg) {
    message = `Field '${arg[3]}' doesn't accept argument '${arg[1]}'`;
    extensions = { code: "argumentNotAccepted", name: arg[3], typeName: "Field", argumentName: arg[1] };
  }
  return { ...(extensions ? { extensions } : {}), locations: e.locations, message };
}

type Args<T> = { input: T & { clientMutationId?: string } };

export class GraphqlEndpoint {
  private readonly parsed = new Map<string, DocumentNode>();

  constructor(readonly state: GitHubState) {}

  private parse(query: string): DocumentNode {
    let doc = this.parsed.get(query);
    if (!doc) {
      doc = parse(query);
      this.parsed.set(query, doc);
    }
    return doc;
  }

  /** Operation name first, then the top-level field names: what faults and the request log match on. */
  names(body: Record<string, unknown>): string[] {
    if (typeof body.query !== "string") return [];
    try {
      const op = operationOf(this.parse(body.query), body.operationName);
      if (!op) return [];
      const fields = op.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
      return [...(op.name ? [op.name.value] : []), ...fields];
    } catch {
      return [];
    }
  }

  async execute(
    body: Record<string, unknown>,
    actor: Actor,
    app?: AppRecord,
    failField?: FieldFault,
  ): Promise<Reply> {
    if (typeof body.query !== "string")
      return { body: { errors: [{ message: "A query attribute must be specified and must be a string." }] } };
    let document: DocumentNode;
    try {
      document = this.parse(body.query);
    } catch (e) {
      const err = e as GraphQLError;
      return { body: { errors: [{ message: `Parse error: ${err.message}`, locations: err.locations }] } };
    }
    const schema = githubGraphqlSchema();
    const invalid = validate(schema, document);
    if (invalid.length > 0) return { body: { errors: invalid.map(githubValidationError) } };
    const result = await execute({
      schema,
      document,
      rootValue: rootValue(this.state, actor, app, failField),
      variableValues: (body.variables as Record<string, unknown> | undefined) ?? {},
      operationName: typeof body.operationName === "string" ? body.operationName : undefined,
      fieldResolver: strictResolver,
    });
    const errors = result.errors?.map((e) => ({
      ...(e.originalError instanceof GraphqlFault ? { type: e.originalError.type } : {}),
      path: e.path,
      locations: e.locations,
      message: e.message,
    }));
    return { body: { data: result.data ?? null, ...(errors ? { errors } : {}) } };
  }
}

/** A field our objects lack is a gap in the test server, not a null: say so loudly. */
const strictResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, ctx, info) => {
  if (
    source &&
    typeof source === "object" &&
    "__typename" in source &&
    !(info.fieldName in source) &&
    info.fieldName !== "__typename"
  )
    throw new Error(
      `GitHub test server: ${info.parentType.name}.${info.fieldName} is not implemented (test/support/github/graphql-nodes.ts)`,
    );
  return defaultFieldResolver(source, args, ctx, info);
};

/** An injected error for one mutation field (see `FaultRule.fieldError`). */
export interface FieldFault {
  field: string;
  type: string;
  message?: string;
}

function rootValue(
  state: GitHubState,
  actor: Actor,
  app: AppRecord | undefined,
  failField?: FieldFault,
): Record<string, unknown> {
  const nodes = new Nodes(state, actor, app);
  const repoById = (id: string): RepoRecord => {
    const found = nodes.find(id);
    if (found.kind !== "Repository")
      throw new GraphqlFault("NOT_FOUND", `Could not resolve to a Repository with the global id of '${id}'.`);
    return found.repo;
  };
  const pullById = (id: string): { repo: RepoRecord; pull: PullRecord } => {
    const found = nodes.find(id);
    if (found.kind !== "PullRequest")
      throw new GraphqlFault(
        "NOT_FOUND",
        `Could not resolve to a PullRequest with the global id of '${id}'.`,
      );
    return { repo: found.repo, pull: found.record as PullRecord };
  };
  const labelsByIds = (repo: RepoRecord, ids: string[]): LabelRecord[] =>
    ids.map((id) => {
      const found = nodes.find(id);
      if (found.kind !== "Label" || found.repo !== repo)
        throw new GraphqlFault("NOT_FOUND", `Could not resolve to a node with the global id of '${id}'`);
      return found.record as LabelRecord;
    });
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw toFault(e);
    }
  };
  const mid = (input: { clientMutationId?: string }) => ({
    clientMutationId: input.clientMutationId ?? null,
  });

  const root: Record<string, unknown> = {
    // Marks the root for strictResolver: an unimplemented root field errors instead of answering null.
    __typename: "Query",
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const r = state.repo(`${owner}/${name}`);
      if (!r)
        throw new GraphqlFault(
          "NOT_FOUND",
          `Could not resolve to a Repository with the name '${owner}/${name}'.`,
        );
      return nodes.repository(r);
    },
    node: ({ id }: { id: string }) => nodes.node(id),
    nodes: ({ ids }: { ids: string[] }) => ids.map((id) => nodes.node(id)),
    viewer: () => nodes.actorNode(actor),
    rateLimit: () => ({
      cost: 1,
      limit: 5000,
      remaining: 4999,
      used: 1,
      nodeCount: 1,
      resetAt: new Date(Date.now() + 3600_000).toISOString(),
    }),

    createRef: ({ input }: Args<{ repositoryId: string; name: string; oid: string }>) =>
      guard(() => {
        const r = repoById(input.repositoryId);
        if (!input.name.startsWith("refs/") || input.name.split("/").length < 3)
          throw new GraphqlFault(
            "UNPROCESSABLE",
            `Reference name must start with 'refs/' and have at least two slashes.`,
          );
        if (r.refs.has(input.name))
          throw new GraphqlFault(
            "UNPROCESSABLE",
            `A ref named "${input.name}" already exists in the repository.`,
          );
        state.setRef(r, input.name, input.oid, actor, { create: true });
        return { ...mid(input), ref: nodes.ref(r, input.name) };
      }),

    updateRef: ({ input }: Args<{ refId: string; oid: string; force?: boolean }>) =>
      guard(() => {
        const found = nodes.find(input.refId);
        state.setRef(found.repo, found.record as string, input.oid, actor, { force: input.force ?? false });
        return { ...mid(input), ref: nodes.ref(found.repo, found.record as string) };
      }),

    deleteRef: ({ input }: Args<{ refId: string }>) =>
      guard(() => {
        const found = nodes.find(input.refId);
        state.deleteRef(found.repo, found.record as string, actor);
        return { ...mid(input) };
      }),

    createCommitOnBranch: ({
      input,
    }: Args<{
      branch: { repositoryNameWithOwner?: string; branchName?: string; id?: string };
      expectedHeadOid: string;
      message: { headline: string; body?: string };
      fileChanges?: { additions?: { path: string; contents: string }[]; deletions?: { path: string }[] };
    }>) =>
      guard(() => {
        let r: RepoRecord | undefined;
        let ref: string;
        if (input.branch.id) {
          const found = nodes.find(input.branch.id);
          r = found.repo;
          ref = found.record as string;
        } else {
          r = state.repo(input.branch.repositoryNameWithOwner ?? "");
          if (!r)
            throw new GraphqlFault(
              "NOT_FOUND",
              `Could not resolve to a Repository with the name '${input.branch.repositoryNameWithOwner}'.`,
            );
          ref = `refs/heads/${input.branch.branchName}`;
        }
        const head = r.refs.get(ref);
        if (!head) throw new GraphqlFault("NOT_FOUND", `Could not resolve to a Ref with the name '${ref}'.`);
        if (head !== input.expectedHeadOid)
          throw new GraphqlFault(
            "STALE_DATA",
            `Expected branch to point to "${input.expectedHeadOid}" but it did not. Pull and try again.`,
          );
        const existing = r.objects.flatten(r.objects.commit(head)?.tree ?? "");
        const files: Record<string, Buffer | null> = {};
        for (const d of input.fileChanges?.deletions ?? []) {
          if (!existing.has(d.path))
            throw new GraphqlFault(
              "UNPROCESSABLE",
              `A path was requested for deletion which does not exist as of commit oid \`${head}\``,
            );
          files[d.path] = null;
        }
        for (const a of input.fileChanges?.additions ?? []) files[a.path] = Buffer.from(a.contents, "base64");
        const message = input.message.body
          ? `${input.message.headline}\n\n${input.message.body}`
          : input.message.headline;
        const author = { name: actor.login, email: `${actor.id}+${actor.login}@users.noreply.github.com` };
        // Commits made through this mutation are signed by GitHub: verified.
        const sha = state.commitFiles(
          r,
          head,
          files,
          message,
          { ...author, date: new Date().toISOString() },
          true,
        );
        state.setRef(r, ref, sha, actor);
        return {
          ...mid(input),
          commit: nodes.commit(r, r.objects.commit(sha) as NonNullable<ReturnType<typeof r.objects.commit>>),
          ref: nodes.ref(r, ref),
        };
      }),

    createPullRequest: ({
      input,
    }: Args<{
      repositoryId: string;
      baseRefName: string;
      headRefName: string;
      title: string;
      body?: string;
      draft?: boolean;
      maintainerCanModify?: boolean;
    }>) =>
      guard(() => {
        enforceBodyLimit("PullRequest", input.body);
        const r = repoById(input.repositoryId);
        const pull = state.createPull(
          r,
          {
            title: input.title,
            body: input.body ?? null,
            head: input.headRefName,
            base: input.baseRefName,
            ...(input.draft !== undefined ? { draft: input.draft } : {}),
            ...(input.maintainerCanModify !== undefined
              ? { maintainer_can_modify: input.maintainerCanModify }
              : {}),
          },
          actor,
        );
        return { ...mid(input), pullRequest: nodes.pull(r, pull) };
      }),

    updatePullRequest: ({
      input,
    }: Args<{
      pullRequestId: string;
      title?: string;
      body?: string;
      state?: string;
      baseRefName?: string;
      labelIds?: string[];
    }>) =>
      guard(() => {
        enforceBodyLimit("PullRequest", input.body);
        const { repo, pull } = pullById(input.pullRequestId);
        const changes: Record<string, { from: unknown }> = {};
        if (input.title != null && input.title !== pull.title) {
          changes.title = { from: pull.title };
          pull.title = input.title;
        }
        if (input.body != null && input.body !== pull.body) {
          changes.body = { from: pull.body };
          pull.body = input.body;
        }
        if (input.baseRefName != null && input.baseRefName !== pull.base.ref) {
          const sha = repo.refs.get(`refs/heads/${input.baseRefName}`);
          if (!sha) throw new GraphqlFault("UNPROCESSABLE", `Base ref ${input.baseRefName} does not exist`);
          changes.base = { from: { ref: pull.base.ref, sha: pull.base.sha } };
          pull.base = { ref: input.baseRefName, sha };
        }
        if (Object.keys(changes).length > 0) {
          pull.updated_at = new Date().toISOString();
          state.events?.pullRequest(repo, "edited", pull, actor, { changes });
        }
        if (input.labelIds) {
          const wanted = labelsByIds(repo, input.labelIds).map((l) => l.name);
          for (const l of [...pull.labels]) if (!wanted.includes(l)) state.removeLabel(repo, pull, l, actor);
          state.addLabels(repo, pull, wanted, actor);
        }
        if (input.state === "OPEN" || input.state === "CLOSED")
          state.setPullState(repo, pull, input.state === "OPEN" ? "open" : "closed", actor);
        return { ...mid(input), pullRequest: nodes.pull(repo, pull) };
      }),

    enablePullRequestAutoMerge: ({
      input,
    }: Args<{
      pullRequestId: string;
      mergeMethod?: string;
      commitHeadline?: string;
      commitBody?: string;
      expectedHeadOid?: string;
    }>) =>
      guard(() => {
        const { repo, pull } = pullById(input.pullRequestId);
        // GitHub's messages, prefix included.
        if (!repo.settings.allowAutoMerge)
          throw new GraphqlFault(
            "UNPROCESSABLE",
            "Pull request Auto merge is not allowed for this repository",
          );
        if (pull.state !== "open")
          throw new GraphqlFault("UNPROCESSABLE", "Pull request Pull request is closed");
        if (input.expectedHeadOid && input.expectedHeadOid !== pull.head.sha)
          throw new GraphqlFault(
            "UNPROCESSABLE",
            "Pull request The expected head OID did not match the head OID of the pull request.",
          );
        // Auto-merge waits for what branch protection requires; without protection there is nothing to wait for.
        if (!repo.protection.has(pull.base.ref))
          throw new GraphqlFault(
            "UNPROCESSABLE",
            "Pull request Protected branch rules not configured for this branch",
          );
        // GitHub refuses to arm auto-merge on a PR that could merge right now (no pending required check).
        if (!state.mergeBlocker(repo, pull)) {
          const unstable = repo.checkRuns.some(
            (c) =>
              c.head_sha === pull.head.sha &&
              (c.status !== "completed" || !["success", "neutral", "skipped"].includes(c.conclusion ?? "")),
          );
          throw new GraphqlFault(
            "UNPROCESSABLE",
            `Pull request Pull request is in ${unstable ? "unstable" : "clean"} status`,
          );
        }
        pull.auto_merge = {
          merge_method: (input.mergeMethod ?? "MERGE").toLowerCase() as "merge" | "squash" | "rebase",
          enabled_by: actor,
          commit_title: input.commitHeadline ?? null,
          commit_message: input.commitBody ?? null,
        };
        state.events?.pullRequest(repo, "auto_merge_enabled", pull, actor);
        return { ...mid(input), actor: nodes.actorNode(actor), pullRequest: nodes.pull(repo, pull) };
      }),

    disablePullRequestAutoMerge: ({ input }: Args<{ pullRequestId: string }>) =>
      guard(() => {
        const { repo, pull } = pullById(input.pullRequestId);
        if (pull.auto_merge) {
          pull.auto_merge = null;
          state.events?.pullRequest(repo, "auto_merge_disabled", pull, actor);
        }
        return { ...mid(input), actor: nodes.actorNode(actor), pullRequest: nodes.pull(repo, pull) };
      }),

    mergePullRequest: ({
      input,
    }: Args<{
      pullRequestId: string;
      mergeMethod?: string;
      commitHeadline?: string;
      commitBody?: string;
      expectedHeadOid?: string;
    }>) =>
      guard(() => {
        const { repo, pull } = pullById(input.pullRequestId);
        if (input.expectedHeadOid && input.expectedHeadOid !== pull.head.sha)
          throw new GraphqlFault(
            "UNPROCESSABLE",
            "Head branch was modified. Review and try the merge again.",
          );
        state.mergePull(repo, pull, actor, {
          merge_method: (input.mergeMethod ?? "MERGE").toLowerCase(),
          ...(input.commitHeadline ? { commit_title: input.commitHeadline } : {}),
          ...(input.commitBody ? { commit_message: input.commitBody } : {}),
        });
        return { ...mid(input), actor: nodes.actorNode(actor), pullRequest: nodes.pull(repo, pull) };
      }),

    addLabelsToLabelable: ({ input }: Args<{ labelableId: string; labelIds: string[] }>) =>
      guard(() => {
        const found = nodes.find(input.labelableId);
        const issue = found.record as IssueRecord;
        state.addLabels(
          found.repo,
          issue,
          labelsByIds(found.repo, input.labelIds).map((l) => l.name),
          actor,
        );
        return {
          ...mid(input),
          labelable:
            issue.kind === "pull"
              ? nodes.pull(found.repo, issue as PullRecord)
              : nodes.issue(found.repo, issue),
        };
      }),

    addComment: ({ input }: Args<{ subjectId: string; body: string }>) =>
      guard(() => {
        enforceBodyLimit("IssueComment", input.body);
        const found = nodes.find(input.subjectId);
        const issue = found.record as IssueRecord;
        const t = new Date().toISOString();
        const comment = {
          id: state.id(),
          issueNumber: issue.number,
          body: input.body,
          user: actor,
          created_at: t,
          updated_at: t,
          reactions: [],
        };
        found.repo.comments.push(comment);
        state.events?.issueComment(found.repo, "created", issue, comment, actor);
        const node = {
          __typename: "IssueComment",
          id: nodeId("IssueComment", comment.id),
          databaseId: comment.id,
          body: comment.body,
          url: `${state.origin}/${found.repo.fullName}/issues/${issue.number}#issuecomment-${comment.id}`,
        };
        return { ...mid(input), commentEdge: { node, cursor: "" }, subject: nodes.node(input.subjectId) };
      }),
  };
  // An installation token may run a mutation only with the permission it needs.
  for (const [name, need] of Object.entries(MUTATION_PERMISSIONS)) {
    const resolve = root[name] as (args: { input: Record<string, unknown> }) => unknown;
    root[name] = (args: { input: Record<string, unknown> }) => {
      // A comment or label on a PR needs pull_requests, on an issue issues.
      const subject = args.input.subjectId ?? args.input.labelableId;
      const kind = typeof subject === "string" ? guard(() => nodes.find(subject).kind) : undefined;
      const narrowed = kind
        ? { ...need, anyOf: [kind === "PullRequest" ? "pull_requests" : "issues"] }
        : need;
      if (app && !grants(app.permissions, narrowed)) throw new GraphqlFault("FORBIDDEN", NOT_ACCESSIBLE);
      if (failField?.field === name) {
        const expected = String(args.input.expectedHeadOid);
        const stale = `Expected branch to point to "${expected}" but it did not. Pull and try again.`;
        throw new GraphqlFault(
          failField.type,
          failField.message ?? (failField.type === "STALE_DATA" ? stale : `${name} failed`),
        );
      }
      return resolve(args);
    };
  }
  return root;
}
