import { notFound } from "../errors.js";
import { appJson, repoJson, userJson } from "../json.js";
import { type Ctx, paginate, type Route, routes } from "../router.js";

/** Routes a GitHub App calls with its JWT rather than an installation token. */
export const JWT_ROUTES: ReadonlySet<Route> = new Set<Route>([
  "GET /app",
  "GET /app/installations",
  "GET /app/installations/{installation_id}",
  "POST /app/installations/{installation_id}/access_tokens",
  "GET /repos/{owner}/{repo}/installation",
  "GET /orgs/{org}/installation",
]);

export interface TokenIssuer {
  issue(owner: { appId: number }): { token: string; expires_at: string };
}

function installationJson(ctx: Ctx): Record<string, unknown> {
  const { installationId, account, appId, appSlug } = ctx.state.options;
  return {
    id: installationId,
    account: userJson(ctx.state, ctx.state.user(account)),
    repository_selection: "all",
    access_tokens_url: `${ctx.state.apiUrl}/app/installations/${installationId}/access_tokens`,
    repositories_url: `${ctx.state.apiUrl}/installation/repositories`,
    html_url: `${ctx.state.origin}/settings/installations/${installationId}`,
    app_id: appId,
    app_slug: appSlug,
    target_id: ctx.state.user(account).id,
    target_type: "Organization",
    permissions: appJson(ctx.state).permissions,
    events: appJson(ctx.state).events,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    single_file_name: null,
    suspended_at: null,
  };
}

export function appRoutes(tokens: TokenIssuer) {
  return routes({
    "GET /app": (ctx) => ({ body: appJson(ctx.state) }),

    "GET /app/installations": (ctx) => ({ body: [installationJson(ctx)] }),

    "GET /app/installations/{installation_id}": (ctx) => {
      if (Number(ctx.params.installation_id) !== ctx.state.options.installationId) throw notFound();
      return { body: installationJson(ctx) };
    },

    "POST /app/installations/{installation_id}/access_tokens": (ctx) => {
      if (Number(ctx.params.installation_id) !== ctx.state.options.installationId) throw notFound();
      return {
        status: 201,
        body: {
          ...tokens.issue({ appId: ctx.state.options.appId }),
          permissions: appJson(ctx.state).permissions,
          repository_selection: "all",
        },
      };
    },

    "GET /repos/{owner}/{repo}/installation": (ctx) => {
      ctx.repo();
      return { body: installationJson(ctx) };
    },

    "GET /orgs/{org}/installation": (ctx) => {
      if (ctx.params.org.toLowerCase() !== ctx.state.options.account.toLowerCase()) throw notFound();
      return { body: installationJson(ctx) };
    },

    "GET /installation/repositories": (ctx) => {
      const all = [...ctx.state.repos.values()];
      const page = paginate(ctx, all);
      return {
        body: {
          total_count: all.length,
          repository_selection: "all",
          repositories: page.items.map((r) => repoJson(ctx.state, r)),
        },
        headers: page.headers,
      };
    },
  });
}
