import { pino } from "pino";
import type { Logger } from "probot";

/** One structured log line as the app wrote it (pino's JSON). */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's numeric levels. */
export const levels = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A real pino logger that keeps every line in memory, for asserting what the app logged. */
export function capturedLog(level = "debug"): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}
