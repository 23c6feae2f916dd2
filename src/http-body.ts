import type { IncomingMessage, ServerResponse } from "node:http";

export type BodyResult =
  | { ok: true; body: string }
  /** Declared or streamed beyond the limit: answer 413 with `refuseBody`. */
  | { ok: false; reason: "too-large" }
  /** The client went away (or a server timeout cut it off): there is no one to answer. */
  | { ok: false; reason: "aborted" };

/**
 * Reads a request body of at most `limitBytes`, counting while it streams, so nothing past the
 * limit is ever held. Never rejects: a client that disconnects mid-body, or that Node's request
 * timeout cuts off, resolves "aborted" — an unhandled "aborted" rejection here used to kill the
 * process.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limitBytes) return Promise.resolve({ ok: false, reason: "too-large" });
  if (req.destroyed) return Promise.resolve({ ok: false, reason: "aborted" });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off("data", onData).off("end", onEnd).off("error", onAbort).off("close", onAbort);
      // A listener stays so a late socket error has somewhere to go.
      req.on("error", () => {});
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.pause();
        chunks.length = 0;
        finish({ ok: false, reason: "too-large" });
      } else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks).toString("utf8") });
    const onAbort = () => finish({ ok: false, reason: "aborted" });
    req.on("data", onData).on("end", onEnd).on("error", onAbort).on("close", onAbort);
  });
}

/** How much of a refused body is read and thrown away before the connection is cut. */
const drainLimitBytes = 8 << 20;

/**
 * 413 for a body over the limit. The rest of the body is read and discarded (never held), up to
 * 8 MiB, so a client that is still sending receives the 413 instead of a connection reset;
 * beyond that the connection is cut. The request timeout bounds a slow sender either way.
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, message: string): void {
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > drainLimitBytes) req.socket.destroy();
  });
  req.resume();
  respond(res, 413, { message });
}

/** A JSON answer, unless the response is already under way or its client is gone. */
export function respond(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}
