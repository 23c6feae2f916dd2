/**
 * The app's logs as an operator reads them: `ferry serve` as a real process (stdout is a pipe, as
 * in a container), against the GitHub test server.
 */
import { spawnSync } from "node:child_process";
import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sharedBuild } from "../support/build.js";
import {
  type GitHubServer,
  generateAppKeyPair,
  sendWebhook,
  startGitHubServer,
} from "../support/github/index.js";
import { freePort, type Running, start, waitForStatus } from "../support/processes.js";

const keys = generateAppKeyPair();
const secret = "webhook-secret";
let github: GitHubServer;
let appDir: string;

beforeAll(async () => {
  appDir = await sharedBuild();
  github = await startGitHubServer({ appId: 1234, privateKey: keys.privateKey, account: "acme" });
}, 120_000);
afterAll(() => github.close());

async function serve(env: Record<string, string>): Promise<{ running: Running; url: string }> {
  const port = await freePort();
  const running = start([process.execPath, `${appDir}/dist/cli.js`, "serve"], {
    cwd: appDir,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ID: "1234",
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET: secret,
      PORT: String(port),
      HOST: "127.0.0.1",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForStatus(`${url}/readyz`, 200, running);
  return { running, url };
}

/** A line of JSON with each key once: yaml refuses duplicate keys where JSON.parse keeps the last. */
function strictJson(line: string): Record<string, unknown> {
  return parse(line, { uniqueKeys: true }) as Record<string, unknown>;
}

const starEvent = examples.find((e) => e.name === "star")?.examples[0] as Record<string, unknown>;

describe("logs", () => {
  it("in a container: JSON lines, each key once; a bad signature is one warning naming the delivery", async () => {
    const { running, url } = await serve({ LOG_LEVEL: "debug" });
    try {
      const webhooks = `${url}/api/github/webhooks`;
      const payload = { ...starEvent, installation: { id: github.installationId } };
      expect(await sendWebhook(webhooks, secret, "star", payload, { id: "good-delivery-1" })).toBe(200);
      expect(await sendWebhook(webhooks, "wrong-secret", "star", payload, { id: "forged-delivery-1" })).toBe(
        400,
      );
      // Header values of an unauthenticated request are cut short before they are logged.
      const long = { id: `long-${"d".repeat(5_000)}` };
      expect(await sendWebhook(webhooks, "wrong-secret", `e${"v".repeat(5_000)}`, payload, long)).toBe(400);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      expect(await running.stop()).toBe(0);
    }
    const lines = running.output().trim().split("\n");
    const aboutLong = lines.filter((line) => line.includes("long-ddd"));
    expect(aboutLong.length).toBeGreaterThan(0);
    for (const line of aboutLong) expect(line.length).toBeLessThan(1_000);
    const entries = lines.map((line) => {
      expect(() => strictJson(line), line).not.toThrow();
      return strictJson(line);
    });
    expect(entries.some((e) => String(e.msg).includes("listening on port"))).toBe(true);
    const aboutForged = lines.filter((line) => line.includes("forged-delivery-1"));
    expect(aboutForged.filter((line) => !line.includes('"level":20'))).toHaveLength(1);
    const warning = strictJson(aboutForged.find((line) => !line.includes('"level":20')) ?? "{}");
    expect(warning).toMatchObject({ level: 40, delivery: "forged-delivery-1", event: "star", status: 400 });
    expect(warning.msg).toContain("signature does not match WEBHOOK_SECRET");
    expect(entries.filter((e) => Number(e.level) >= 50)).toEqual([]);
    expect(running.output()).not.toContain("    at ");
  });

  it("LOG_FORMAT=pretty: readable lines, not JSON", async () => {
    const { running } = await serve({ LOG_FORMAT: "pretty" });
    expect(await running.stop()).toBe(0);
    const line =
      running
        .output()
        .split("\n")
        .find((l) => l.includes("listening on port")) ?? "";
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO .*Ferry listening on port \d+/);
  });

  it.skipIf(spawnSync("sh", ["-c", "command -v script"]).status !== 0)(
    "on a terminal the default is readable lines",
    async () => {
      // util-linux `script` runs `ferry serve` on a terminal of its own.
      const port = await freePort();
      const running = start(
        ["script", "-qec", `"${process.execPath}" "${appDir}/dist/cli.js" serve`, "/dev/null"],
        {
          cwd: appDir,
          env: {
            PATH: process.env.PATH ?? "",
            APP_ID: "1234",
            PRIVATE_KEY: keys.privateKey,
            WEBHOOK_SECRET: secret,
            PORT: String(port),
            HOST: "127.0.0.1",
            GHE_HOST: github.host,
            GHE_PROTOCOL: "http",
          },
        },
      );
      try {
        await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, running);
        await expect.poll(() => running.output(), { timeout: 5000 }).toContain("listening on port");
      } finally {
        // Closing the terminal hangs up on ferry, as closing a terminal window does.
        await running.stop();
      }
      const line =
        running
          .output()
          .split("\n")
          .find((l) => l.includes("listening on port")) ?? "";
      expect(line).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*Ferry listening on port \d+/);
      expect(line).not.toContain("{");
    },
    30_000,
  );
});
