import type { EnvironmentConfig } from "../config/schema.js";
import type { Change, PairSnapshot, PromotionStore, PullRequestRef } from "../promotion/promote.js";
import type { Octokit, RepoRef } from "./repo-client.js";
import { globRoots, subtreeFields, treeFragments } from "./tree-query.js";
import { subtreeFiles } from "./tree-read.js";

interface PairQuery {
  repository: {
    id: string;
    defaultBranchRef: { name: string; target: { oid: string } & Record<string, unknown> };
    branch: { id: string; target: { oid: string; message: string } } | null;
    open: {
      nodes: {
        id: string;
        number: number;
        url: string;
        body: string;
        labels: { nodes: { name: string }[] };
      }[];
    };
    merged: { nodes: { body: string }[] };
  };
}

type Snapshot = PairSnapshot & { repositoryId: string; branchRefId?: string; defaultBranch: string };

/**
 * PromotionStore over GitHub's GraphQL API, spending as few requests as GitHub allows: one query
 * reads the base commit, every file under the environment's paths, the Ferry branch and its PRs;
 * one mutation document creates or resets the branch, commits (verified, with `expectedHeadOid`
 * for optimistic concurrency) and opens or retitles the PR; one more labels it and turns on
 * auto-merge.
 */
export class GitHubPromotionStore implements PromotionStore {
  constructor(private readonly octokit: Octokit) {}

  async read(repo: RepoRef, env: EnvironmentConfig, branch: string): Promise<Snapshot> {
    const roots = globRoots(env.paths);
    const fileFields = subtreeFields(roots, "r");
    const query = `query FerryPair($owner: String!, $name: String!, $branch: String!, $qualified: String!) {
  repository(owner: $owner, name: $name) {
    id
    defaultBranchRef { name target { oid ... on Commit { ${fileFields} } } }
    branch: ref(qualifiedName: $qualified) { id target { oid ... on Commit { message } } }
    open: pullRequests(headRefName: $branch, states: [OPEN], first: 1) { nodes { id number url body labels(first: 20) { nodes { name } } } }
    merged: pullRequests(headRefName: $branch, states: [MERGED], first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { body } }
  }
}
${treeFragments()}`;
    const data = await this.octokit.graphql<PairQuery>(query, {
      owner: repo.owner,
      name: repo.repo,
      branch,
      qualified: `refs/heads/${branch}`,
    });
    const r = data.repository;
    const base = r.defaultBranchRef.target;
    const open = r.open.nodes[0];
    const files = await subtreeFiles(this.octokit, repo, base.oid, roots, base, (i) => `r${i}`);
    return {
      baseOid: base.oid,
      defaultBranch: r.defaultBranchRef.name,
      repositoryId: r.id,
      files,
      ...(r.branch
        ? { branch: { oid: r.branch.target.oid, message: r.branch.target.message }, branchRefId: r.branch.id }
        : {}),
      ...(open ? { openPr: { ...open, labels: open.labels.nodes.map((l) => l.name) } } : {}),
      ...(r.merged.nodes[0] ? { lastMergedBody: r.merged.nodes[0].body } : {}),
    };
  }

  async create(repo: RepoRef, change: Change, s: PairSnapshot): Promise<PullRequestRef> {
    const snapshot = s as Snapshot;
    // A branch left from a merged or abandoned PR is reset to the base and reused.
    const branchStep = snapshot.branchRefId
      ? `reset: updateRef(input: {refId: $refId, oid: $base, force: true}) { clientMutationId }`
      : `ref: createRef(input: {repositoryId: $repositoryId, name: $qualified, oid: $base}) { ref { id } }`;
    const reset = snapshot.branchRefId !== undefined;
    const data = await this.octokit.graphql<{ pr: { pullRequest: PullRequestRef } }>(
      `mutation FerryOpenPromotion($repositoryId: ID!, ${reset ? "$refId: ID!" : "$qualified: String!"}, $branch: String!, $base: GitObjectID!, $baseRef: String!, $commit: CreateCommitOnBranchInput!, $title: String!, $body: String!) {
  ${branchStep}
  commit: createCommitOnBranch(input: $commit) { commit { oid } }
  pr: createPullRequest(input: {repositoryId: $repositoryId, baseRefName: $baseRef, headRefName: $branch, title: $title, body: $body}) { pullRequest { id number url } }
}`,
      {
        repositoryId: snapshot.repositoryId,
        ...(reset ? { refId: snapshot.branchRefId } : { qualified: `refs/heads/${change.branch}` }),
        branch: change.branch,
        base: snapshot.baseOid,
        baseRef: snapshot.defaultBranch,
        commit: commitInput(repo, change, snapshot.baseOid),
        title: change.title,
        body: change.body,
      },
    );
    return data.pr.pullRequest;
  }

  async update(repo: RepoRef, change: Change, s: PairSnapshot, pr: PullRequestRef): Promise<PullRequestRef> {
    const snapshot = s as Snapshot;
    await this.octokit.graphql(
      `mutation FerryUpdatePromotion($refId: ID!, $base: GitObjectID!, $commit: CreateCommitOnBranchInput!, $pr: ID!, $title: String!, $body: String!) {
  reset: updateRef(input: {refId: $refId, oid: $base, force: true}) { clientMutationId }
  commit: createCommitOnBranch(input: $commit) { commit { oid } }
  pr: updatePullRequest(input: {pullRequestId: $pr, title: $title, body: $body}) { pullRequest { id } }
}`,
      {
        refId: snapshot.branchRefId,
        base: snapshot.baseOid,
        commit: commitInput(repo, change, snapshot.baseOid),
        pr: pr.id,
        title: change.title,
        body: change.body,
      },
    );
    return pr;
  }

  async decorate(
    repo: RepoRef,
    pr: PullRequestRef,
    labels: string[],
    autoMerge: boolean,
  ): Promise<{ autoMerge: boolean }> {
    await this.octokit.rest.issues.addLabels({ ...repo, issue_number: pr.number, labels });
    if (!autoMerge) return { autoMerge: false };
    try {
      await this.octokit.graphql(
        `mutation FerryAutoMerge($pr: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $pr, mergeMethod: SQUASH}) { clientMutationId } }`,
        { pr: pr.id },
      );
      return { autoMerge: true };
    } catch (error) {
      // "clean status": nothing is required to pass, so GitHub would merge right away; so does Ferry.
      if (/clean status/i.test((error as Error).message)) {
        await this.octokit.rest.pulls.merge({ ...repo, pull_number: pr.number, merge_method: "squash" });
        return { autoMerge: true };
      }
      // Auto-merge is not allowed in this repo: Ferry merges once the checks pass (handlers/auto-merge.ts).
      return { autoMerge: false };
    }
  }

  async comment(repo: RepoRef, prNumber: number, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ ...repo, issue_number: prNumber, body });
  }
}

function commitInput(repo: RepoRef, change: Change, expectedHeadOid: string) {
  const [headline, ...rest] = change.message.split("\n");
  return {
    branch: { repositoryNameWithOwner: `${repo.owner}/${repo.repo}`, branchName: change.branch },
    expectedHeadOid,
    message: { headline, body: rest.join("\n").trim() },
    fileChanges: {
      additions: change.files.map((f) => ({
        path: f.path,
        contents: Buffer.from(f.text, "utf8").toString("base64"),
      })),
    },
  };
}
