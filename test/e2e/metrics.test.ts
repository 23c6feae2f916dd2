import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report, startWorld, type World } from "../reports/support.js";
import { sendWebhook } from "../support/github/index.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text exposition format: `# TYPE name kind` lines and `name{a="b"} value` samples. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    if (line === "" || line.startsWith("#")) continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not in Prometheus text format: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? "").matchAll(/(\w+)="((?:\\.|[^"\\])*)"/g))
      labels[key as string] = (value as string).replace(/\\(.)/g, "$1");
    samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

describe("GET /metrics", () => {
  let world: World;
  let text: string;
  let contentType: string | null;
  let parsed: ReturnType<typeof parseExposition>;
  const value = (name: string, labels: Record<string, string>) =>
    parsed.samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);

  beforeAll(async () => {
    world = await startWorld();
    // GitHub fails Ferry's first read once; the retry plugin tries again.
    world.stack.github.failNext({ graphql: "FerryPair", status: 502 });
    // A build (webhook) opens the staging PR, whose pull_request.opened runs the guard.
    const sha = await world.mergeStaging("1.5.0");
    expect(world.stack.github.checkRuns("acme/deploy", sha)).not.toHaveLength(0);
    // An accepted report, and one signed with the wrong secret.
    expect((await world.post(report({ revision: sha }))).status).toBe(202);
    expect((await world.post(report({ revision: sha }), { secret: "w".repeat(24) })).status).toBe(401);
    // A webhook with a bad signature and a made-up event name.
    expect(await sendWebhook(world.stack.webhookUrl, "not-the-secret", "acme_deploy_17", { zen: "hi" })).toBe(
      400,
    );
    const response = await fetch(`${world.stack.ferry.url}/metrics`);
    expect(response.status).toBe(200);
    contentType = response.headers.get("content-type");
    text = await response.text();
    parsed = parseExposition(text);
  });
  afterAll(() => world?.close());

  it("answers in Prometheus' text format with every family Ferry documents", () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(Object.fromEntries(parsed.types)).toMatchObject({
      ferry_webhooks_total: "counter",
      ferry_webhook_duration_seconds: "histogram",
      ferry_github_requests_total: "counter",
      ferry_github_rate_limit_remaining: "gauge",
      ferry_reports_total: "counter",
      ferry_queue_jobs: "gauge",
      ferry_job_wait_seconds: "histogram",
      ferry_job_duration_seconds: "histogram",
      nodejs_eventloop_lag_p99_seconds: "gauge",
    });
  });

  it("counts webhooks by event and outcome; an unsigned delivery's event name is not trusted", () => {
    expect(value("ferry_webhooks_total", { event: "repository_dispatch", outcome: "accepted" })).toBe(1);
    expect(value("ferry_webhooks_total", { event: "pull_request", outcome: "accepted" })).toBeGreaterThan(0);
    expect(value("ferry_webhooks_total", { event: "unverified", outcome: "refused" })).toBe(1);
    expect(value("ferry_webhook_duration_seconds_count", { event: "repository_dispatch" })).toBe(1);
    expect(text).not.toContain("acme_deploy_17");
  });

  it("counts GitHub requests by route template and status, and the rate limit left", () => {
    const seen = (route: string, operation?: string) =>
      world.stack.github.requests.filter((r) => r.route === route && r.graphqlOperation === operation).length;
    const checkRuns = "POST /repos/{owner}/{repo}/check-runs";
    expect(seen(checkRuns)).toBeGreaterThan(0);
    expect(value("ferry_github_requests_total", { route: checkRuns, status: "201" })).toBe(seen(checkRuns));
    expect(seen("POST /graphql", "FerryOpenPromotion")).toBeGreaterThan(0);
    expect(
      value("ferry_github_requests_total", { route: "POST /graphql FerryOpenPromotion", status: "200" }),
    ).toBe(seen("POST /graphql", "FerryOpenPromotion"));
    expect(value("ferry_github_rate_limit_remaining", { resource: "core" })).toBe(4999);
  });

  it("counts each attempt: a retried request shows its failure and its success", () => {
    expect(value("ferry_github_requests_total", { route: "POST /graphql FerryPair", status: "502" })).toBe(1);
    expect(value("ferry_github_requests_total", { route: "POST /graphql FerryPair", status: "200" })).toBe(
      world.stack.github.requests.filter((r) => r.graphqlOperation === "FerryPair" && r.status === 200)
        .length,
    );
  });

  it("counts reports accepted and rejected by reason", () => {
    expect(value("ferry_reports_total", { outcome: "accepted", reason: "accepted" })).toBe(1);
    expect(value("ferry_reports_total", { outcome: "rejected", reason: "bad-signature" })).toBe(1);
  });

  it("times every job the queue ran, by type and outcome, and shows the queue's depth per type and state", () => {
    // The build, the guard of the PR it opened, and the accepted report each ran as one job.
    expect(value("ferry_job_duration_seconds_count", { type: "build", outcome: "completed" })).toBe(1);
    expect(value("ferry_job_wait_seconds_count", { type: "build" })).toBe(1);
    expect(
      value("ferry_job_duration_seconds_count", { type: "guard", outcome: "completed" }),
    ).toBeGreaterThan(0);
    expect(value("ferry_job_duration_seconds_count", { type: "report", outcome: "completed" })).toBe(1);
    expect(value("ferry_job_duration_seconds_count", { outcome: "failed" })).toBe(0);
    const depth = parsed.samples.filter((s) => s.name === "ferry_queue_jobs");
    for (const type of ["build", "guard", "report", "sweep"])
      for (const state of ["waiting", "active", "delayed", "failed"])
        expect(depth.find((s) => s.labels.type === type && s.labels.state === state)?.value).toBe(0);
  });

  it("labels nothing with a repository, a PR number or a commit", () => {
    for (const sample of parsed.samples.filter((s) => s.name.startsWith("ferry_"))) {
      for (const label of Object.values(sample.labels)) {
        expect(label).not.toMatch(/acme|deploy|[0-9a-f]{40}/);
        expect(label).not.toMatch(/\/\d+(\/|$)/);
      }
    }
  });
});
