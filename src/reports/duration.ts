const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `30s`, `15m`, `1h`, `500ms` → milliseconds (the ferry.yml duration grammar); undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * units[match[2] as keyof typeof units];
}
