/**
 * Runs work for the same key one at a time, in arrival order, within this process. Ferry keys
 * it by (config repo, environment, app) so two builds delivered together cannot interleave
 * their read-decide-write; across replicas the commit's `expectedHeadOid` catches the rest.
 */
export class KeyedLock {
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
