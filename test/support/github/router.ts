import type { paths } from "@octokit/openapi-types";
import { HttpError } from "./errors.js";
import type { Actor, AppRecord, RepoRecord } from "./model.js";
import type { GitHubState } from "./state.js";

type Verb = "get" | "post" | "put" | "patch" | "delete";

/**
 * `"METHOD /path/{param}"` for every operation in GitHub's OpenAPI description. A route table typed
 * with it cannot serve a route GitHub does not have: `tsc` rejects the key.
 */
export type Route = {
  [P in keyof paths]: { [V in Verb & keyof paths[P]]: `${Uppercase<V>} ${P & string}` }[Verb &
    keyof paths[P]];
}[keyof paths];

type PathOf<R extends string> = R extends `${string} ${infer P}` ? P : never;
type ParamNames<P extends string> = P extends `${string}{${infer K}}${infer Rest}`
  ? K | ParamNames<Rest>
  : never;
type Operation<R extends Route> = R extends `${infer M} ${infer P extends keyof paths}`
  ? paths[P][Lowercase<M> & keyof paths[P]]
  : never;

/** The JSON request body GitHub's description declares for the route (loosely: clients send partials). */
export type BodyOf<R extends Route> =
  Operation<R> extends { requestBody?: { content: { "application/json": infer B } } }
    ? Partial<NonNullable<B>>
    : Record<string, never>;

export interface Ctx<R extends Route = Route> {
  state: GitHubState;
  params: Record<ParamNames<PathOf<R>>, string>;
  query: URLSearchParams;
  body: BodyOf<R>;
  headers: Record<string, string | string[] | undefined>;
  /** Who acts: an app's bot for an installation token, the user for a personal access token. */
  actor: Actor;
  /** The app whose installation token made the request; undefined for a user's token. */
  app: AppRecord | undefined;
  /** The repository named by `{owner}/{repo}`; 404 when absent. */
  repo(): RepoRecord;
  /** Request path without the `/api/v3` prefix, for Link headers. */
  path: string;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `body` as-is with this content type (raw media types). */
  raw?: { contentType: string };
}

export type Handler<R extends Route> = (ctx: Ctx<R>) => Reply | Promise<Reply>;
export type RouteTable = { [R in Route]?: Handler<R> };

/** Params that may hold slashes when a client does not percent-encode them. */
const GREEDY = new Set(["ref", "path", "basehead", "branch", "name"]);

interface Compiled {
  route: Route;
  method: string;
  regex: RegExp;
  names: string[];
  literalLength: number;
  handler: Handler<Route>;
}

export class Router {
  private readonly compiled: Compiled[] = [];

  add(table: RouteTable): void {
    for (const [route, handler] of Object.entries(table) as [Route, Handler<Route>][]) {
      const [method, template] = route.split(" ") as [string, string];
      const names: string[] = [];
      const pattern = template
        .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
        .replace(/\{(\w+)\}/g, (_, name: string) => {
          names.push(name);
          // `contents/{path}` with an empty path lists the root, as on GitHub.
          return name === "path" ? "(.*)" : GREEDY.has(name) ? "(.+)" : "([^/]+)";
        });
      this.compiled.push({
        route,
        method,
        // `contents/{path}` with an empty path lists the root; Octokit then drops the trailing slash.
        regex: new RegExp(`^${pattern.replace(/\/\(\.\*\)$/, "(?:/(.*))?")}$`),
        names,
        literalLength: template.replace(/\{\w+\}/g, "").length,
        handler,
      });
    }
    // The most specific template first: `/commits/{ref}/check-runs` before `/commits/{ref}`.
    this.compiled.sort((a, b) => b.literalLength - a.literalLength);
  }

  match(
    method: string,
    path: string,
  ): { route: Route; handler: Handler<Route>; params: Record<string, string> } | undefined {
    for (const c of this.compiled) {
      if (c.method !== method) continue;
      const m = c.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { route: c.route, handler: c.handler, params };
    }
    return undefined;
  }

  /** True when some method serves this path (for 404 vs. GitHub's behaviour on wrong verbs). */
  knows(path: string): boolean {
    return this.compiled.some((c) => c.regex.test(path));
  }
}

/** Route tables are plain objects; this only gives them their type. */
export const routes = (table: RouteTable): RouteTable => table;

export function requireFields(body: object, ...fields: string[]): void {
  const missing = fields.filter((f) => (body as Record<string, unknown>)[f] === undefined);
  if (missing.length > 0)
    throw new HttpError(
      422,
      `Invalid request.\n\n${missing.map((f) => `"${f}" wasn't supplied.`).join("\n")}`,
    );
}

/** `per_page`/`page` slicing with GitHub's Link header. */
export function paginate<T>(
  ctx: Ctx,
  items: T[],
  defaultPerPage = 30,
): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(
    100,
    Math.max(1, Number(ctx.query.get("per_page") ?? defaultPerPage) || defaultPerPage),
  );
  const page = Math.max(1, Number(ctx.query.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string): string => {
    const q = new URLSearchParams(ctx.query);
    q.set("per_page", String(perPage));
    q.set("page", String(p));
    return `<${ctx.state.apiUrl}${ctx.path}?${q.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(", ") } : {},
  };
}
