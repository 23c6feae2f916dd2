import type { ObjectStore, Person } from "./git-objects.js";

/** Plain records the routes, GraphQL resolvers and test API share. */
export interface Actor {
  login: string;
  id: number;
  type: "User" | "Bot";
  name?: string;
  email?: string;
}

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface ReactionRecord {
  id: number;
  content: string;
  user: Actor;
  created_at: string;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: Actor;
  created_at: string;
  updated_at: string;
  reactions: ReactionRecord[];
}

export interface IssueRecord {
  kind: "issue" | "pull";
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: string | null;
  user: Actor;
  labels: string[];
  assignees: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Label events, for `GET /repos/{owner}/{repo}/issues/{issue_number}/events`. */
  events?: { id: number; event: "labeled" | "unlabeled"; label: string; actor: Actor; created_at: string }[];
}

export interface AutoMergeRecord {
  merge_method: "merge" | "squash" | "rebase";
  enabled_by: Actor;
  commit_title: string | null;
  commit_message: string | null;
}

export interface PullRecord extends IssueRecord {
  kind: "pull";
  draft: boolean;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  merged: boolean;
  merged_at: string | null;
  merged_by: Actor | null;
  merge_commit_sha: string | null;
  auto_merge: AutoMergeRecord | null;
  maintainer_can_modify: boolean;
  reviews: ReviewRecord[];
}

export interface ReviewRecord {
  id: number;
  user: Actor;
  body: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";
  commit_id: string;
  submitted_at: string;
}

export interface AnnotationRecord {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  raw_details?: string;
}

/** A GitHub App installed on the server's one account (Ferry, or another app such as a CI). */
export interface AppRecord {
  id: number;
  slug: string;
  name: string;
  installationId: number;
  /** What its installation tokens may do, e.g. `{ checks: "write", metadata: "read" }`. */
  permissions: AppPermissions;
  /** Webhook events the app subscribes to. */
  events: string[];
  /** `<slug>[bot]`: the actor of everything its installation tokens do. */
  bot: Actor;
}

export type AppPermissions = Record<string, "read" | "write">;

export interface CheckRunRecord {
  id: number;
  /** The app that created the run; only that app may change it. */
  app_id: number;
  name: string;
  head_sha: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  external_id: string | null;
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations: AnnotationRecord[];
  };
  actions: unknown[];
  check_suite_id: number;
  /** Every update request in order, so tests can see how output was built. */
  updates: number;
  /** Status and output title after the creation and after each update, in order. */
  history: { status: CheckRunRecord["status"]; title: string | null }[];
}

/** One suite per app and head commit, summarising the latest run of each name in it. */
export interface CheckSuiteRecord {
  id: number;
  app_id: number;
  head_sha: string;
  head_branch: string | null;
  created_at: string;
  updated_at: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
}

export interface RepoSettings {
  /** "Allow auto-merge" in the repository settings; off unless turned on, as on GitHub. */
  allowAutoMerge: boolean;
  deleteBranchOnMerge: boolean;
  allowedMergeMethods: ("merge" | "squash" | "rebase")[];
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  createdAt: string;
  objects: ObjectStore;
  /** Full ref name ("refs/heads/main") → commit sha. */
  refs: Map<string, string>;
  issues: Map<number, IssueRecord | PullRecord>;
  nextNumber: number;
  comments: CommentRecord[];
  labels: Map<string, LabelRecord>;
  checkRuns: CheckRunRecord[];
  checkSuites: CheckSuiteRecord[];
  permissions: Map<string, Permission>;
  settings: RepoSettings;
  /** Branch protection rules by branch name. */
  protection: Map<string, BranchProtection>;
}

/** The parts of a branch protection rule the server enforces on merges and auto-merge. */
export interface BranchProtection {
  /** Check names the head must have concluded success, neutral or skipped. */
  requiredChecks: string[];
  /** Approving reviews (on the current head) needed before a merge. */
  requiredApprovals: number;
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface PushAuthor extends Partial<Person> {
  login?: string;
}
