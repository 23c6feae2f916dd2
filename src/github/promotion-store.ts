import type { EnvironmentConfig } from "../config/schema.js";
import type { Change, PairSnapshot, PromotionStore, PullRequestRef } from "../promotion/promote.js";
import { fitBody } from "./limits.js";
import type { Octokit, RepoRef } from "./repo-client.js";
import { globRoots, subtreeFields, treeFragments } from "./tree-query.js";
import { subtreeFiles } from "./tree-read.js";

interface PairQuery {
  repository: {
    id: string;
    defaultBranchRef: { name: string; target: { oid: string } & Record<string, unknown> };
    branch: { id: string; target: { oid: string; message: string } } | null;
    staging: { id: string } | null;
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

type Snapshot = PairSnapshot & {
  repositoryId: string;
  branchRefId?: string;
  /** A staging ref left by an update that was cut short, reused by the next one. */
  stagingRefId?: string;
  defaultBranch: string;
};

/** Where an update's commit is built before the Ferry branch moves to it (see `update`). */
export function stagingBranch(branch: string): string {
  return branch.replace(/^ferry\//, "ferry-next/");
}

/**
 * PromotionStore over GitHub's GraphQL API, spending as few requests as GitHub allows: one query
 * reads the base commit, every file under the environment's paths, the Ferry branch and its PRs;
 * one mutation document creates (or resets) the branch, commits (verified, with `expectedHeadOid`
 * for optimistic concurrency) and opens the PR; one more request labels it (and one turns on
 * auto-merge). An update stages its commit first, then moves the branch: two mutations.
 */
export class GitHubPromotionStore implements PromotionStore {
  constructor(private readonly octokit: Octokit) {}

  async read(repo: RepoRef, env: EnvironmentConfig, branch: string): Promise<Snapshot> {
    const roots = globRoots(env.paths);
    const fileFields = subtreeFields(roots, "r");
    const query = `query FerryPair($owner: String!, $name: String!, $branch: String!, $qualified: String!, $staging: String!) {
  repository(owner: $owner, name: $name) {
    id
    defaultBranchRef { name target { oid ... on Commit { ${fileFields} } } }
    branch: ref(qualifiedName: $qualified) { id target { oid ... on Commit { message } } }
    staging: ref(qualifiedName: $staging) { id }
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
      staging: `refs/heads/${stagingBranch(branch)}`,
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
      ...(r.staging ? { stagingRefId: r.staging.id } : {}),
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
        body: fitBody(change.body),
      },
    );
    return data.pr.pullRequest;
  }

  /**
   * Builds the new commit on a staging branch, then moves the Ferry branch to it in one step, so
   * the PR's head never passes through the base (GitHub closes a PR whose head equals its base,
   * and every intermediate head would run the guard again).
   */
  async update(repo: RepoRef, change: Change, s: PairSnapshot, pr: PullRequestRef): Promise<PullRequestRef> {
    const snapshot = s as Snapshot;
    const staging = stagingBranch(change.branch);
    const stage = snapshot.stagingRefId
      ? `ref: updateRef(input: {refId: $stagingRefId, oid: $base, force: true}) { ref { id } }`
      : `ref: createRef(input: {repositoryId: $repositoryId, name: $staging, oid: $base}) { ref { id } }`;
    const staged = await this.octokit.graphql<{
      ref: { ref: { id: string } };
      commit: { commit: { oid: string } };
    }>(
      `mutation FerryStagePromotion(${snapshot.stagingRefId ? "$stagingRefId: ID!" : "$repositoryId: ID!, $staging: String!"}, $base: GitObjectID!, $commit: CreateCommitOnBranchInput!) {
  ${stage}
  commit: createCommitOnBranch(input: $commit) { commit { oid } }
}`,
      {
        ...(snapshot.stagingRefId
          ? { stagingRefId: snapshot.stagingRefId }
          : { repositoryId: snapshot.repositoryId, staging: `refs/heads/${staging}` }),
        base: snapshot.baseOid,
        commit: commitInput(repo, { ...change, branch: staging }, snapshot.baseOid),
      },
    );
    await this.octokit.graphql(
      `mutation FerryUpdatePromotion($refId: ID!, $oid: GitObjectID!, $stagingRefId: ID!, $pr: ID!, $title: String!, $body: String!) {
  move: updateRef(input: {refId: $refId, oid: $oid, force: true}) { clientMutationId }
  drop: deleteRef(input: {refId: $stagingRefId}) { clientMutationId }
  pr: updatePullRequest(input: {pullRequestId: $pr, title: $title, body: $body}) { pullRequest { id } }
}`,
      {
        refId: snapshot.branchRefId,
        oid: staged.commit.commit.oid,
        stagingRefId: staged.ref.ref.id,
        pr: pr.id,
        title: change.title,
        body: fitBody(change.body),
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
    if (labels.length > 0)
      await this.octokit.rest.issues.addLabels({ ...repo, issue_number: pr.number, labels });
    if (!autoMerge) return { autoMerge: false };
    try {
      await this.octokit.graphql(
        `mutation FerryAutoMerge($pr: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $pr, mergeMethod: SQUASH}) { clientMutationId } }`,
        { pr: pr.id },
      );
      return { autoMerge: true };
    } catch (error) {
      const message = (error as Error).message;
      // "clean status": protected, but nothing left to wait for, so GitHub would merge right away; so does Ferry.
      if (/clean status/i.test(message)) {
        await this.octokit.rest.pulls.merge({ ...repo, pull_number: pr.number, merge_method: "squash" });
        return { autoMerge: true };
      }
      // Not allowed in the repo, or no branch protection to wait for: Ferry merges itself once its
      // checks pass (handlers/auto-merge.ts), and says so where the reviewer looks.
      const reason = ((error as { errors?: { message?: string }[] }).errors?.[0]?.message ?? message)
        .replace(/[`\r\n]/g, " ")
        .slice(0, 300);
      await this.comment(
        repo,
        pr.number,
        `GitHub did not turn on auto-merge: \`${reason}\`. Ferry merges this PR itself once \`Ferry / validate\`, \`Ferry / promotion\` and the checks the base branch requires have passed.`,
      );
      return { autoMerge: false };
    }
  }

  async comment(repo: RepoRef, prNumber: number, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ ...repo, issue_number: prNumber, body: fitBody(body) });
  }

  /**
   * The source repo's published release for `tag`, read with this installation's token (the app
   * must be installed on the source repo too). None, no access, or GitHub failing: no notes — a
   * promotion never waits on its changelog.
   */
  async releaseNotes(source: RepoRef, tag: string): Promise<{ url: string; body: string } | undefined> {
    try {
      const { data } = await this.octokit.rest.repos.getReleaseByTag({ ...source, tag });
      return data.draft ? undefined : { url: data.html_url, body: data.body ?? "" };
    } catch {
      // 404 (no release), 403 (not installed there), or a failure the retries did not cure.
      return undefined;
    }
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
