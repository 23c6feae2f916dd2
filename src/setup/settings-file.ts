import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What `POST /app-manifests/{code}/conversions` answers that Ferry keeps. */
export interface Conversion {
  id: number;
  slug: string;
  name: string;
  html_url: string;
  pem: string;
  webhook_secret: string;
}

export interface WrittenSettings {
  envFile: string;
  keyFile: string;
}

/**
 * Writes the new app's settings as `ferry-app.env` (APP_ID, WEBHOOK_SECRET, and GHE_HOST /
 * GHE_PROTOCOL on Enterprise Server) and its key as `ferry-app.pem`, both created with mode 0600
 * and never over an existing file (a second registration must not destroy the first's key).
 * The key stays a file because an env file cannot hold a multi-line value.
 */
export async function writeAppSettings(
  dir: string,
  conversion: Conversion,
  extra: Record<string, string> = {},
): Promise<WrittenSettings> {
  const envFile = join(dir, "ferry-app.env");
  const keyFile = join(dir, "ferry-app.pem");
  const lines = [
    `# GitHub App "${conversion.name}" (${conversion.html_url}), registered ${new Date().toISOString()}.`,
    "# Secret: keep it out of git. Its private key is in ferry-app.pem.",
    `APP_ID=${conversion.id}`,
    `WEBHOOK_SECRET=${conversion.webhook_secret}`,
    ...Object.entries(extra).map(([key, value]) => `${key}=${value}`),
  ];
  for (const file of [envFile, keyFile]) {
    const exists = await access(file).then(
      () => true,
      () => false,
    );
    if (exists)
      throw new Error(`${file} already exists; move it away (it may hold another app's key) and try again`);
  }
  await writeFile(keyFile, conversion.pem, { mode: 0o600, flag: "wx" });
  await writeFile(envFile, `${lines.join("\n")}\n`, { mode: 0o600, flag: "wx" });
  return { envFile, keyFile };
}
