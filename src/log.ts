/**
 * The app's logger (pino, as Probot uses): JSON lines for containers, readable lines for a person
 * at a terminal. Two fixes over Probot's default:
 * - Probot names its child loggers (`name: "probot"`, then `name: "event"` per delivery) and pino
 *   appends each binding, so lines carried the same key twice. Every line is re-serialised with
 *   one value per key: the innermost wins.
 * - A webhook with a bad signature is a client's mistake (or a probe), not Ferry's error: it was
 *   logged twice as an ERROR with a stack trace and the whole payload. It becomes one warning that
 *   names the delivery.
 */
import { type LogFn, type Logger, pino } from "pino";
import { prettyFactory } from "pino-pretty";

export interface LogOptions {
  level: string;
  format: "json" | "pretty";
  /** Where lines go (default stdout); tests pass their own. */
  write?: (line: string) => void;
}

const badSignature = "signature does not match event payload and secret";

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
  return pino(
    {
      level: options.level,
      hooks: {
        logMethod(args, method, level) {
          const [first] = args as unknown[];
          if (level >= 50 && first instanceof Error && first.message.includes(badSignature)) {
            // The same failure reaches the log twice: once per delivery (with the event), once
            // wrapped in an AggregateError by the HTTP middleware. Keep the first, as a warning.
            if (first instanceof AggregateError) return;
            const event = (first as { event?: { id?: string; name?: string } }).event;
            this.warn(
              { event: event?.name, delivery: event?.id, status: 400 },
              "webhook refused: its signature does not match WEBHOOK_SECRET (check the secret in the app's settings)",
            );
            return;
          }
          (method as LogFn).apply(this, args as Parameters<LogFn>);
        },
      },
    },
    destination,
  );
}
