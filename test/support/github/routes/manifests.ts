/**
 * Registering an app from a manifest (GitHub's "Creating a GitHub App from a manifest" flow).
 * The web half — the user confirming on GitHub's "Create GitHub App" page — is
 * `createAppFromManifest`, which a test calls as that user would click; it returns the one-time
 * code GitHub puts on the redirect. The API half is the unauthenticated conversion route.
 */
import { randomBytes } from "node:crypto";
import { HttpError } from "../errors.js";
import { appJson, userJson } from "../json.js";
import { type Route, routes } from "../router.js";
import type { GitHubState } from "../state.js";

/** Routes GitHub serves without any credentials: the code itself is the secret. */
export const UNAUTHENTICATED_ROUTES: ReadonlySet<Route> = new Set<Route>([
  "POST /app-manifests/{code}/conversions",
]);

interface Pending {
  manifest: Record<string, unknown>;
  pem: string;
  expiresAt: number;
}

const pendingCodes = new WeakMap<GitHubState, Map<string, Pending>>();

/**
 * The user confirms the manifest on GitHub: GitHub checks it, creates the app and answers with a
 * code valid for one hour. The test server has one app identity, so the app "created" is that one
 * (its id and slug), and `pem` is the key GitHub would generate for it.
 */
export function createAppFromManifest(
  state: GitHubState,
  manifestJson: string,
  options: { pem: string },
): string {
  const manifest = JSON.parse(manifestJson) as Record<string, unknown>;
  const hook = manifest.hook_attributes as { url?: unknown; active?: unknown } | undefined;
  if (typeof manifest.name !== "string" || manifest.name === "")
    throw new Error("manifest: name is required");
  if (typeof manifest.url !== "string") throw new Error("manifest: url (the app's homepage) is required");
  if (hook?.active !== false && typeof hook?.url !== "string") {
    throw new Error("manifest: hook_attributes.url is required for an active webhook");
  }
  const code = randomBytes(10).toString("hex");
  const codes = pendingCodes.get(state) ?? new Map<string, Pending>();
  pendingCodes.set(state, codes);
  codes.set(code, { manifest, pem: options.pem, expiresAt: Date.now() + 3600_000 });
  return code;
}

export const manifestRoutes = routes({
  "POST /app-manifests/{code}/conversions": (ctx) => {
    const codes = pendingCodes.get(ctx.state);
    const entry = codes?.get(ctx.params.code);
    // A code converts once, within the hour.
    codes?.delete(ctx.params.code);
    if (entry === undefined || entry.expiresAt < Date.now()) throw new HttpError(404, "Not Found");
    const { manifest } = entry;
    return {
      status: 201,
      body: {
        ...appJson(ctx.state),
        name: manifest.name,
        description: manifest.description ?? null,
        external_url: manifest.url,
        owner: userJson(ctx.state, ctx.state.user(ctx.state.options.account)),
        permissions: manifest.default_permissions ?? {},
        events: manifest.default_events ?? [],
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
        installations_count: 0,
        client_id: `Iv1.${randomBytes(8).toString("hex")}`,
        client_secret: randomBytes(20).toString("hex"),
        // GitHub generates the webhook secret in this flow.
        webhook_secret: randomBytes(20).toString("hex"),
        pem: entry.pem,
      },
    };
  },
});
