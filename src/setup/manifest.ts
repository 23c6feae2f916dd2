/** The GitHub App manifest Ferry registers with (pure): app.yml plus where this Ferry lives. */
import { parse } from "yaml";

export interface ManifestTargets {
  /** Where GitHub will post webhooks: `<public URL>/api/github/webhooks`. */
  webhookUrl: string;
  /** Where GitHub sends the browser back with the code: this setup server's callback. */
  redirectUrl: string;
}

/** app.yml's fields as GitHub's manifest flow takes them, with the two URLs of this install. */
export function buildManifest(appYml: string, targets: ManifestTargets): Record<string, unknown> {
  const app = parse(appYml) as Record<string, unknown>;
  if (typeof app !== "object" || app === null || typeof app.name !== "string") {
    throw new Error("app.yml must be a mapping with at least a name");
  }
  const hook =
    typeof app.hook_attributes === "object" && app.hook_attributes !== null ? app.hook_attributes : {};
  return {
    ...app,
    hook_attributes: { ...hook, url: targets.webhookUrl, active: true },
    redirect_url: targets.redirectUrl,
  };
}

/** GitHub's web and API addresses: github.com, or a GitHub Enterprise Server host. */
export function githubUrls(env: { GHE_HOST?: string | undefined; GHE_PROTOCOL?: string | undefined }) {
  if (env.GHE_HOST === undefined || env.GHE_HOST === "") {
    return { web: "https://github.com", api: "https://api.github.com" };
  }
  const protocol = env.GHE_PROTOCOL === "http" ? "http" : "https";
  return { web: `${protocol}://${env.GHE_HOST}`, api: `${protocol}://${env.GHE_HOST}/api/v3` };
}

/** The page GitHub's manifest form posts to: the user's account, or an organisation's. */
export function newAppUrl(web: string, org: string | undefined, state: string): string {
  const path = org ? `/organizations/${encodeURIComponent(org)}/settings/apps/new` : "/settings/apps/new";
  return `${web}${path}?state=${encodeURIComponent(state)}`;
}
