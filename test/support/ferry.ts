import { readFileSync } from "node:fs";
import { Octokit } from "@octokit/rest";
import type { Logger } from "probot";
import { parse } from "yaml";
import { type RunningFerry, startFerry, webhookPath } from "../../src/server.js";
import { parseSettings } from "../../src/settings.js";
import {
  type GitHubServer,
  type GitHubServerOptions,
  generateAppKeyPair,
  startGitHubServer,
} from "./github/index.js";

export const webhookSecret = "test-webhook-secret";
export const appId = 1234;
/** The login of the human developer in the tests (write access to acme/deploy and acme/api). */
export const developerLogin = "dev";
/** GitHub Actions' app id: the CI whose build checks run beside Ferry's. */
export const ciAppId = 15368;

/** Ferry's app.yml: its installation tokens get exactly these permissions and events. */
const manifest = parse(readFileSync(new URL("../../app.yml", import.meta.url), "utf8")) as {
  default_permissions: Record<string, "read" | "write">;
  default_events: string[];
};

/** One key pair per test process: RSA generation is the slow part of setup. */
const keys = generateAppKeyPair();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export interface Stack {
  github: GitHubServer;
  ferry: RunningFerry;
  /** URL GitHub posts webhooks to. */
  webhookUrl: string;
  /** An Octokit acting as the human developer "dev" (opening and merging PRs), with a personal token. */
  developer(): Promise<Octokit>;
  /** An Octokit acting as the CI app (GitHub Actions), which posts build check runs. */
  ci(): Octokit;
  /** An Octokit acting as a named user (for comments whose author matters, e.g. ChatOps). */
  user(login: string): Octokit;
  /**
   * Resolves once GitHub has delivered every webhook and Ferry has run every job they became
   * (and the webhooks those jobs caused): the app has finished reacting. Delayed jobs (soak,
   * reconcile timeouts) not yet due do not count.
   */
  idle(): Promise<void>;
  /** Stops the app and starts a fresh instance on the same GitHub (nothing kept in memory). */
  restart(): Promise<void>;
  /** Another replica of the app, with the same settings, against the same GitHub. */
  replica(): Promise<RunningFerry>;
  close(): Promise<void>;
}

/**
 * The real Ferry app, started exactly as `npm start` would with GitHub Enterprise Server
 * settings, against the in-memory GitHub; the GitHub server delivers webhooks back to it.
 */
export async function startStack(
  options: {
    env?: Record<string, string>;
    webhooks?: boolean;
    log?: Logger;
    /** e.g. `{ enterprise: "3.15.0" }` to answer as GitHub Enterprise Server; `permissions` instead of app.yml's. */
    github?: Pick<GitHubServerOptions, "enterprise" | "permissions">;
  } = {},
): Promise<Stack> {
  const github = await startGitHubServer({
    appId,
    privateKey: keys.privateKey,
    account: "acme",
    permissions: manifest.default_permissions,
    events: manifest.default_events,
    ...options.github,
  });
  // GitHub posts webhooks concurrently and promises no order: deliver each state change's events
  // out of order (seeded; FERRY_TEST_DELIVERY_SEED picks another order).
  github.setDeliveryMode("shuffled", Number(process.env.FERRY_TEST_DELIVERY_SEED ?? 1));
  github.installApp({
    id: ciAppId,
    slug: "github-actions",
    name: "GitHub Actions",
    permissions: { checks: "write", contents: "read", actions: "write" },
    events: [],
  });
  const settings = parseSettings({
    APP_ID: String(appId),
    PRIVATE_KEY: keys.privateKey,
    WEBHOOK_SECRET: webhookSecret,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.FERRY_TEST_LOG_LEVEL ?? "fatal",
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    GITHUB_WRITE_INTERVAL_MS: "0",
    GITHUB_RETRY_BASE_MS: "5",
    // A job that failed for a passing reason runs again soon, not after the production 30 s.
    FERRY_JOB_BACKOFF_MS: "10",
    // Tests recreate repos without a push webhook, so ferry.yml is read afresh each time.
    FERRY_CONFIG_MAX_AGE_MS: "0",
    // Rendering (and its extra check runs) only where a test asks for it: test/e2e/render.test.ts.
    FERRY_RENDER: "off",
    ...options.env,
  });
  const start = async (s: typeof settings) => {
    const started = await startFerry(s, options.log ? { log: options.log } : {});
    // The start-up sweep runs first, so it never mixes into a test's request counts.
    await started.idle();
    return started;
  };
  let ferry = await start(settings);
  const webhookUrl = `${ferry.url}${webhookPath}`;
  if (options.webhooks !== false) github.setWebhook({ url: webhookUrl, secret: webhookSecret });
  const idle = async () => {
    // Jobs cause webhooks and webhooks cause jobs: wait until a round finds both quiet.
    for (let seen = -1; seen !== github.deliveries.length; ) {
      seen = github.deliveries.length;
      await github.idle();
      await ferry.idle();
    }
  };
  return {
    github,
    get ferry() {
      return ferry;
    },
    webhookUrl,
    idle,
    async restart() {
      await idle();
      await ferry.close();
      ferry = await start({ ...settings, port: ferry.port });
    },
    async developer() {
      return new Octokit({ baseUrl: github.apiUrl, auth: github.userToken(developerLogin), log: quiet });
    },
    ci() {
      return new Octokit({ baseUrl: github.apiUrl, auth: github.appToken(ciAppId), log: quiet });
    },
    user(login) {
      return new Octokit({ baseUrl: github.apiUrl, auth: github.userToken(login), log: quiet });
    },
    async replica() {
      return start({ ...settings, port: 0 });
    },
    async close() {
      await idle();
      await ferry.close();
      await github.close();
    },
  };
}
