import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { GitHubRequest } from "./github/request-observer.js";

/**
 * Ferry's Prometheus metrics (docs/operations.md lists them with the alerts to set). One registry
 * per running app, so several apps in one process (tests, replicas) never collide. Every label
 * value comes from a small fixed set: job types, event names GitHub sent, route templates,
 * reason codes; never a repository, a PR number or anything a client may choose.
 */
export class FerryMetrics {
  readonly registry = new Registry();
  readonly #webhooks = new Counter({
    name: "ferry_webhooks_total",
    help: "Webhook deliveries answered, by event and outcome (accepted, refused, unavailable, failed).",
    labelNames: ["event", "outcome"] as const,
    registers: [this.registry],
  });
  readonly #webhookSeconds = new Histogram({
    name: "ferry_webhook_duration_seconds",
    help: "Time from a webhook delivery's arrival to Ferry's answer.",
    labelNames: ["event"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly #github = new Counter({
    name: "ferry_github_requests_total",
    help: "HTTP requests to GitHub (retries included), by route template and status (0: no answer).",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });
  readonly #rateLimits = new Map<string, { remaining: number; resetAt: number }>();
  readonly #reports = new Counter({
    name: "ferry_reports_total",
    help: "Agent reports answered, by outcome (accepted, rejected, unavailable) and reason code.",
    labelNames: ["outcome", "reason"] as const,
    registers: [this.registry],
  });
  readonly #queueDepth = new Gauge({
    name: "ferry_queue_jobs",
    help: "Jobs in the queue, by job type and state (waiting, active, delayed, failed).",
    labelNames: ["type", "state"] as const,
    registers: [this.registry],
  });
  readonly #jobWait = new Histogram({
    name: "ferry_job_wait_seconds",
    help: "Time a job waited in the queue before it started, by job type.",
    labelNames: ["type"] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [this.registry],
  });
  readonly #jobDuration = new Histogram({
    name: "ferry_job_duration_seconds",
    help: "Time a job ran, by job type and outcome (completed, failed, retried).",
    labelNames: ["type", "outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor(options: { now?: () => number } = {}) {
    const now = options.now ?? Date.now;
    // Process metrics, heap, GC and event-loop delay (nodejs_eventloop_lag_*, from monitorEventLoopDelay).
    collectDefaultMetrics({ register: this.registry });
    const limits = this.#rateLimits;
    new Gauge({
      name: "ferry_github_rate_limit_remaining",
      help: "Requests left in GitHub's current hourly window: the lowest of any installation, by resource.",
      labelNames: ["resource"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const lowest = new Map<string, number>();
        for (const [key, limit] of limits) {
          if (limit.resetAt <= now()) {
            limits.delete(key); // the window is over: the budget is full again
            continue;
          }
          const resource = key.slice(key.indexOf(" ") + 1);
          lowest.set(resource, Math.min(lowest.get(resource) ?? Number.POSITIVE_INFINITY, limit.remaining));
        }
        for (const [resource, remaining] of lowest) this.set({ resource }, remaining);
      },
    });
  }

  /** For the GitHub client (src/github/octokit.ts): one call per HTTP request. */
  readonly githubRequest = (request: GitHubRequest): void => {
    this.#github.inc({ route: request.route, status: String(request.status) });
    const limit = request.rateLimit;
    if (limit && request.budget !== "app" && /^[a-z_]{1,32}$/.test(limit.resource)) {
      this.#rateLimits.set(`${request.budget} ${limit.resource}`, {
        remaining: limit.remaining,
        resetAt: limit.resetAt,
      });
    }
  };

  /** A webhook answered: the event as GitHub named it (only once its signature was checked). */
  webhook(event: string, status: number, seconds: number): void {
    const verified = status !== 400 && status !== 405 && status !== 413;
    const name = verified && /^[a-z_]{1,40}$/.test(event) ? event : "unverified";
    this.#webhooks.inc({ event: name, outcome: webhookOutcome(status) });
    this.#webhookSeconds.observe({ event: name }, seconds);
  }

  /** An agent report answered; `reason` is a code from src/reports (accepted reports: "accepted"). */
  report(status: number, reason: string): void {
    const outcome = status < 300 ? "accepted" : status === 503 ? "unavailable" : "rejected";
    this.#reports.inc({ outcome, reason });
  }

  /** Queue contract: a job of `type` finished after waiting `waitMs` and running `durationMs`. */
  observeJob(type: string, waitMs: number, durationMs: number, outcome: JobOutcome): void {
    this.#jobWait.observe({ type }, waitMs / 1000);
    this.#jobDuration.observe({ type, outcome }, durationMs / 1000);
  }

  /** Queue contract: how many jobs of `type` are in `state` now. */
  setQueueDepth(type: string, count: number, state: QueueState = "waiting"): void {
    this.#queueDepth.set({ type, state }, count);
  }

  readonly #beforeScrape: (() => Promise<void>)[] = [];

  /** Runs `refresh` before each scrape (the queue's depth is read then, not on a timer). */
  beforeScrape(refresh: () => Promise<void>): void {
    this.#beforeScrape.push(refresh);
  }

  /** Wraps the webhook route so every answer it gives is counted and timed. */
  observeWebhooks<R extends boolean | Promise<boolean>>(
    route: (req: IncomingMessage, res: ServerResponse) => R,
  ): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
    return async (req, res) => {
      const started = performance.now();
      const handled = await route(req, res);
      if (handled) {
        const event = req.headers["x-github-event"];
        const record = () =>
          this.webhook(
            typeof event === "string" ? event : "",
            res.statusCode,
            (performance.now() - started) / 1000,
          );
        if (res.writableFinished) record();
        else res.once("finish", record).once("close", () => res.writableFinished || record());
      }
      return handled;
    };
  }

  /** `GET /metrics` in Prometheus' text format. */
  route(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> {
    if ((req.url ?? "").split("?")[0] !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD"))
      return false;
    return Promise.all(this.#beforeScrape.map((refresh) => refresh()))
      .then(() => this.registry.metrics())
      .then((text) => {
        res.writeHead(200, { "content-type": this.registry.contentType });
        res.end(req.method === "HEAD" ? undefined : text);
        return true;
      });
  }
}

export type JobOutcome = "completed" | "failed" | "retried";
export type QueueState = "waiting" | "active" | "delayed" | "failed";

/** The queue's view of the metrics; the queue calls these, nothing else. */
export type JobMetrics = Pick<FerryMetrics, "observeJob" | "setQueueDepth" | "beforeScrape">;

function webhookOutcome(status: number): string {
  if (status < 300) return "accepted";
  if (status === 503) return "unavailable";
  if (status < 500) return "refused";
  return "failed";
}
