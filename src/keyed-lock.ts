/**
 * Runs work for one key at a time. Ferry keys it by (config repo, environment, app) so two builds
 * cannot interleave their read-decide-write, and by environment for agent reports. In-process
 * (`MemoryKeyedLock`) for one replica; across replicas `RedisKeyedLock` (src/redis-lock.ts).
 */
export interface KeyedLock {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** One process: work for the same key runs one at a time, in arrival order. */
export class MemoryKeyedLock implements KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  /** Keys with work queued or running; a drained key is forgotten. */
  get busyKeys(): number {
    return this.#tails.size;
  }
}
