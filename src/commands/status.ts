import { execFile } from "node:child_process";
import { parseArgs, promisify } from "node:util";
import { ProbotOctokit } from "probot";
import { dashboardModel } from "../dashboard/model.js";
import { renderStatus } from "../dashboard/terminal.js";
import { ConfigSource } from "../github/config-source.js";
import { readDashboardFacts } from "../github/dashboard-facts.js";
import type { Octokit, RepoRef } from "../github/repo-client.js";
import { type Io, processIo } from "./io.js";

export const usage = `usage: ferry status [--repo owner/name] [--app-id N]

Prints where every app of a config repo runs: apps × environments, with the tag and digest
each environment's files pin, its cluster's health and sync and since when, open Ferry pull
requests, drift, what waits to be promoted, and the last promotions. Read from the GitHub API:
the same matrix as the repo's "Ferry dashboard" issue.
  --repo OWNER/NAME  the config repo (default: GITHUB_REPOSITORY, else the origin remote of
                     the current directory's git checkout)
  --app-id N         Ferry's GitHub App id (default: APP_ID); only its check runs count as
                     cluster reports. Without it, any app's "Ferry / reconcile" runs count.
Environment: GITHUB_TOKEN (or GH_TOKEN, GH_ENTERPRISE_TOKEN) a token that can read the repo;
GITHUB_API_URL for GitHub Enterprise Server, e.g. https://github.example.com/api/v3.
Exit status: 0 printed; 1 GitHub refused, or the repo has no valid ferry.yml; 2 usage error.
`;

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

class UsageError extends Error {}

/** `ferry status`: see `usage`. */
export async function run(
  argv: string[],
  io: Io = processIo,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  let options: { repo: RepoRef; appId: number | undefined; token: string; baseUrl: string | undefined };
  try {
    options = await parseOptions(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`ferry status: ${error.message}\n\n${usage}`);
    return exitCodes.usage;
  }
  const { repo, appId } = options;
  const name = `${repo.owner}/${repo.repo}`;
  const octokit = new ProbotOctokit({
    auth: { token: options.token },
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    log: { debug() {}, info() {}, warn() {}, error() {} },
  }) as Octokit;
  try {
    const loaded = await new ConfigSource().load(octokit, repo);
    if (loaded === undefined) {
      io.stderr(`ferry status: ${name} has no valid .github/ferry.yml on its default branch\n`);
      return exitCodes.failed;
    }
    if (appId === undefined)
      io.stderr(
        "ferry status: no --app-id (or APP_ID): health is read from any app's Ferry / reconcile check runs\n",
      );
    const facts = await readDashboardFacts(octokit, repo, loaded.config, appId);
    io.stdout(renderStatus(dashboardModel(loaded.config, facts, new Date())));
    return exitCodes.ok;
  } catch (error) {
    const status = (error as { status?: number }).status;
    const hint =
      status === 401
        ? "the token was refused; set GITHUB_TOKEN to a token that can read the repo"
        : status === 404
          ? `GitHub has no ${name} this token can read; check --repo and the token's access`
          : (error as Error).message;
    io.stderr(`ferry status: ${hint}\n`);
    return exitCodes.failed;
  }
}

async function parseOptions(argv: string[], env: Record<string, string | undefined>) {
  let values: { repo?: string | undefined; "app-id"?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { repo: { type: "string" }, "app-id": { type: "string" } },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const name = values.repo ?? env.GITHUB_REPOSITORY ?? (await originRepo());
  const match = name === undefined ? null : /^([\w.-]+)\/([\w.-]+)$/.exec(name);
  if (!match)
    throw new UsageError(
      name === undefined
        ? "which repo? pass --repo owner/name (no GITHUB_REPOSITORY, and no git origin here)"
        : `--repo must be owner/name, not ${JSON.stringify(name)}`,
    );
  const appIdText = values["app-id"] ?? env.APP_ID;
  if (appIdText !== undefined && !/^\d+$/.test(appIdText))
    throw new UsageError(`--app-id must be the app's numeric id, not ${JSON.stringify(appIdText)}`);
  const token = env.GITHUB_TOKEN ?? env.GH_TOKEN ?? env.GH_ENTERPRISE_TOKEN ?? env.GITHUB_ENTERPRISE_TOKEN;
  if (!token) throw new UsageError("set GITHUB_TOKEN (or GH_TOKEN) to a token that can read the repo");
  return {
    repo: { owner: match[1] as string, repo: match[2] as string },
    appId: appIdText === undefined ? undefined : Number(appIdText),
    token,
    baseUrl: env.GITHUB_API_URL?.replace(/\/+$/, "") || undefined,
  };
}

/** `owner/name` of the current checkout's origin remote (https or ssh form), if any. */
async function originRepo(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)("git", ["remote", "get-url", "origin"], { timeout: 5000 });
    return /[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(stdout.trim())?.slice(1, 3).join("/");
  } catch {
    return undefined;
  }
}
