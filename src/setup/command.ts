/**
 * `ferry serve` without an app: registration through GitHub's manifest flow. Serves one page
 * whose form sends app.yml to GitHub; GitHub creates the app and sends the browser back with a
 * code; Ferry converts it (`POST /app-manifests/{code}/conversions`), writes the settings to files
 * only the user can read, and stops.
 *
 * Probot's built-in setup (probot/lib/apps/setup) was not reused: it reads app.yml and
 * package.json from the working directory (not where the npm package is), downloads smee-client
 * through npx at run time, writes `.env` with the default file mode, puts the manifest into the
 * page unescaped, and checks no `state`, so any page could complete a registration.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { buildManifest, githubUrls, newAppUrl } from "./manifest.js";
import { donePage, errorPage, registerPage } from "./pages.js";
import { type Conversion, writeAppSettings } from "./settings-file.js";

const setupEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Loopback by default: the page registers an app, so it is for the person at this machine.
  HOST: z.string().default("127.0.0.1"),
  /** Where this Ferry will be reachable by GitHub, e.g. https://ferry.example.com. */
  FERRY_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Register the app for this organisation (default: the signed-in user's account). */
  FERRY_SETUP_ORG: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, "an organisation login")
    .optional(),
  /** Where to write ferry-app.env and ferry-app.pem (default: the working directory). */
  FERRY_SETUP_DIR: z.string().default("."),
  GHE_HOST: z.string().optional(),
  GHE_PROTOCOL: z.enum(["https", "http"]).default("https"),
});

const conversionSchema = z.object({
  id: z.number(),
  slug: z.string(),
  name: z.string(),
  html_url: z.string(),
  pem: z.string().startsWith("-----BEGIN"),
  webhook_secret: z.string().min(1),
});

export async function run(env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = setupEnv.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      process.stderr.write(`ferry serve: ${issue.path.join(".")}: ${issue.message}\n`);
    return 2;
  }
  const settings = parsed.data;
  const github = githubUrls(settings);
  const appYml = await readFile(new URL("../../app.yml", import.meta.url), "utf8");
  const state = randomBytes(16).toString("hex");
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const own = `http://${hostOf(req, settings.PORT)}`;
    if (req.method === "GET" && url.pathname === "/") {
      const publicUrl = settings.FERRY_PUBLIC_URL?.replace(/\/$/, "") ?? own;
      const webhookUrl = `${publicUrl}/api/github/webhooks`;
      const manifest = buildManifest(appYml, { webhookUrl, redirectUrl: `${own}/setup/callback` });
      const action = newAppUrl(github.web, settings.FERRY_SETUP_ORG, state);
      const owner = settings.FERRY_SETUP_ORG
        ? `the organisation ${settings.FERRY_SETUP_ORG}`
        : "your account";
      return html(res, 200, registerPage({ manifest, action, webhookUrl, owner }));
    }
    if (req.method === "GET" && url.pathname === "/setup/callback") {
      const code = url.searchParams.get("code") ?? "";
      if (!sameSecret(url.searchParams.get("state") ?? "", state)) {
        return html(
          res,
          400,
          errorPage("This link did not come from the registration page. Start again from /."),
        );
      }
      if (!/^[\w-]{1,200}$/.test(code)) return html(res, 400, errorPage("GitHub sent no valid code."));
      const answer = await fetch(`${github.api}/app-manifests/${code}/conversions`, {
        method: "POST",
        headers: { accept: "application/vnd.github+json", "user-agent": "ferry-setup" },
      });
      const body = conversionSchema.safeParse(await answer.json().catch(() => undefined));
      if (!answer.ok || !body.success) {
        return html(
          res,
          502,
          errorPage(
            `GitHub refused the code (HTTP ${answer.status}); it is valid for one hour, once. Start again from /.`,
          ),
        );
      }
      const conversion: Conversion = body.data;
      const extra: Record<string, string> = settings.GHE_HOST
        ? { GHE_HOST: settings.GHE_HOST, GHE_PROTOCOL: settings.GHE_PROTOCOL }
        : {};
      let written: Awaited<ReturnType<typeof writeAppSettings>>;
      try {
        written = await writeAppSettings(settings.FERRY_SETUP_DIR, conversion, extra);
      } catch (error) {
        return html(res, 500, errorPage((error as Error).message));
      }
      html(res, 200, donePage({ name: conversion.name, htmlUrl: conversion.html_url, ...written }));
      process.stdout.write(
        `Registered the GitHub App "${conversion.name}" (${conversion.html_url}).\n` +
          `Wrote ${written.envFile} and ${written.keyFile} (mode 0600). Install the app, then start Ferry with them (docs/install.md).\n`,
      );
      finish(0);
      return;
    }
    html(res, 404, errorPage("Not found. Registration starts at /."));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => html(res, 500, errorPage(error.message)));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(settings.PORT, settings.HOST, resolve);
    });
  } catch (error) {
    process.stderr.write(
      `ferry serve: cannot listen on ${settings.HOST}:${settings.PORT}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  const { port } = server.address() as AddressInfo;
  process.stdout.write(
    `No GitHub App is configured (APP_ID is not set). Open http://localhost:${port}/ to register Ferry on GitHub.\n`,
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => finish(0));
  const code = await finished;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return code;
}

/** The Host the browser used (so the redirect comes back to the same place), if it is sane. */
function hostOf(req: IncomingMessage, port: number): string {
  const host = req.headers.host ?? "";
  return /^[\w.-]+(:\d{1,5})?$|^\[[\da-f:]+\](:\d{1,5})?$/i.test(host) ? host : `localhost:${port}`;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function html(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
    .end(body);
}
