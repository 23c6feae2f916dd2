#!/usr/bin/env node
/** Entry point: parse the environment once, start the server. No logic lives here. */
import { startFerry } from "./server.js";
import { parseSettings, SettingsError } from "./settings.js";

try {
  const ferry = await startFerry(parseSettings(process.env));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void ferry.close().then(() => process.exit(0)));
  }
} catch (error) {
  process.stderr.write(`${error instanceof SettingsError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
}
