import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, Probot, type ProbotOctokit } from "probot";
import { createDeps, ferryApp } from "./app.js";
import { QueueBuildRetries } from "./build-retries.js";
import { ConfigSource } from "./github/config-source.js";
import { Dashboards } from "./github/dashboard-store.js";
import { Installations } from "./github/installations.js";
import { ferryOctokit } from "./github/octokit.js";
import { touchesConfig } from "./handlers/config-check.js";
import { type ReportsDeps, receiveReport, reportsPath } from "./handlers/reports.js";
import { readEnvelope, warnIfMisshapen } from "./handlers/webhook-shapes.js";
import { readBody, refuseBody, respond } from "./http-body.js";
import type { FerryJob } from "./jobs/ferry-job.js";
import { jobForEvent } from "./jobs/ferry-job.js";
import { giveUp } from "./jobs/give-up.js";
import { QueueTimers } from "./jobs/queue-timers.js";
import { jobRunner } from "./jobs/run-job.js";
import { type KeyedLock, MemoryKeyedLock } from "./keyed-lock.js";
import { ferryLog } from "./log.js";
import { FerryMetrics } from "./metrics.js";
import { answer503DuringOutage, Unavailable } from "./outage.js";
import { ProvenanceChecker } from "./provenance/provenance-checker.js";
import { type RootsAnswer, TrustedRootFile } from "./provenance/root-source.js";
import { CombinedRoots, TufRoots } from "./provenance/tuf-roots.js";
import { MemoryVerdictCache } from "./provenance/verdict-cache.js";
import { BullQueue } from "./queue/bull-queue.js";
import { MemoryQueue } from "./queue/memory-queue.js";
import { watchQueue } from "./queue/queue-metrics.js";
import type { WorkQueue } from "./queue/work-queue.js";
import { RedisLink, RedisReplayCache, RedisVerdictCache } from "./redis.js";
import { RedisKeyedLock } from "./redis-lock.js";
import { sharedThrottle } from "./redis-throttle.js";
import { resolveTools } from "./render/tools.js";
import type { Settings } from "./settings.js";
import { createOffLoop } from "./workers/pool.js";

export const webhookPath = "/api/github/webhooks";
/** GitHub's delivery ids and event names are far shorter; anything longer is cut in logs. */
const maxLoggedHeader = 100;
/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones. */
const maxWebhookBytes = 25 * 1024 * 1024;
/** A report is a few KB; 1 MiB leaves room for 1,000 drifted resources and refuses floods. */
const maxReportBytes = 1 << 20;

export interface RunningFerry {
  url: string;
  port: number;
  probot: Probot;
  /** Where webhooks, reports and timers become jobs; /metrics reads its events and depth. */
  queue: WorkQueue<FerryJob>;
  /** Resolves once no job waits or runs (delayed jobs not yet due do not count). */
  idle(): Promise<void>;
  /** Stops intake (503, /readyz 503), drains running jobs within FERRY_SHUTDOWN_DRAIN_MS, closes. */
  /** GET /metrics; the queue's jobs and depth are wired to it. */
  metrics: FerryMetrics;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** Starts Ferry's HTTP server: GitHub webhooks, agent reports and health probes. */
export async function startFerry(settings: Settings, options: { log?: Logger } = {}): Promise<RunningFerry> {
  let probot: Probot | undefined;
  const log = () => options.log ?? (probot as Probot).log;
  // Several replicas share replay protection and GitHub throttling through Redis; one needs none.
  const redis =
    settings.redisUrl === undefined
      ? undefined
      : await RedisLink.connect(settings.redisUrl, {
          error: (fields, message) => log().error(fields, message),
          info: (message) => log().info(message),
        });
  const throttle = redis && sharedThrottle(redis);
  const unavailable = () => redis?.unavailable;
  const metrics = new FerryMetrics();
  probot = new Probot({
    appId: settings.appId,
    privateKey: settings.privateKey,
    secret: settings.webhookSecret,
    baseUrl: settings.baseUrl,
    log: options.log ?? ferryLog({ level: settings.logLevel, format: settings.logFormat }),
    Octokit: withThrottle(
      ferryOctokit({
        writeIntervalMs: settings.writeIntervalMs,
        retryBaseMs: settings.retryBaseMs,
        maxRetryWaitMs: settings.maxRetryWaitMs,
        observe: metrics.githubRequest,
      }),
      throttle?.options,
    ),
  });
  const retry = { attempts: settings.queue.attempts, backoffMs: settings.queue.backoffMs };
  const queue: WorkQueue<FerryJob> & { idle?: () => Promise<void> } =
    settings.redisUrl === undefined
      ? new MemoryQueue<FerryJob>({ concurrency: settings.queue.concurrency, retry })
      : new BullQueue<FerryJob>({
          url: settings.redisUrl,
          concurrency: settings.queue.concurrency,
          retry,
          lockDurationMs: settings.queue.lockMs,
          stalledIntervalMs: settings.queue.stalledIntervalMs,
        });
  const locks: KeyedLock = redis
    ? new RedisKeyedLock(redis.client, {
        // A replica killed while holding a key blocks it as long as it would block its job.
        ttlMs: settings.queue.lockMs,
        onLost: (key) => log().error({ key }, `the lock on ${key} expired while its work ran`),
      })
    : new MemoryKeyedLock();
  const clock = () => new Date();
  const configs = new ConfigSource({ maxAgeMs: settings.configMaxAgeMs });
  const rootSources = await trustedRoots(settings.provenance);
  const deps = createDeps({
    configs,
    dashboards: new Dashboards({ configs, intervalMs: settings.dashboardIntervalMs }),
    locks,
    clock,
    offLoop: createOffLoop({ threads: settings.workerThreads }),
    checkProgressMs: settings.checkProgressMs,
    timers: new QueueTimers(queue, () => clock().getTime()),
    buildRetries: new QueueBuildRetries(queue, () => clock().getTime()),
    ...(redis ? { replay: new RedisReplayCache(redis.client) } : {}),
    ...(settings.render ? { render: resolveTools(settings.render) } : {}),
    provenance: new ProvenanceChecker({
      roots: rootSources.roots,
      cache: redis ? new RedisVerdictCache(redis.client) : new MemoryVerdictCache(),
      // A retry must look again rather than read its own "not yet" back from the cache.
      missingTtlMs: Math.min(120_000, Math.floor(settings.provenance.retryMs / 2)),
    }),
    provenanceRetry: { retryMs: settings.provenance.retryMs, waitMs: settings.provenance.waitMs },
  });
  await probot.load(answer503DuringOutage(ferryApp(deps), unavailable));
  const installations = new Installations(probot);
  let stopping = false;
  const refusing = () => (stopping ? "Ferry is shutting down" : unavailable());
  const reports: ReportsDeps & { metrics: FerryMetrics } = {
    app: deps,
    installations,
    secrets: settings.clusterSecrets,
    defaultConfigRepo: settings.defaultConfigRepo,
    log: probot.log,
    queue,
    unavailable: refusing,
    metrics,
  };
  let listening = false;
  const readiness = () => (listening ? refusing() : "starting");
  const webhooks: WebhookDeps = { probot, queue, unavailable: refusing };
  const routes: Route[] = [
    (req, res) => probe(req, res, "/healthz", () => undefined),
    (req, res) => probe(req, res, "/readyz", readiness),
    (req, res) => metrics.route(req, res),
    (req, res) => reportRoute(req, res, reports),
    metrics.observeWebhooks((req, res) => webhookRoute(req, res, webhooks)),
  ];
  const server = createServer(
    {
      headersTimeout: settings.http.headersTimeoutMs,
      requestTimeout: settings.http.requestTimeoutMs,
      keepAliveTimeout: settings.http.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, settings.http.headersTimeoutMs / 2)),
    },
    (req, res) => {
      // The one boundary every request passes: nothing a client does may reject unhandled.
      handle(routes, req, res).catch((error: unknown) => {
        probot?.log.error({ err: error }, `request ${req.method} ${pathOf(req)} failed`);
        respond(res, 500, { message: "Internal error" });
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, resolve);
  });
  listening = true;
  const port = (server.address() as AddressInfo).port;
  const startedAt = Date.now();
  const unwatchQueue = watchQueue(queue, metrics, (error) =>
    probot?.log.warn({ err: error }, "metrics: could not read the queue's depth"),
  );
  await queue.start(
    jobRunner({
      probot,
      app: deps,
      installations,
      queue,
      log: probot.log,
      appId: settings.appId,
      sweepStaleMs: settings.queue.sweepStaleMs,
    }),
    (job, error) => giveUp({ probot, log: probot.log }, job, error),
  );
  // At start-up the sweep finishes what a stopped replica left. In-process, every unfinished
  // guard check from before this start is an orphan; on Redis another replica may still run it.
  await queue.add(
    "sweep",
    { kind: "sweep", ...(redis ? {} : { staleBefore: startedAt }) },
    { supersede: "sweep:start-up" },
  );
  if (settings.queue.sweepIntervalMs > 0)
    await queue.every("sweep", { kind: "sweep" }, settings.queue.sweepIntervalMs);
  probot.log.info(`Ferry listening on port ${port}${settings.baseUrl ? ` for ${settings.baseUrl}` : ""}`);
  const idle = async () => {
    if (queue instanceof MemoryQueue) return queue.idle();
    for (;;) {
      const depth = Object.values(await queue.depth());
      if (depth.every((d) => d.waiting === 0 && d.active === 0)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stopping = true;
      deps.dashboards.close();
      await queue.close(settings.queue.drainMs);
      if (queue instanceof MemoryQueue && queue.unfinished > 0)
        probot.log.warn(
          `${queue.unfinished} job(s) not finished at shutdown are dropped (no REDIS_URL); the sweep at the next start finishes their checks`,
        );
      await closeServer(server);
      // The link first, so closing its connection is not logged as an outage.
      redis?.close();
      await throttle?.close();
      rootSources.stop();
      await deps.offLoop.close();
      unwatchQueue();
    })();
    return closing;
  };
  return { url: `http://127.0.0.1:${port}`, port, probot, queue, metrics, idle, close };
}

async function handle(routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  for (const route of routes) if (await route(req, res)) return;
  respond(res, 404, { message: "Not Found" });
}

/** Probot's Octokit, with its throttling state in Redis when there is one. */
function withThrottle(Octokit: typeof ProbotOctokit, throttle: object | undefined): typeof ProbotOctokit {
  if (throttle === undefined) return Octokit;
  return Octokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object), ...throttle },
  })) as typeof ProbotOctokit;
}

interface WebhookDeps {
  probot: Probot;
  queue: WorkQueue<FerryJob>;
  unavailable: () => string | undefined;
}

/**
 * `POST /api/github/webhooks`: the body is read here, at most 25 MB, and its signature checked
 * before anything else looks at it; then the delivery is deduplicated by its id, queued, and
 * answered 202 — the work runs as a job (src/jobs/run-job.ts). Nothing unauthenticated is
 * buffered beyond GitHub's own limit, parsed or logged.
 */
async function webhookRoute(req: IncomingMessage, res: ServerResponse, d: WebhookDeps): Promise<boolean> {
  if (pathOf(req) !== webhookPath) return false;
  if (req.method !== "POST") {
    respond(res, 405, { message: "Use POST" }, { allow: "POST" });
    return true;
  }
  const read = await readBody(req, maxWebhookBytes);
  if (!read.ok) {
    if (read.reason === "too-large") refuseBody(req, res, "Webhook payloads are at most 25 MB");
    return true;
  }
  const signature = req.headers["x-hub-signature-256"];
  const signed =
    typeof signature === "string" &&
    (await d.probot.webhooks.verify(read.body, signature).catch(() => false));
  // Header values are the sender's words, unauthenticated until the signature matches: logged short.
  const header = (name: string) => {
    const value = req.headers[name];
    if (typeof value !== "string") return undefined;
    return value.length > maxLoggedHeader ? `${value.slice(0, maxLoggedHeader)}…` : value;
  };
  if (!signed) {
    d.probot.log.warn(
      { event: header("x-github-event"), delivery: header("x-github-delivery"), status: 400 },
      "webhook refused: its signature does not match WEBHOOK_SECRET (check the secret in the app's settings)",
    );
    respond(res, 400, { message: "signature does not match the payload and the webhook secret" });
    return true;
  }
  const envelope = readEnvelope(read.body);
  if (!envelope.ok) {
    const event = header("x-github-event") ?? "(unnamed)";
    d.probot.log.warn(
      { event, delivery: header("x-github-delivery"), problems: [envelope.problem] },
      `ignored a ${event} webhook of unexpected shape: ${envelope.problem}`,
    );
    respond(res, 200, { message: "ignored: unexpected payload shape" });
    return true;
  }
  const payload = envelope.payload;
  const reason = d.unavailable();
  if (reason !== undefined) {
    respond(res, 503, { message: `${reason}; retry later` });
    return true;
  }
  const name = req.headers["x-github-event"];
  const id = req.headers["x-github-delivery"];
  if (
    typeof name !== "string" ||
    !/^[a-z_]{1,64}$/.test(name) ||
    typeof id !== "string" ||
    !/^[\w-]{1,100}$/.test(id)
  ) {
    respond(res, 400, { message: "missing or invalid X-GitHub-Event or X-GitHub-Delivery header" });
    return true;
  }
  if (warnIfMisshapen(d.probot.log, name, id, payload)) {
    respond(res, 200, { ignored: `the ${name} payload is not of the documented shape` });
    return true;
  }
  const job = jobForEvent(name, payload, touchesConfig);
  if (job === undefined) {
    respond(res, 200, { ignored: `Ferry does not act on ${name}` });
    return true;
  }
  const event = { id, name, payload: payload as Record<string, unknown> };
  let refused = "";
  const outcome = await d.queue
    .add(job.type, { kind: "event", event }, { ...job.options, uniqueId: `delivery:${id}` })
    .catch((error: unknown) => {
      d.probot.log.error({ err: error, delivery: id }, "webhook: could not queue it; answering 503");
      // Redis failing before the link noticed still says Redis (BullQueue wraps it).
      refused =
        error instanceof Unavailable
          ? error.message
          : `${d.unavailable() ?? "the queue is unavailable"}; retry later`;
      return undefined;
    });
  if (outcome === undefined) respond(res, 503, { message: refused });
  else if (outcome === "duplicate") respond(res, 200, { duplicate: `delivery ${id} was already received` });
  else respond(res, 202, { queued: job.type });
  return true;
}

/** `POST /ferry/v1/reports` from cluster agents (docs/agent.md). */
async function reportRoute(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ReportsDeps & { metrics: FerryMetrics },
): Promise<boolean> {
  if (pathOf(req) !== reportsPath) return false;
  if (req.method !== "POST") {
    respond(res, 405, { message: "Use POST" });
    deps.metrics.report(405, "method");
    return true;
  }
  const read = await readBody(req, maxReportBytes);
  if (!read.ok) {
    if (read.reason === "too-large") refuseBody(req, res, "Report larger than 1 MiB");
    deps.metrics.report(413, read.reason);
    return true;
  }
  const answer = await receiveReport({ headers: req.headers, body: read.body }, deps);
  deps.metrics.report(answer.status, answer.code);
  // 202: queued; the check follows as a job.
  respond(res, answer.status, answer.body);
  return true;
}

/** `/healthz`: the process answers. `/readyz`: it can do its work (listening, Redis answering). */
function probe(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  problem: () => string | undefined,
): boolean {
  if (pathOf(req) !== path || (req.method !== "GET" && req.method !== "HEAD")) return false;
  const reason = problem();
  respond(
    res,
    reason === undefined ? 200 : 503,
    reason === undefined ? { status: "ok" } : { status: reason },
  );
  return true;
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? "").split("?")[0] as string;
}

/**
 * The roots attestations are verified against: the FERRY_TRUSTED_ROOTS file, the TUF mirrors, or
 * both. TUF is fetched once before Ferry answers (a failure is not fatal: checks fail closed with
 * the reason until a refresh succeeds), then refreshed in the background.
 */
async function trustedRoots(
  p: Settings["provenance"],
): Promise<{ roots: { current(): RootsAnswer }; stop(): void }> {
  if (!p.tuf) return { roots: new TrustedRootFile(p.trustedRoots), stop: () => {} };
  const tuf = new TufRoots(p.tuf);
  const refreshing = await tuf.start(p.tuf.refreshMs);
  const sources = p.trustedRoots === undefined ? [tuf] : [tuf, new TrustedRootFile(p.trustedRoots)];
  return { roots: new CombinedRoots(sources), stop: refreshing.stop };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
