/**
 * What Ferry's GitHub client may log. Request bodies carry check-run output, PR bodies and file
 * contents (the manifests of a config repo, Secrets included), so they are never logged at any
 * level: Probot's request logging passes each body to `log.debug` as a fields object, and
 * Octokit's errors keep the request (and, for GraphQL, the variables and the data read) — which
 * a handler's `log.error({ err })` would print.
 */

type LogFn = (...args: unknown[]) => void;
interface OctokitLike {
  log: { debug: LogFn; info: LogFn; warn: LogFn; error: LogFn };
  hook: { error(name: "request", fn: (error: unknown) => never): void };
  graphql: ((query: string, parameters?: Record<string, unknown>) => Promise<unknown>) & object;
}

/** An Octokit plugin: the client's log gets messages only, and its errors lose their bodies. */
export function requestBodiesNeverLogged(octokit: OctokitLike) {
  const log = octokit.log;
  // Only request bodies reach this log as objects; messages (strings) are kept.
  const messagesOnly =
    (fn: LogFn): LogFn =>
    (...args) => {
      const text = args.filter((a) => typeof a === "string");
      if (text.length > 0) fn.call(log, ...text);
    };
  // Registered after Probot's own hooks, so it runs once retries and throttling are done.
  octokit.hook.error("request", (error) => {
    throw withoutBodies(error);
  });
  const graphql = octokit.graphql;
  const safeGraphql = Object.assign(
    (query: string, parameters?: Record<string, unknown>) =>
      graphql(query, parameters).catch((error: unknown) => {
        throw withoutBodies(error);
      }),
    graphql,
  );
  return {
    log: {
      debug: messagesOnly(log.debug),
      info: messagesOnly(log.info),
      warn: messagesOnly(log.warn),
      error: messagesOnly(log.error),
    },
    graphql: safeGraphql,
  };
}

/**
 * The error with what it sent and what it read removed: a REST error keeps its method, URL and
 * status, headers and GitHub's message; a GraphQL error keeps GitHub's errors.
 */
export function withoutBodies(error: unknown): unknown {
  if (typeof error !== "object" || error === null) return error;
  const e = error as Record<string, unknown>;
  const request = e.request as { method?: unknown; url?: unknown } | undefined;
  if (request && typeof request === "object") e.request = { method: request.method, url: request.url };
  if ("data" in e) e.data = undefined;
  const response = e.response as
    | { status?: unknown; url?: unknown; headers?: unknown; data?: unknown; errors?: unknown }
    | undefined;
  if (response && typeof response === "object") {
    const data = response.data as { message?: unknown; errors?: unknown } | undefined;
    e.response = {
      status: response.status,
      url: response.url,
      // Rate-limit headers say how long GitHub asked Ferry to wait; they carry nothing sent or read.
      headers: response.headers,
      // GitHub's own message, and GraphQL's errors; never the data a query read.
      ...(data && typeof data === "object" ? { data: { message: data.message } } : {}),
      ...(response.errors ? { errors: response.errors } : {}),
    };
  }
  return error;
}
