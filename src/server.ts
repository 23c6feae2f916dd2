import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, type Logger, Probot } from "probot";
import { createDeps, ferryApp } from "./app.js";
import { ConfigSource } from "./github/config-source.js";
import { Installations } from "./github/installations.js";
import { ferryOctokit } from "./github/octokit.js";
import { type ReportsDeps, readReportBody, receiveReport, reportsPath } from "./handlers/reports.js";
import { connectRedis, RedisReplayCache } from "./redis.js";
import { resolveTools } from "./render/tools.js";
import type { Settings } from "./settings.js";

export const webhookPath = "/api/github/webhooks";

export interface RunningFerry {
  url: string;
  port: number;
  probot: Probot;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** Starts Ferry's HTTP server: GitHub webhooks, health probes and (later) agent reports. */
export async function startFerry(settings: Settings, options: { log?: Logger } = {}): Promise<RunningFerry> {
  const probot = new Probot({
    appId: settings.appId,
    privateKey: settings.privateKey,
    secret: settings.webhookSecret,
    baseUrl: settings.baseUrl,
    redisConfig: settings.redisUrl,
    logLevel: settings.logLevel,
    logFormat: settings.logFormat,
    ...(options.log ? { log: options.log } : {}),
    Octokit: ferryOctokit({ writeIntervalMs: settings.writeIntervalMs, retryBaseMs: settings.retryBaseMs }),
  });
  // Several replicas share replay protection through Redis; one replica needs none.
  const redis = settings.redisUrl === undefined ? undefined : await connectRedis(settings.redisUrl);
  const deps = createDeps({
    configs: new ConfigSource({ maxAgeMs: settings.configMaxAgeMs }),
    ...(redis ? { replay: new RedisReplayCache(redis) } : {}),
    ...(settings.render ? { render: resolveTools(settings.render) } : {}),
  });
  const webhooks = await createNodeMiddleware(ferryApp(deps), { probot, webhooksPath: webhookPath });
  // After the middleware: Probot creates its logger while initialising.
  const reports: ReportsDeps = {
    app: deps,
    installations: new Installations(probot),
    secrets: settings.clusterSecrets,
    defaultConfigRepo: settings.defaultConfigRepo,
    log: probot.log,
  };
  let ready = false;
  const routes: Route[] = [
    (req, res) => probe(req, res, "/healthz", true),
    (req, res) => probe(req, res, "/readyz", ready && (redis === undefined || redis.status === "ready")),
    (req, res) => reportRoute(req, res, reports),
    (req, res) => webhooks(req, res) as Promise<boolean>,
  ];
  const server = createServer(async (req, res) => {
    for (const route of routes) if (await route(req, res)) return;
    json(res, 404, { message: "Not Found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, resolve);
  });
  ready = true;
  const port = (server.address() as AddressInfo).port;
  probot.log.info(`Ferry listening on port ${port}${settings.baseUrl ? ` for ${settings.baseUrl}` : ""}`);
  const close = async () => {
    deps.reconcile.timers.clear();
    await closeServer(server);
    redis?.disconnect();
  };
  return { url: `http://127.0.0.1:${port}`, port, probot, close };
}

/** `POST /ferry/v1/reports` from cluster agents (docs/agent.md). */
async function reportRoute(req: IncomingMessage, res: ServerResponse, deps: ReportsDeps): Promise<boolean> {
  if (req.url?.split("?")[0] !== reportsPath) return false;
  if (req.method !== "POST") {
    json(res, 405, { message: "Use POST" });
    return true;
  }
  const body = await readReportBody(req);
  if (body === undefined) {
    json(res, 413, { message: "Report larger than 1 MiB" });
    return true;
  }
  const answer = await receiveReport({ headers: req.headers, body }, deps);
  json(res, answer.status, answer.body);
  return true;
}

function probe(req: IncomingMessage, res: ServerResponse, path: string, ok: boolean): boolean {
  if (req.url !== path || (req.method !== "GET" && req.method !== "HEAD")) return false;
  json(res, ok ? 200 : 503, { status: ok ? "ok" : "starting" });
  return true;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
