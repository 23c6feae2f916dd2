import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { generateAppKeyPair, signAppJwt } from "../support/github/auth.js";
import type { GitHubServer, GitHubServerOptions } from "../support/github/server.js";
import { startGitHubServer } from "../support/github/server.js";
import { signPayload } from "../support/github/webhooks.js";

export const APP_ID = 123;
/** One key pair per test process: RSA generation is the slow part of setup. */
export const keys = generateAppKeyPair();

/** Octokit logs every 4xx; the tests provoke many on purpose. */
export const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export async function startServer(extra: Partial<GitHubServerOptions> = {}): Promise<GitHubServer> {
  return startGitHubServer({ appId: APP_ID, privateKey: keys.privateKey, ...extra });
}

/** An Octokit authenticated as the installation, the way Probot gets one. */
export async function installationOctokit(server: GitHubServer): Promise<Octokit> {
  const app = new Octokit({ baseUrl: server.apiUrl, auth: signAppJwt(APP_ID, keys.privateKey), log: quiet });
  const { data } = await app.rest.apps.createInstallationAccessToken({
    installation_id: server.installationId,
  });
  return new Octokit({ baseUrl: server.apiUrl, auth: data.token, log: quiet });
}

export interface Received {
  event: string;
  delivery: string;
  signatureValid: boolean;
  headers: Record<string, string | string[] | undefined>;
  payload: Record<string, unknown> & { action?: string };
}

/** A tiny webhook receiver that checks each signature, standing in for the app. */
export async function startReceiver(
  secret: string,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      received.push({
        event: String(req.headers["x-github-event"]),
        delivery: String(req.headers["x-github-delivery"]),
        signatureValid: req.headers["x-hub-signature-256"] === signPayload(secret, body),
        headers: req.headers,
        payload: JSON.parse(body),
      });
      // Answer late, like an app that runs its handlers before answering.
      setTimeout(() => res.writeHead(200).end("ok"), 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
