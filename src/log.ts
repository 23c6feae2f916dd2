/**
 * The app's logger (pino, as Probot uses): JSON lines for containers, readable lines for a person
 * at a terminal. Probot names its child loggers (`name: "probot"`, then `name: "event"` per
 * delivery) and pino appends each binding, so lines carried the same key twice: every line is
 * re-serialised with one value per key, the innermost winning. (A bad webhook signature is
 * refused and logged once, with its delivery id, by the webhook route in server.ts.)
 */
import { type Logger, pino } from "pino";
import { prettyFactory } from "pino-pretty";

export interface LogOptions {
  level: string;
  format: "json" | "pretty";
  /** Where lines go (default stdout); tests pass their own. */
  write?: (line: string) => void;
}

export function ferryLog(options: LogOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  // One value per key (JSON.parse keeps the last), then either JSON again or a readable line.
  const render =
    options.format === "pretty"
      ? prettyFactory({
          colorize: options.write === undefined && process.stdout.isTTY === true,
          ignore: "pid,hostname",
          translateTime: "SYS:HH:MM:ss.l",
        })
      : (entry: unknown) => `${JSON.stringify(entry)}\n`;
  const destination = { write: (line: string) => write(render(JSON.parse(line))) };
  return pino({ level: options.level }, destination);
}
