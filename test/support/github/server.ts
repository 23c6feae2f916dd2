import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bearer, TokenStore, toPublicKey, verifyAppJwt } from "./auth.js";
import { HttpError } from "./errors.js";
import { WebhookEvents } from "./events.js";
import { type FaultRule, Faults, faultBody } from "./faults.js";
import { GraphqlEndpoint } from "./graphql.js";
import { enforceRequestLimits } from "./limits.js";
import type {
  AppPermissions,
  AppRecord,
  BranchProtection,
  CheckRunRecord,
  CommentRecord,
  IssueRecord,
  Permission,
  PullRecord,
  PushAuthor,
  RepoRecord,
  RepoSettings,
} from "./model.js";
import { authorize, ROUTE_PERMISSIONS } from "./permissions.js";
import { type Ctx, type Reply, type Route, Router } from "./router.js";
import { appRoutes, JWT_ROUTES } from "./routes/app.js";
import { AttestationStore, attestationRoutes, bundlePathPrefix } from "./routes/attestations.js";
import { checkRoutes } from "./routes/checks.js";
import { gitRoutes } from "./routes/git.js";
import { issueRoutes } from "./routes/issues.js";
import { manifestRoutes, UNAUTHENTICATED_ROUTES } from "./routes/manifests.js";
import { pullRoutes } from "./routes/pulls.js";
import { createRelease, type ReleaseRecord, releaseRoutes } from "./routes/releases.js";
import { repoRoutes } from "./routes/repos.js";
import { GitHubState, personOf } from "./state.js";
import { rerequestSuite, suiteFor } from "./suites.js";
import { type Delivery, type DeliveryMode, WebhookQueue, type WebhookTarget } from "./webhooks.js";

export interface GitHubServerOptions {
  appId: number;
  /** The app's public key (or its private key, from which the public key is derived). */
  publicKey?: string;
  privateKey?: string;
  appSlug?: string;
  installationId?: number;
  /** The installation's account (an organisation login). */
  account?: string;
  webhook?: WebhookTarget;
  /** Lifetime of installation tokens (GitHub: 1 hour). */
  tokenTtlSeconds?: number;
  /**
   * Answer as GitHub Enterprise Server of this version: every answer carries
   * `x-github-enterprise-version`, and there are no artifact attestations.
   */
  enterprise?: string;
  /** What the app's installation tokens may do; the default allows checks, contents, issues and pulls. */
  permissions?: AppPermissions;
  /** Webhook events the app subscribes to. */
  events?: string[];
}

export interface RequestLogEntry {
  method: string;
  /** Path without the `/api/v3` prefix and without the query, e.g. `/repos/acme/deploy/pulls`. */
  path: string;
  query: string;
  /** The matched OpenAPI route, e.g. `POST /repos/{owner}/{repo}/pulls`; undefined for unknown routes. */
  route: Route | "POST /graphql" | undefined;
  status: number;
  /** Operation name, else the top-level fields, of a GraphQL request. */
  graphqlOperation?: string;
  /** True when a `failNext` rule answered, delayed or failed (a field of) this request. */
  injected?: boolean;
  /** When the request arrived and when it was answered (ms since the epoch). */
  at: number;
  answeredAt?: number;
}

export interface PushOptions {
  branch: string;
  files: Record<string, string | Buffer | null>;
  message?: string;
  author?: PushAuthor;
  /** Allow a non-fast-forward (the new commit's parent is `parent`). */
  force?: boolean;
  /** Parent commit; defaults to the branch head, or the default branch head for a new branch. */
  parent?: string;
}

export interface GitHubServer {
  url: string;
  /** `127.0.0.1:PORT`, for Probot's GHE_HOST (with GHE_PROTOCOL=http). */
  host: string;
  /** `http://127.0.0.1:PORT/api/v3`, for Octokit's baseUrl. */
  apiUrl: string;
  installationId: number;
  state: GitHubState;
  close(): Promise<void>;
  createRepo(
    fullName: string,
    opts?: {
      files?: Record<string, string>;
      defaultBranch?: string;
      private?: boolean;
      settings?: Partial<RepoSettings>;
    },
  ): RepoRecord;
  setRepoSettings(fullName: string, settings: Partial<RepoSettings>): void;
  /** A branch protection rule: required checks and approvals gate merges and arm auto-merge. */
  protectBranch(fullName: string, branch: string, rule?: Partial<BranchProtection>): void;
  push(fullName: string, opts: PushOptions): string;
  readFile(fullName: string, ref: string, path: string): string | undefined;
  resolve(fullName: string, ref: string): string | undefined;
  requests: RequestLogEntry[];
  resetRequests(): void;
  /** Requests that matched no route (404 from the router); a test can assert this stays empty. */
  unknownRequests(): RequestLogEntry[];
  pulls(fullName: string): PullRecord[];
  issues(fullName: string): IssueRecord[];
  comments(fullName: string, issueNumber?: number): CommentRecord[];
  checkRuns(fullName: string, ref?: string): CheckRunRecord[];
  setPermission(fullName: string, user: string, permission: Permission): void;
  /** Publishes a release of `tag` (a draft with `draft: true`); no webhook is sent. */
  createRelease(
    fullName: string,
    opts: { tag: string; name?: string; body?: string; draft?: boolean; prerelease?: boolean },
  ): ReleaseRecord;
  failNext(rule: FaultRule): void;
  clearFaults(): void;
  /** Webhook deliveries (sent, or recorded while delivery is off). */
  deliveries: Delivery[];
  setWebhook(target: WebhookTarget | undefined): void;
  /** Turn outgoing deliveries on or off (events are still recorded). */
  setWebhooksEnabled(enabled: boolean): void;
  /** Resolves once every queued webhook delivery has been answered. */
  idle(): Promise<void>;
  /** Expire every installation token issued so far (GitHub revoked them). */
  expireTokens(): void;
  /** Moves GitHub's clock ahead (tokens expire, JWTs are judged by it, the `date` header shows it). */
  advanceClock(ms: number): void;
  /** A personal access token of a (human) user, e.g. to open or merge a PR or comment as "alice". */
  userToken(login: string): string;
  /** Installs another GitHub App (a CI, say) on the account; its runs form its own check suites. */
  installApp(app: {
    id: number;
    slug: string;
    name?: string;
    permissions?: AppPermissions;
    events?: string[];
  }): AppRecord;
  /** An installation token of an installed app (default: the main app), as its token exchange gives. */
  appToken(appId?: number): string;
  /** How webhooks are delivered (see `DeliveryMode`; default "concurrent"); `seed` fixes a shuffle. */
  setDeliveryMode(mode: DeliveryMode, seed?: number): void;
  /** A user clicks "Re-run" on a check run: emits `check_run.rerequested`. */
  rerequestCheckRun(fullName: string, checkRunId: number, user?: string): void;
  /**
   * A build's attest step ran: GitHub stores the Sigstore bundle for the digest under the repo.
   * `inline: false` lists it with a `bundle_url` only.
   */
  attest(fullName: string, digest: string, bundle: object, options?: { inline?: boolean }): void;
  /** The attestations and every `bundle_url` download (with the Authorization it carried). */
  attestations: AttestationStore;
  /** A user clicks "Re-run all checks" of an app (default: the main app) on `headSha`. */
  rerequestCheckSuite(fullName: string, headSha: string, user?: string, appId?: number): void;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  now: number,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  raw?: string,
): void {
  const payload = raw ? (body as Buffer | string) : body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": raw ?? "application/json; charset=utf-8",
    // The server's own clock: a client compares it with its own to correct a JWT for skew.
    date: new Date(now).toUTCString(),
    "x-github-media-type": "github.v3; format=json",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(now / 1000) + 3600),
    "x-ratelimit-resource": "core",
    "x-github-request-id": `TEST:${randomUUID().slice(0, 8).toUpperCase()}`,
    ...headers,
  });
  res.end(status === 204 ? undefined : payload);
}

/** Starts the in-memory GitHub on 127.0.0.1 and a free port. */
export async function startGitHubServer(options: GitHubServerOptions): Promise<GitHubServer> {
  const publicKey = toPublicKey(options);
  const installationId = options.installationId ?? 4242;
  const state = new GitHubState({
    appId: options.appId,
    appSlug: options.appSlug ?? "ferry",
    installationId,
    account: options.account ?? "acme",
    ...(options.permissions ? { permissions: options.permissions } : {}),
    ...(options.events ? { events: options.events } : {}),
  });
  const queue = new WebhookQueue(options.appId, options.webhook);
  state.events = new WebhookEvents(state, queue);
  // GitHub's clock; a test may put it ahead of the app's (skew, or an hour passing on GitHub's side).
  let clockOffsetMs = 0;
  const clock = () => Date.now() + clockOffsetMs;
  const tokens = new TokenStore((options.tokenTtlSeconds ?? 3600) * 1000, clock);
  const faults = new Faults();
  const graphql = new GraphqlEndpoint(state);
  const router = new Router();
  router.add(appRoutes(tokens));
  router.add(gitRoutes);
  router.add(repoRoutes);
  router.add(checkRoutes);
  router.add(pullRoutes);
  router.add(issueRoutes);
  router.add(manifestRoutes);
  const attestations = new AttestationStore();
  if (options.enterprise === undefined) router.add(attestationRoutes(attestations));
  router.add(releaseRoutes);
  const requests: RequestLogEntry[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    // GHES serves REST under /api/v3 and GraphQL at /api/graphql.
    const path =
      url.pathname.replace(/^\/api\/v3(?=\/|$)/, "").replace(/^\/api\/graphql$/, "/graphql") || "/";
    const text = await readBody(req);
    if (options.enterprise !== undefined) res.setHeader("x-github-enterprise-version", options.enterprise);
    // Bundle storage is not the API: no route, no token, no request log entry.
    if (url.pathname.startsWith(bundlePathPrefix) && method === "GET" && options.enterprise === undefined) {
      const auth = req.headers.authorization;
      const bytes = attestations.download(Number(url.pathname.slice(bundlePathPrefix.length)), auth);
      if (!bytes) return send(res, clock(), 404, { message: "Not Found" });
      return send(res, clock(), 200, bytes, {}, "application/octet-stream");
    }
    const entry: RequestLogEntry = {
      method,
      path,
      query: url.search,
      route: undefined,
      status: 0,
      at: Date.now(),
    };
    requests.push(entry);
    let parsed: Record<string, unknown> = {};
    try {
      if (text) parsed = JSON.parse(text);
    } catch {
      entry.status = 400;
      return send(res, clock(), 400, {
        message: "Problems parsing JSON",
        documentation_url: "https://docs.github.com/rest",
      });
    }
    const isGraphql = method === "POST" && path === "/graphql";
    const match = isGraphql ? undefined : router.match(method, path);
    entry.route = isGraphql ? "POST /graphql" : match?.route;
    const graphqlNames = isGraphql ? graphql.names(parsed) : [];
    if (isGraphql) entry.graphqlOperation = graphqlNames[0];
    const reply = (status: number, body: unknown, headers?: Record<string, string>, raw?: string): void => {
      entry.status = status;
      entry.answeredAt = Date.now();
      send(res, clock(), status, body, headers, raw);
    };
    try {
      // Authentication comes first, as on GitHub: a fault never hides a 401.
      const authorization = req.headers.authorization;
      let actor = state.bot;
      let app: AppRecord | undefined = state.mainApp;
      if (match && JWT_ROUTES.has(match.route)) {
        verifyAppJwt(bearer(authorization) ?? "", publicKey, options.appId, Math.floor(clock() / 1000));
      } else if ((match && !UNAUTHENTICATED_ROUTES.has(match.route)) || isGraphql) {
        const owner = tokens.check(authorization);
        app = "appId" in owner ? state.app(owner.appId) : undefined;
        actor = "appId" in owner ? state.app(owner.appId).bot : state.user(owner.login);
        // An installation token may do what its app's permissions grant, nothing more.
        if (match) authorize(app, ROUTE_PERMISSIONS[match.route], match.route, targetKind(match.params));
      }
      const fault = faults.take({ method, path, route: entry.route, graphqlNames });
      if (fault?.delayMs) {
        entry.injected = true;
        await new Promise((r) => setTimeout(r, fault.delayMs));
      }
      // A rule with a status answers it; one with only a delay or a field error lets the request run.
      const answer =
        fault?.status !== undefined && !fault.fieldError ? { ...fault, status: fault.status } : undefined;
      if (answer && !answer.afterEffect) {
        entry.injected = true;
        return reply(answer.status, faultBody(answer), answer.headers);
      }
      let result: Reply;
      if (isGraphql) {
        const failField =
          fault?.fieldError && typeof fault.graphql === "string"
            ? { field: fault.graphql, ...fault.fieldError }
            : undefined;
        if (failField) entry.injected = true;
        result = await graphql.execute(parsed, actor, app, failField);
      } else if (match) {
        const ctx: Ctx = {
          state,
          params: match.params as Ctx["params"],
          query: url.searchParams,
          body: parsed as Ctx["body"],
          headers: req.headers,
          actor,
          app,
          path,
          repo: () => {
            const r = state.repo(`${match.params.owner}/${match.params.repo}`);
            if (!r) throw new HttpError(404, "Not Found");
            return r;
          },
        };
        enforceRequestLimits(match.route, parsed);
        result = await match.handler(ctx);
      } else {
        return reply(404, {
          message: "Not Found",
          documentation_url: "https://docs.github.com/rest",
          status: "404",
        });
      }
      if (answer) {
        entry.injected = true;
        return reply(answer.status, faultBody(answer), answer.headers);
      }
      reply(result.status ?? 200, result.body, result.headers, result.raw?.contentType);
    } catch (e) {
      if (e instanceof HttpError) return reply(e.status, e.body(), e.headers);
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      reply(500, {
        message: `test server bug: ${message}`,
        documentation_url: "https://docs.github.com/rest",
      });
    }
  }

  /** Whether an issue route names an issue or a PR (by number, or by one of its comments). */
  const targetKind = (params: Record<string, string>): "issue" | "pull" | undefined => {
    const r = state.repo(`${params.owner}/${params.repo}`);
    const number = params.issue_number
      ? Number(params.issue_number)
      : r?.comments.find((c) => c.id === Number(params.comment_id))?.issueNumber;
    return number === undefined ? undefined : r?.issues.get(number)?.kind;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${port}`;

  const repoOf = (fullName: string): RepoRecord => state.mustRepo(fullName);

  return {
    url: state.origin,
    host: `127.0.0.1:${port}`,
    apiUrl: state.apiUrl,
    installationId,
    state,
    // Idempotent, so an afterEach may close a server a test already closed.
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    createRepo: (fullName, opts) => state.createRepo(fullName, opts),
    setRepoSettings: (fullName, settings) => {
      Object.assign(repoOf(fullName).settings, settings);
    },
    protectBranch: (fullName, branch, rule = {}) => state.protect(repoOf(fullName), branch, rule),
    push: (fullName, opts) => {
      const r = repoOf(fullName);
      const ref = `refs/heads/${opts.branch}`;
      const current = r.refs.get(ref);
      const parent = opts.parent ?? current ?? r.refs.get(`refs/heads/${r.defaultBranch}`);
      const sha = state.commitFiles(
        r,
        parent,
        opts.files,
        opts.message ?? "Update files",
        personOf(opts.author ?? {}),
        false,
      );
      const pusher = state.user(opts.author?.login ?? "octocat");
      state.setRef(r, ref, sha, pusher, { force: opts.force ?? false, create: current === undefined });
      return sha;
    },
    readFile: (fullName, ref, path) => {
      const r = repoOf(fullName);
      const sha = state.resolve(r, ref);
      const tree = sha ? r.objects.commit(sha)?.tree : undefined;
      const entry = tree ? r.objects.flatten(tree).get(path) : undefined;
      return entry ? r.objects.blob(entry.sha)?.content.toString("utf8") : undefined;
    },
    resolve: (fullName, ref) => state.resolve(repoOf(fullName), ref),
    requests,
    resetRequests: () => {
      requests.length = 0;
    },
    unknownRequests: () => requests.filter((r) => r.route === undefined),
    pulls: (fullName) => state.pulls(repoOf(fullName)),
    issues: (fullName) => [...repoOf(fullName).issues.values()].filter((i) => i.kind === "issue"),
    comments: (fullName, issueNumber) =>
      repoOf(fullName).comments.filter((c) => issueNumber === undefined || c.issueNumber === issueNumber),
    checkRuns: (fullName, ref) => {
      const r = repoOf(fullName);
      if (ref === undefined) return r.checkRuns;
      const sha = state.resolve(r, ref);
      return r.checkRuns.filter((c) => c.head_sha === sha);
    },
    createRelease: (fullName, opts) => createRelease(state, repoOf(fullName), opts),
    setPermission: (fullName, user, permission) => {
      repoOf(fullName).permissions.set(user.toLowerCase(), permission);
    },
    failNext: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    deliveries: queue.deliveries,
    setWebhook: (target) => {
      queue.target = target;
    },
    setWebhooksEnabled: (enabled) => {
      queue.enabled = enabled;
    },
    idle: () => queue.idle(),
    expireTokens: () => tokens.expireAll(),
    advanceClock: (ms) => {
      clockOffsetMs += ms;
    },
    userToken: (login) => tokens.issue({ login }).token,
    installApp: (app) => state.installApp(app),
    appToken: (appId = options.appId) => tokens.issue({ appId: state.app(appId).id }).token,
    setDeliveryMode: (mode, seed) => queue.setMode(mode, seed),
    rerequestCheckRun: (fullName, checkRunId, user = "octocat") => {
      const r = repoOf(fullName);
      const run = r.checkRuns.find((c) => c.id === checkRunId);
      if (!run) throw new Error(`test server: no check run ${checkRunId} in ${fullName}`);
      state.events?.checkRun(r, "rerequested", run, state.user(user));
    },
    attest: (fullName, digest, bundle, opts) => {
      const r = repoOf(fullName);
      attestations.add({
        repo: r.fullName.toLowerCase(),
        repositoryId: r.id,
        digest,
        bundle,
        inline: opts?.inline ?? true,
      });
    },
    attestations,
    rerequestCheckSuite: (fullName, headSha, user = "octocat", appId = options.appId) => {
      const r = repoOf(fullName);
      const sha = state.resolve(r, headSha) ?? headSha;
      rerequestSuite(state, r, suiteFor(state, r, state.app(appId), sha), state.user(user));
    },
  };
}
