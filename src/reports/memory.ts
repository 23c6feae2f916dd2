import type { FerryConfig } from "../config/schema.js";
import type {
  CheckConclusion,
  CheckStatus,
  CheckSubject,
  EnvironmentRecord,
  ReconcileCheck,
} from "./reconcile-check.js";
import type { Soak } from "./soak.js";

/** A bounded map that forgets the least recently used entry first. */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    for (const oldest of this.#map.keys()) {
      if (this.#map.size <= this.max) break;
      this.#map.delete(oldest);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }
}

/** `lru[key]`, else `load()` stored as a promise so concurrent callers share one request; failures are forgotten. */
export function shared<V>(lru: Lru<string, Promise<V>>, key: string, load: () => Promise<V>): Promise<V> {
  let value = lru.get(key);
  if (value === undefined) {
    value = load();
    lru.set(key, value);
    value.catch(() => lru.delete(key));
  }
  return value;
}

/** The app's view of one reconcile check run (one per environment and commit). */
export interface CheckState {
  status: CheckStatus;
  conclusion?: CheckConclusion;
  /** The verdict's title: it stays while later reports only change the table. */
  title?: string;
  startedAt: number;
  timedOut?: boolean;
  /** The run as GitHub holds it, once it does: a completed run's verdict is final, so a new verdict is a new run. */
  onGitHub?: { id: number; status: CheckStatus; conclusion?: CheckConclusion };
  /** The soak that follows success (docs/agent.md, "After the verdict"). */
  soak?: Soak;
  /** The last check decided for this commit; written by the coalescing writer. */
  pending?: ReconcileCheck;
  /** The check as last written (to rewrite it with a note). */
  last?: ReconcileCheck;
  /** Markdown appended to every write of this check's summary (the soak, what the chain did). */
  note?: string;
  /** The note says what the chain did: shown only while the check is a success. */
  noteOnlyOnSuccess?: boolean;
  /** The app and tag the merged Ferry PR brought to the commit, for the title. */
  subject?: CheckSubject;
}

/**
 * Runs writes per key one at a time, and only the latest: while one write is in flight, later
 * requests collapse into a single follow-up that writes whatever is newest by then. Every caller
 * resolves once a write started after its request has finished, so nothing is acknowledged early.
 */
export class CoalescingWriter {
  readonly #slots = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

  write(key: string, run: () => Promise<void>): Promise<void> {
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      const running = run().finally(() => this.#done(key, running));
      this.#slots.set(key, { running });
      return running;
    }
    if (slot.next === undefined) {
      const next = slot.running.catch(() => {}).then(run);
      slot.next = next;
      next.finally(() => this.#done(key, next)).catch(() => {});
    }
    return slot.next;
  }

  #done(key: string, finished: Promise<void>): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    if (slot.running === finished) {
      if (slot.next === undefined) this.#slots.delete(key);
      else this.#slots.set(key, { running: slot.next });
    }
  }
}

/**
 * What the app remembers between reports, in front of GitHub: every entry can be rebuilt from
 * GitHub (the check runs' memos, commits, PRs, issues), so a restart costs requests, not state.
 */
export class ReconcileMemory {
  /** `<repo>#<env>` → the environment's record. */
  readonly records = new Lru<string, EnvironmentRecord>(2_000);
  /** `<repo>#<env>@<sha>` → the check on that commit. */
  readonly checks = new Lru<string, CheckState>(10_000);
  /** `<repo>@<rev>` → the full commit sha, or null when the repo has no such commit (shared while in flight). */
  readonly commits = new Lru<string, Promise<string | null>>(10_000);
  /** `<repo>@<a>..<b>` → git order of two commits (see compareRevisions). */
  readonly order = new Lru<string, number | null>(10_000);
  /** `<repo>#<env>` → merge commit of the environment's latest merged Ferry PR. */
  readonly latestMerged = new Lru<string, string>(2_000);
  /** `<kind>:<repo>#<env>` → number of the open drift or health issue, or null when none is open. */
  readonly issues = new Lru<string, number | null>(4_000);
  /** `<kind>:<repo>#<env>` whose issue could not be brought up to date: retried on the next report. */
  readonly issuesDirty = new Set<string>();
  /** `<repo>` (lower case) → ferry.yml as last loaded for reports, and when. */
  readonly configs = new Lru<string, { at: number; config: Promise<FerryConfig | undefined> }>(1_000);
  readonly writes = new CoalescingWriter();
}
