/**
 * One HTTP(S) POST with node:http(s): the agent's reports. Node's global fetch would load undici
 * (and WebAssembly for its parser) into a process that already holds node:https for the API server.
 */
import { http, https } from "./node-http.js";

export interface PostRequest {
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
}

/** Resolves the answer's status once its body is read; rejects on a network error or abort. */
export type Post = (url: URL, request: PostRequest) => Promise<number>;

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export const post: Post = (url, request) =>
  new Promise((resolve, reject) => {
    const secure = url.protocol === "https:";
    const attempt = () => {
      const req = (secure ? https : http).request(
        url,
        {
          method: "POST",
          agent: secure ? agents.https : agents.http,
          headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) },
          ...(request.signal ? { signal: request.signal } : {}),
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", reject);
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) => {
        // A pooled keep-alive socket the app had just closed: retry on a new one.
        if (req.reusedSocket && error.code === "ECONNRESET") attempt();
        else reject(error);
      });
      req.end(request.body);
    };
    attempt();
  });
