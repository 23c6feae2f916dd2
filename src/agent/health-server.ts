import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HealthReport } from "./health.js";

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` (liveness) and `/readyz` (readiness) for the kubelet; nothing else is served.
 * The body says why, for `kubectl describe pod` and for people.
 */
export async function startHealthServer(options: {
  port: number;
  host: string;
  health: () => HealthReport;
}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = req.url?.split("?")[0];
    const probe = path === "/healthz" ? "live" : path === "/readyz" ? "ready" : undefined;
    if (probe === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
      return;
    }
    const report = options.health();
    res
      .writeHead(report[probe] ? 200 : 503, { "content-type": "application/json" })
      .end(JSON.stringify({ status: report[probe] ? "ok" : "unavailable", ...report }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
