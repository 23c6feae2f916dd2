/**
 * Remembers signatures already accepted, for as long as their timestamp would still be accepted.
 * Async so that a shared implementation (Redis `SET key 1 NX PX ttl`) fits the same shape.
 */
export interface ReplayCache {
  /** Records `key` until `expiresAt` (ms); resolves false when it was already recorded and unexpired. */
  remember(key: string, expiresAt: number, now: number): Promise<boolean>;
}

/** In-process LRU: bounded, oldest entries evicted first; enough for one app replica. */
export class MemoryReplayCache implements ReplayCache {
  // A Map iterates in insertion order, which makes it an LRU when entries are re-inserted on touch.
  readonly #entries = new Map<string, number>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  async remember(key: string, expiresAt: number, now: number): Promise<boolean> {
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing > now) return false;
    this.#entries.delete(key);
    this.#entries.set(key, expiresAt);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return true;
  }
}
