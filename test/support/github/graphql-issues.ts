import type { GraphQLResolveInfo } from "graphql";
import { connection, type Nodes } from "./graphql-nodes.js";
import type { RepoRecord } from "./model.js";

interface IssuesArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  labels?: string[] | null;
  states?: ("OPEN" | "CLOSED")[] | null;
  orderBy?: { field: "CREATED_AT" | "UPDATED_AT" | "COMMENTS"; direction: "ASC" | "DESC" } | null;
}

/**
 * `Repository.issues(labels, states, orderBy)`: issues only (GitHub lists PRs under
 * `pullRequests`), any of `labels` (case-insensitive, as GitHub matches label names), oldest first
 * unless ordered. Each issue also answers `viewerDidAuthor`.
 */
export function repositoryIssues(nodes: Nodes, r: RepoRecord): Record<string, unknown> {
  return {
    issues: (args: IssuesArgs, _: unknown, info: GraphQLResolveInfo) => {
      nodes.need("read", "issues");
      const labels = args.labels?.map((l) => l.toLowerCase());
      const sign = args.orderBy?.direction === "DESC" ? -1 : 1;
      const key = (i: { created_at: string; updated_at: string; number: number }) =>
        `${args.orderBy?.field === "UPDATED_AT" ? i.updated_at : i.created_at}${String(i.number).padStart(9, "0")}`;
      return connection(
        [...r.issues.values()]
          .filter((i) => i.kind === "issue")
          .filter((i) => !args.states || args.states.includes(i.state === "open" ? "OPEN" : "CLOSED"))
          .filter((i) => !labels || i.labels.some((l) => labels.includes(l.toLowerCase())))
          .sort((a, b) => (key(a) < key(b) ? -sign : sign))
          .map((i) => ({
            ...nodes.issue(r, i),
            viewerDidAuthor: i.user.login.toLowerCase() === nodes.actor.login.toLowerCase(),
          })),
        args,
        info,
      );
    },
  };
}
