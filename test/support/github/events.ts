import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import {
  checkRunJson,
  checkSuiteJson,
  commentJson,
  issueJson,
  pullJson,
  repoJson,
  userJson,
} from "./json.js";
import type {
  Actor,
  AppRecord,
  CheckRunRecord,
  CheckSuiteRecord,
  CommentRecord,
  IssueRecord,
  PullRecord,
  RepoRecord,
} from "./model.js";
import { type EventSink, type GitHubState, ZERO_SHA } from "./state.js";
import type { WebhookQueue } from "./webhooks.js";

/** Webhook payloads built on GitHub's published examples, with this server's state filled in. */

type Example = Record<string, unknown>;

function example(name: string, action?: string): Example {
  const group = (examples as unknown as { name: string; examples: Example[] }[]).find((e) => e.name === name);
  const found =
    group?.examples.find((e) => action === undefined || e.action === action) ?? group?.examples[0];
  if (!found) throw new Error(`no webhook example for ${name}.${action ?? ""}`);
  return structuredClone(found);
}

/**
 * Who hears what (GitHub's webhook docs): an event goes to every installed app subscribed to it,
 * with its own installation in the payload; `check_run.rerequested` and `check_suite.requested`
 * / `rerequested` go only to the app that owns the run or suite.
 */
export class WebhookEvents implements EventSink {
  constructor(
    private readonly state: GitHubState,
    private readonly queue: WebhookQueue,
  ) {}

  private common(repo: RepoRecord, sender: Actor, base: Example): Record<string, unknown> {
    return {
      ...base,
      repository: { ...(base.repository as object), ...repoJson(this.state, repo) },
      sender: { ...(base.sender as object), ...userJson(this.state, sender) },
      organization: { ...userJson(this.state, this.state.user(repo.owner)), login: repo.owner },
    };
  }

  /** Queues `payload` for each recipient (every subscribed app, or the one named). */
  private send(event: string, payload: Record<string, unknown>, only?: AppRecord): void {
    const recipients = only ? [only] : [...this.state.apps.values()].filter((a) => a.events.includes(event));
    for (const app of recipients) {
      this.queue.enqueue(app, event, {
        ...payload,
        installation: {
          id: app.installationId,
          node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${app.installationId}`,
        },
      });
    }
  }

  push(repo: RepoRecord, ref: string, before: string, after: string, pusher: Actor, forced: boolean): void {
    const s = this.state;
    const o = repo.objects;
    // A new branch lists only commits no other ref already has, as GitHub does.
    const bases =
      before === ZERO_SHA ? [...repo.refs].filter(([name]) => name !== ref).map(([, sha]) => sha) : [before];
    const baseSet = new Set(bases.flatMap((b) => o.history(b).map((c) => c.sha)));
    const fresh =
      after === ZERO_SHA
        ? []
        : o
            .history(after)
            .filter((c) => !baseSet.has(c.sha))
            .reverse();
    const commitJson = (c: NonNullable<ReturnType<typeof o.commit>>) => {
      const parent = c.parents[0] ? o.commit(c.parents[0]) : undefined;
      const files = o.diffTrees(parent?.tree, c.tree);
      const who = (p: { name: string; email: string }) => ({
        name: p.name,
        email: p.email,
        username: p.name,
      });
      return {
        id: c.sha,
        tree_id: c.tree,
        distinct: true,
        message: c.message,
        timestamp: c.committer.date,
        url: `${s.origin}/${repo.fullName}/commit/${c.sha}`,
        author: who(c.author),
        committer: who(c.committer),
        added: files.filter((f) => f.status === "added").map((f) => f.filename),
        removed: files.filter((f) => f.status === "removed").map((f) => f.filename),
        modified: files.filter((f) => f.status === "modified").map((f) => f.filename),
      };
    };
    const head = after === ZERO_SHA ? undefined : o.commit(after);
    const payload = this.common(repo, pusher, example("push"));
    this.send("push", {
      ...payload,
      ref,
      before,
      after,
      created: before === ZERO_SHA,
      deleted: after === ZERO_SHA,
      forced,
      base_ref: null,
      compare: `${s.origin}/${repo.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
      // GitHub lists at most 20 commits in a push payload.
      commits: fresh.slice(-20).map(commitJson),
      head_commit: head ? commitJson(head) : null,
      pusher: { name: pusher.login, email: pusher.email ?? `${pusher.login}@users.noreply.github.com` },
      repository: { ...(payload.repository as object), pushed_at: Math.floor(Date.now() / 1000) },
    });
  }

  pullRequest(
    repo: RepoRecord,
    action: string,
    pull: PullRecord,
    sender: Actor,
    extra: Record<string, unknown> = {},
  ): void {
    const payload = this.common(repo, sender, example("pull_request", action));
    delete payload.label;
    delete payload.changes;
    this.send("pull_request", {
      ...payload,
      action,
      number: pull.number,
      pull_request: pullJson(this.state, repo, pull),
      ...extra,
    });
  }

  issueComment(
    repo: RepoRecord,
    action: string,
    issue: IssueRecord,
    comment: CommentRecord,
    sender: Actor,
  ): void {
    const payload = this.common(repo, sender, example("issue_comment", action));
    delete payload.changes;
    this.send("issue_comment", {
      ...payload,
      action,
      issue: issueJson(this.state, repo, issue),
      comment: commentJson(this.state, repo, comment),
    });
  }

  /** Only re-requests are emitted (to the run's app); `created`/`completed` are not modelled. */
  checkRun(repo: RepoRecord, action: string, run: CheckRunRecord, sender: Actor): void {
    const payload = this.common(repo, sender, example("check_run", action));
    const suite = repo.checkSuites.find((x) => x.id === run.check_suite_id);
    this.send(
      "check_run",
      {
        ...payload,
        action,
        check_run: {
          ...checkRunJson(this.state, repo, run),
          ...(suite ? { check_suite: checkSuiteJson(this.state, repo, suite) } : {}),
        },
      },
      this.state.app(run.app_id),
    );
  }

  /** `requested` and `rerequested` go to the suite's app; `completed` to every app subscribed. */
  checkSuite(repo: RepoRecord, action: string, suite: CheckSuiteRecord, sender: Actor): void {
    const payload = this.common(repo, sender, example("check_suite", action));
    this.send(
      "check_suite",
      { ...payload, action, check_suite: checkSuiteJson(this.state, repo, suite) },
      action === "completed" ? undefined : this.state.app(suite.app_id),
    );
  }
}
