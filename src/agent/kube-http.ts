/** JSON requests and watch streams against the API server, over node:http(s). */

import type { KubeConnection } from "./kube-connection.js";
import { http, https, type IncomingMessage } from "./node-http.js";

/** An answer other than 2xx: the HTTP status and the API server's Status message. */
export class KubeError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export interface KubeHttp {
  /** A JSON request; resolves the parsed body of a 2xx answer, rejects with KubeError otherwise. */
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  /**
   * A watch: each line of the stream to `onLine`. Resolves the handle once the API server
   * answered 200; rejects with KubeError for any other status, or a network error.
   * `done` settles when the stream ends (resolved) or breaks (rejected).
   */
  stream(path: string, onLine: (line: string) => void, idleTimeoutMs: number): Promise<WatchStream>;
}

export interface WatchStream {
  done: Promise<void>;
  close(): void;
}

const requestTimeoutMs = 30_000;

export function kubeHttp(connection: KubeConnection): KubeHttp {
  const send = async (
    method: string,
    path: string,
    body: string | undefined,
    options: { timeoutMs: number; stream?: boolean },
  ): Promise<IncomingMessage> => {
    const { agent, headers } = await connection.setup();
    const url = new URL(connection.server + path);
    const client = url.protocol === "https:" ? https : http;
    const attempt = () =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = client.request(
          url,
          {
            method,
            agent,
            headers: {
              accept: "application/json",
              ...headers,
              ...(body === undefined ? {} : { "content-type": "application/json" }),
              // A watch's socket is never handed back to the pool: the server may cut it at any time.
              ...(options.stream ? { connection: "close" } : {}),
            },
            timeout: options.timeoutMs,
          },
          resolve,
        );
        req.on("timeout", () =>
          req.destroy(new Error(`${method} ${url.pathname}: no answer in ${options.timeoutMs} ms`)),
        );
        req.on("error", (error: NodeJS.ErrnoException) => {
          // A pooled keep-alive socket the server had just closed: Node's documented remedy is to retry.
          if (req.reusedSocket && (error.code === "ECONNRESET" || error.message === "socket hang up")) {
            attempt().then(resolve, reject);
          } else reject(error);
        });
        req.end(body);
      });
    return await attempt();
  };

  return {
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const res = await send(method, path, text, { timeoutMs: requestTimeoutMs });
      const answer = await readAll(res);
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) throw statusError(status, answer, method, path);
      return JSON.parse(answer) as T;
    },
    async stream(path, onLine, idleTimeoutMs) {
      const res = await send("GET", path, undefined, { timeoutMs: idleTimeoutMs, stream: true });
      const status = res.statusCode ?? 0;
      if (status !== 200) throw statusError(status, await readAll(res), "GET", path);
      res.setEncoding("utf8");
      let rest = "";
      const done = new Promise<void>((resolve, reject) => {
        res.on("data", (chunk: string) => {
          rest += chunk;
          let newline = rest.indexOf("\n");
          while (newline >= 0) {
            const line = rest.slice(0, newline);
            rest = rest.slice(newline + 1);
            if (line.trim() !== "") onLine(line);
            newline = rest.indexOf("\n");
          }
        });
        res.on("end", () => resolve());
        res.on("aborted", () => reject(new Error("watch stream aborted")));
        res.on("error", reject);
      });
      // Whoever awaits `done` sees how it ended; a stream closed on purpose and never awaited
      // must not surface as an unhandled rejection.
      done.catch(() => {});
      return { done, close: () => res.destroy() };
    },
  };
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}

function statusError(status: number, text: string, method: string, path: string): KubeError {
  let message = `${method} ${path}: HTTP ${status}`;
  let reason: string | undefined;
  try {
    const body = JSON.parse(text) as { message?: string; reason?: string };
    if (body.message) message = `${message}: ${body.message}`;
    reason = body.reason;
  } catch {
    // not a Status object
  }
  return new KubeError(status, message, reason);
}
