/**
 * Anyone on the network can reach Ferry's port. Whatever they send — half a body, headers one
 * byte at a time, a body that never ends, 30 MB with a forged signature — every route answers or
 * drops that one connection, and the process (a real child process, started as in production)
 * lives and answers /healthz within a second throughout.
 */
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FerryProcess, startFerryProcess, watchHealth } from "../support/ferry-process.js";
import { type GitHubServer, generateAppKeyPair, startGitHubServer } from "../support/github/index.js";

const keys = generateAppKeyPair();
const headersTimeoutMs = 1000;
const requestTimeoutMs = 3000;
const MiB = 1 << 20;

interface Route {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** What a route that answers without reading the body answers (Node then discards the body). */
  answersUnread?: number;
}

const routes: Route[] = [
  {
    name: "webhooks",
    method: "POST",
    path: "/api/github/webhooks",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
    },
  },
  {
    name: "reports",
    method: "POST",
    path: "/ferry/v1/reports",
    headers: {
      "content-type": "application/json",
      "x-ferry-timestamp": String(Date.now()),
      "x-ferry-signature": `sha256=${"0".repeat(64)}`,
    },
  },
  { name: "probes", method: "GET", path: "/readyz", headers: {}, answersUnread: 200 },
  {
    name: "unknown paths",
    method: "POST",
    path: "/nothing/here",
    headers: { "content-type": "text/plain" },
    answersUnread: 404,
  },
];

/** A raw TCP client: tests need to send what no well-behaved HTTP client would. */
class Raw {
  received = "";
  closed = false;
  readonly done: Promise<void>;
  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.received += chunk.toString("latin1");
    });
    this.done = new Promise((resolve) =>
      socket.on("close", () => {
        this.closed = true;
        resolve();
      }),
    );
    socket.on("error", () => {});
  }

  static async open(port: number): Promise<Raw> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new Raw(socket);
  }

  /** Writes `data`, waiting for the socket to drain; false when the server closed the connection. */
  async write(data: string | Buffer): Promise<boolean> {
    if (this.closed || this.socket.destroyed) return false;
    if (this.socket.write(data)) return true;
    await Promise.race([new Promise((r) => this.socket.once("drain", r)), this.done]);
    return !this.closed;
  }

  /** The HTTP status of the first answer, once it arrived. */
  status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(this.received);
    return match ? Number(match[1]) : undefined;
  }
}

function head(route: Route, extra: Record<string, string>): string {
  const lines = Object.entries({ ...route.headers, ...extra }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `${route.method} ${route.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${lines.join("")}\r\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let github: GitHubServer;
let ferry: FerryProcess;
let health: ReturnType<typeof watchHealth>;

beforeAll(async () => {
  github = await startGitHubServer({ appId: 1234, privateKey: keys.privateKey, account: "acme" });
  ferry = await startFerryProcess({
    APP_ID: "1234",
    PRIVATE_KEY: keys.privateKey,
    WEBHOOK_SECRET: "test-webhook-secret",
    FERRY_CLUSTER_SECRETS: "staging-1=staging-1-secret-0123456789",
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    HTTP_HEADERS_TIMEOUT_MS: String(headersTimeoutMs),
    HTTP_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
  });
}, 60_000);

afterAll(async () => {
  await ferry?.stop();
  await github?.close();
});

beforeEach(() => {
  health = watchHealth(ferry.url);
});

afterEach(async () => {
  // Give a crash a moment to happen, then require a live process that answered every probe.
  await sleep(300);
  const { probes, failures } = await health.stop();
  expect(ferry.exit(), ferry.output()).toBeUndefined();
  expect(failures, ferry.output()).toEqual([]);
  expect(probes).toBeGreaterThan(0);
  expect(ferry.output()).not.toMatch(/unhandled|uncaught/i);
});

describe.each(routes)("$name", (route) => {
  it("survives a client that sends part of the body and disconnects", async () => {
    for (let i = 0; i < 5; i++) {
      const raw = await Raw.open(ferry.port);
      await raw.write(head(route, { "content-length": "100000" }));
      await raw.write("x".repeat(1000));
      raw.socket.destroy();
    }
    // The connection is gone; the next request on a new one is served.
    const res = await fetch(`${ferry.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it("cuts off headers sent a line at a time (slowloris) at the headers timeout", async () => {
    const raw = await Raw.open(ferry.port);
    await raw.write(`${route.method} ${route.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`);
    for (let i = 0; !raw.closed && i < 100; i++) {
      await raw.write(`x-slow-${i}: ${i}\r\n`);
      await sleep(200);
    }
    expect(raw.closed).toBe(true);
    expect(raw.status()).toBe(408);
  });

  it("cuts off a body that stalls at the request timeout", async () => {
    const raw = await Raw.open(ferry.port);
    await raw.write(head(route, { "content-length": "1000" }));
    await raw.write("{");
    await Promise.race([raw.done, sleep(requestTimeoutMs * 5)]);
    expect(raw.closed).toBe(true);
    expect(raw.status()).toBe(route.answersUnread ?? 408);
  });

  it.each([
    ["declared", { "content-length": String(30 * MiB) }],
    ["chunked", { "transfer-encoding": "chunked" }],
  ] as const)(
    "answers a %s 30 MB body with a forged signature without holding it",
    async (_kind, headers) => {
      const before = ferry.rss();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, ferry.rss());
      }, 20);
      const raw = await Raw.open(ferry.port);
      await raw.write(head(route, headers));
      const chunk = Buffer.alloc(MiB, "x");
      const chunked = "transfer-encoding" in headers;
      for (let sent = 0; sent < 30 * MiB && raw.status() === undefined; sent += MiB) {
        const ok = chunked
          ? await raw.write(
              Buffer.concat([Buffer.from(`${MiB.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]),
            )
          : await raw.write(chunk);
        if (!ok) break;
      }
      if (chunked && !raw.closed) await raw.write("0\r\n\r\n");
      // The answer, then the server closes a connection whose body it would not read.
      await Promise.race([
        raw.done,
        (async () => {
          while (raw.status() === undefined) await sleep(20);
        })(),
      ]);
      clearInterval(sampler);
      raw.socket.destroy();
      expect(raw.status(), raw.received.slice(0, 300)).toBe(route.answersUnread ?? 413);
      // Well under the 30 MB sent: at most GitHub's 25 MB cap is ever buffered, and only once.
      expect(peak - before).toBeLessThan(48 * MiB);
    },
  );
});
