#!/usr/bin/env node
/** Entry point: parse the environment once, start the server. No logic lives here. */
import { startFerry } from "./server.js";
import { parseSettings, SettingsError } from "./settings.js";

try {
  const ferry = await startFerry(parseSettings(process.env));
  // Each request is independent and every route handles its own errors; a rejection that still
  // escapes is a bug to log and fix, not a reason to drop every other request in flight.
  // (Uncaught exceptions stay fatal: they can leave a half-done synchronous change behind.)
  process.on("unhandledRejection", (reason) => {
    ferry.probot.log.error(
      { err: reason },
      "unhandled rejection: a bug in Ferry, please report it; still running",
    );
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void ferry.close().then(() => process.exit(0)));
  }
} catch (error) {
  process.stderr.write(`${error instanceof SettingsError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
}
