import { parseArgs } from "node:util";

export const usage = `usage: ferry serve

Runs the Ferry GitHub App: GitHub webhooks (/api/github/webhooks), agent reports
(/ferry/v1/reports) and health probes (/healthz, /readyz) on PORT (default 3000).
Takes no arguments; every setting is an environment variable (APP_ID, PRIVATE_KEY or
PRIVATE_KEY_PATH, WEBHOOK_SECRET, ...), listed in the README.
When APP_ID is not set (and NODE_ENV is not production, or FERRY_SETUP=1), Ferry serves the app
registration page instead: open it in a browser, GitHub creates the app from app.yml, and Ferry
writes the new app's settings to a file readable only by you (docs/github-app.md).
Logs are JSON lines, or readable lines when stdout is a terminal; LOG_FORMAT=json|pretty decides.
Exit status: 0 stopped by SIGTERM/SIGINT; 1 could not start (a setting is missing or invalid,
the port is taken, Redis is unreachable); 2 usage error.
`;

/** `ferry serve`: the app, or app registration when none is configured yet. */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    parseArgs({ args: argv, strict: true, allowPositionals: false, options: {} });
  } catch (error) {
    process.stderr.write(`ferry serve: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  // Containers get JSON; a person at a terminal gets readable lines.
  env.LOG_FORMAT ??= process.stdout.isTTY ? "pretty" : "json";
  // Registration only where someone can open the page: never by accident in a production container.
  const unconfigured =
    (env.APP_ID ?? "") === "" && (env.NODE_ENV !== "production" || env.FERRY_SETUP === "1");
  if (unconfigured) return (await import("../setup/command.js")).run(env);
  // Exactly the start-up of `npm start`: src/main.ts parses the settings and starts the server.
  await import("../main.js");
  return 0;
}
