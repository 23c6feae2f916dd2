import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, type Logger, Probot, type ProbotOctokit } from "probot";
import { createDeps, ferryApp } from "./app.js";
import { ConfigSource } from "./github/config-source.js";
import { Installations } from "./github/installations.js";
import { ferryOctokit } from "./github/octokit.js";
import { type ReportsDeps, receiveReport, reportsPath } from "./handlers/reports.js";
import { envelopeProblem } from "./handlers/webhook-shapes.js";
import { readBody, refuseBody, respond } from "./http-body.js";
import { ferryLog } from "./log.js";
import { answer503DuringOutage } from "./outage.js";
import { ProvenanceChecker } from "./provenance/provenance-checker.js";
import { type RootsAnswer, TrustedRootFile } from "./provenance/root-source.js";
import { CombinedRoots, TufRoots } from "./provenance/tuf-roots.js";
import { MemoryVerdictCache } from "./provenance/verdict-cache.js";
import { RedisLink, RedisReplayCache, RedisVerdictCache } from "./redis.js";
import { sharedThrottle } from "./redis-throttle.js";
import { resolveTools } from "./render/tools.js";
import type { Settings } from "./settings.js";

export const webhookPath = "/api/github/webhooks";
/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones. */
const maxWebhookBytes = 25 * 1024 * 1024;
/** A report is a few KB; 1 MiB leaves room for 1,000 drifted resources and refuses floods. */
const maxReportBytes = 1 << 20;

export interface RunningFerry {
  url: string;
  port: number;
  probot: Probot;
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
      }),
      throttle?.options,
    ),
  });
  const rootSources = await trustedRoots(settings.provenance);
  const deps = createDeps({
    configs: new ConfigSource({ maxAgeMs: settings.configMaxAgeMs }),
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
  const middleware = await createNodeMiddleware(answer503DuringOutage(ferryApp(deps), unavailable), {
    probot,
    webhooksPath: webhookPath,
  });
  const reports: ReportsDeps = {
    app: deps,
    installations: new Installations(probot),
    secrets: settings.clusterSecrets,
    defaultConfigRepo: settings.defaultConfigRepo,
    log: probot.log,
    unavailable,
  };
  let listening = false;
  const readiness = () => (listening ? unavailable() : "starting");
  const webhooks: WebhookDeps = { probot, middleware, unavailable };
  const routes: Route[] = [
    (req, res) => probe(req, res, "/healthz", () => undefined),
    (req, res) => probe(req, res, "/readyz", readiness),
    (req, res) => reportRoute(req, res, reports),
    (req, res) => webhookRoute(req, res, webhooks),
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
  probot.log.info(`Ferry listening on port ${port}${settings.baseUrl ? ` for ${settings.baseUrl}` : ""}`);
  const close = async () => {
    deps.reconcile.timers.clear();
    deps.buildRetries.clear();
    await closeServer(server);
    // The link first, so closing its connection is not logged as an outage.
    rootSources.stop();
    redis?.close();
    await throttle?.close();
  };
  return { url: `http://127.0.0.1:${port}`, port, probot, close };
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
  middleware: Awaited<ReturnType<typeof createNodeMiddleware>>;
  unavailable: () => string | undefined;
}

/**
 * `POST /api/github/webhooks`: the body is read here, at most 25 MB, and its signature checked
 * before Probot sees it; Probot's middleware then takes the body already read (`req.body`), so
 * nothing unauthenticated is ever buffered beyond GitHub's own limit, or logged.
 */
async function webhookRoute(req: IncomingMessage, res: ServerResponse, d: WebhookDeps): Promise<boolean> {
  if (pathOf(req) !== webhookPath) return false;
  if (req.method !== "POST") return (await d.middleware(req, res)) !== false;
  const read = await readBody(req, maxWebhookBytes);
  if (!read.ok) {
    if (read.reason === "too-large") refuseBody(req, res, "Webhook payloads are at most 25 MB");
    return true;
  }
  const signature = req.headers["x-hub-signature-256"];
  const signed =
    typeof signature === "string" &&
    (await d.probot.webhooks.verify(read.body, signature).catch(() => false));
  const header = (name: string) => (typeof req.headers[name] === "string" ? req.headers[name] : undefined);
  if (!signed) {
    d.probot.log.warn(
      { event: header("x-github-event"), delivery: header("x-github-delivery"), status: 400 },
      "webhook refused: its signature does not match WEBHOOK_SECRET (check the secret in the app's settings)",
    );
    respond(res, 400, { message: "signature does not match the payload and the webhook secret" });
    return true;
  }
  const problem = envelopeProblem(read.body);
  if (problem !== undefined) {
    const event = header("x-github-event") ?? "(unnamed)";
    d.probot.log.warn(
      { event, delivery: header("x-github-delivery"), problems: [problem] },
      `ignored a ${event} webhook of unexpected shape: ${problem}`,
    );
    respond(res, 200, { message: "ignored: unexpected payload shape" });
    return true;
  }
  const reason = d.unavailable();
  if (reason !== undefined) {
    respond(res, 503, { message: `${reason}; retry later` });
    return true;
  }
  (req as IncomingMessage & { body?: string }).body = read.body;
  return (await d.middleware(req, res)) !== false;
}

/** `POST /ferry/v1/reports` from cluster agents (docs/agent.md). */
async function reportRoute(req: IncomingMessage, res: ServerResponse, deps: ReportsDeps): Promise<boolean> {
  if (pathOf(req) !== reportsPath) return false;
  if (req.method !== "POST") {
    respond(res, 405, { message: "Use POST" });
    return true;
  }
  const read = await readBody(req, maxReportBytes);
  if (!read.ok) {
    if (read.reason === "too-large") refuseBody(req, res, "Report larger than 1 MiB");
    return true;
  }
  const answer = await receiveReport({ headers: req.headers, body: read.body }, deps);
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
