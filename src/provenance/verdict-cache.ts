import type { ProvenanceVerdict } from "./verdict.js";

/** Verdicts per (digest, policy, root); a miss only costs a re-check, so a broken store is a miss. */
export interface VerdictCache {
  get(key: string): Promise<ProvenanceVerdict | undefined>;
  set(key: string, verdict: ProvenanceVerdict, ttlMs: number): Promise<void>;
}

/** One replica's verdicts, oldest dropped first beyond `max`. */
export class MemoryVerdictCache implements VerdictCache {
  readonly #entries = new Map<string, { verdict: ProvenanceVerdict; until: number }>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = 10_000,
  ) {}

  async get(key: string): Promise<ProvenanceVerdict | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.verdict;
  }

  async set(key: string, verdict: ProvenanceVerdict, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { verdict, until: this.now() + ttlMs });
    if (this.#entries.size > this.max) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
