const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `30s`, `15m`, `1h`, `500ms` → milliseconds (the ferry.yml duration grammar); undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * units[match[2] as keyof typeof units];
}

/** Milliseconds as a reader takes them in: `45 s`, `10 m`, `1 h 5 m`, `1 d 2 h` (rounded up to 1 s). */
export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}
