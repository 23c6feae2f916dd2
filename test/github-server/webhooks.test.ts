import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { GitHubServer } from "../support/github/server.js";
import { signPayload, signPayloadSha1 } from "../support/github/webhooks.js";
import { APP_ID, startReceiver, startServer } from "./helpers.js";

let server: GitHubServer;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await server?.close();
  for (const c of cleanups.splice(0)) await c();
});

/** A receiver that holds every answer until `release()`, recording what arrived meanwhile. */
async function holdingReceiver() {
  const arrived: { event: string; action?: string; headers: IncomingHttpHeaders }[] = [];
  const held: (() => void)[] = [];
  const http = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      arrived.push({
        event: String(req.headers["x-github-event"]),
        action: JSON.parse(body).action,
        headers: req.headers,
      });
      held.push(() => res.writeHead(200).end("ok"));
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise((r) => {
        http.close(() => r());
        http.closeAllConnections();
      }),
  );
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    arrived,
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
};

describe("webhook deliveries", () => {
  it("carry the headers GitHub sends, both signatures included", async () => {
    const receiver = await startReceiver("s3cret");
    cleanups.push(receiver.close);
    server = await startServer({ webhook: { url: receiver.url, secret: "s3cret" } });
    server.createRepo("acme/deploy");
    server.push("acme/deploy", { branch: "main", files: { a: "a" } });
    await server.idle();
    const push = receiver.received.find((r) => r.event === "push");
    const body = JSON.stringify(push?.payload);
    expect(push?.headers).toMatchObject({
      "x-github-event": "push",
      "x-github-delivery": server.deliveries.find((d) => d.event === "push")?.id,
      "x-github-hook-id": expect.stringMatching(/^\d+$/),
      "x-github-hook-installation-target-id": String(APP_ID),
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature": signPayloadSha1("s3cret", body),
      "x-hub-signature-256": signPayload("s3cret", body),
      "user-agent": expect.stringMatching(/^GitHub-Hookshot\//),
      "content-type": "application/json",
    });
  });

  it("go out without waiting for the receiver to finish with the previous one", async () => {
    const receiver = await holdingReceiver();
    server = await startServer({ webhook: { url: receiver.url, secret: "s" } });
    server.createRepo("acme/deploy");
    server.push("acme/deploy", { branch: "main", files: { a: "1" } });
    server.push("acme/deploy", { branch: "main", files: { a: "2" } });
    // Two pushes, each with its suite request: all four arrive while no answer has been sent.
    expect(await until(() => receiver.arrived.length === 4)).toBe(true);
    const idle = server.idle();
    receiver.release();
    await idle;
    expect(server.deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
  });

  it("may arrive out of order: a shuffled run, repeatable by its seed", async () => {
    const orders: string[][] = [];
    for (const seed of [7, 7]) {
      const receiver = await holdingReceiver();
      server = await startServer({ webhook: { url: receiver.url, secret: "s" } });
      server.setDeliveryMode("shuffled", seed);
      server.createRepo("acme/deploy");
      server.push("acme/deploy", { branch: "topic", files: { a: "1" } });
      server.state.createPull(
        server.state.mustRepo("acme/deploy"),
        { title: "t", head: "topic", base: "main" },
        server.state.bot,
      );
      await until(() => receiver.arrived.length === 3);
      receiver.release();
      await server.idle();
      orders.push(receiver.arrived.map((r) => `${r.event}.${r.action ?? ""}`));
      await server.close();
    }
    const queued = ["push.", "check_suite.requested", "pull_request.opened"];
    expect(orders[0]).not.toEqual(queued);
    expect([...(orders[0] ?? [])].sort()).toEqual([...queued].sort());
    expect(orders[1]).toEqual(orders[0]);
  });
});
