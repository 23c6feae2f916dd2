import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MemoryReplayCache } from "../../../src/reports/replay-cache.js";
import type { Report } from "../../../src/reports/report.js";
import { verifyReport } from "../../../src/reports/verify.js";

/**
 * Stands in for the Ferry app's `POST /ferry/v1/reports`: verifies each delivery with the real
 * verifyReport and records what it accepted. `down` answers 503 (or refuses connections).
 */
export class ReportReceiver {
  readonly reports: Report[] = [];
  readonly refusals: { status: number; reason: string }[] = [];
  /** Answer every request with this status instead of verifying (e.g. 503 while "down"). */
  failWith: number | undefined;
  requests = 0;
  #server: Server | undefined;
  #port = 0;
  readonly #secrets: Record<string, string>;
  readonly #seen = new MemoryReplayCache();

  private constructor(secrets: Record<string, string>) {
    this.#secrets = secrets;
  }

  static async start(secrets: Record<string, string>): Promise<ReportReceiver> {
    const receiver = new ReportReceiver(secrets);
    await receiver.#listen(0);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Latest accepted report per object name. */
  latest(name: string): Report | undefined {
    return this.for(name).at(-1);
  }

  for(name: string): Report[] {
    return this.reports.filter((r) => r.object.name === name);
  }

  /** Stops accepting connections (the app is unreachable) until `open()`. */
  async closeSocket(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  async open(): Promise<void> {
    if (this.#server === undefined) await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    await this.closeSocket();
  }

  async #listen(port: number): Promise<void> {
    const server = createServer(async (req, res) => {
      this.requests += 1;
      const body = await readBody(req);
      if (this.failWith !== undefined) {
        res.writeHead(this.failWith).end();
        return;
      }
      const result = await verifyReport({
        headers: req.headers,
        body,
        secretFor: (cluster) => this.#secrets[cluster],
        now: Date.now(),
        seen: this.#seen,
      });
      if (result.ok) {
        this.reports.push(result.report);
        res.writeHead(202).end();
      } else {
        this.refusals.push({ status: result.status, reason: result.reason });
        res.writeHead(result.status, { "content-type": "application/json" }).end(JSON.stringify(result));
      }
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
