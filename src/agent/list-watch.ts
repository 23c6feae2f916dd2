/**
 * List, then watch from the list's resourceVersion, keeping a cache of transformed objects: the
 * semantics of client-go's reflector and client-node's ListWatch, with two differences that keep
 * the agent small. Lists come in pages (`limit`/`continue`), so a cluster's worth of objects is
 * never one response in memory; and each object is transformed (stripped) as it arrives, so only
 * what the agent reads is ever kept.
 *
 * A closed stream re-watches from the last resourceVersion (bookmarks keep it fresh); 410 Gone,
 * as HTTP status or ERROR event, relists and emits `delete` for objects that vanished meanwhile.
 * Any other failure emits `error` and stops; the supervisor restarts it with backoff, resuming
 * from the last resourceVersion.
 */
import type { InformerEvent, KubeObject, ObjectInformer } from "./kube.js";
import { KubeError, type KubeHttp, type WatchStream } from "./kube-http.js";

export interface ListWatchOptions {
  http: KubeHttp;
  /** Collection path, e.g. /apis/argoproj.io/v1alpha1/applications. */
  path: string;
  /** Applied to each object as it arrives; only its result is kept. */
  transform?: (obj: KubeObject) => KubeObject;
  /** Objects per list page (default 50; client-go lists 500 at a time, smaller pages keep the peak low). */
  pageSize?: number;
  /** Server-side timeout of one watch request, in seconds (default 5–10 min, random as client-go). */
  watchTimeoutSeconds?: () => number;
}

interface ListPage {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

interface WatchEvent {
  type?: string;
  object?: KubeObject & { code?: number; message?: string; reason?: string };
}

type Handler = (arg?: unknown) => void;

export class ListWatch implements ObjectInformer {
  readonly #http: KubeHttp;
  readonly #path: string;
  readonly #transform: (obj: KubeObject) => KubeObject;
  readonly #pageSize: number;
  readonly #watchTimeout: () => number;
  readonly #handlers = new Map<string, Handler[]>();
  readonly #cache = new Map<string, KubeObject>();
  #resourceVersion: string | undefined;
  /** Bumped by every start and stop: a loop of an older run sees it and ends. */
  #run = 0;
  #running = false;
  #stream: WatchStream | undefined;
  #gone = false;
  #quickEnds = 0;

  constructor(options: ListWatchOptions) {
    this.#http = options.http;
    this.#path = options.path;
    this.#transform = options.transform ?? ((o) => o);
    this.#pageSize = options.pageSize ?? 50;
    this.#watchTimeout = options.watchTimeoutSeconds ?? (() => 300 + Math.floor(Math.random() * 300));
  }

  on(event: InformerEvent, cb: (obj: KubeObject) => void): void;
  on(event: "error" | "connect", cb: (err?: unknown) => void): void;
  on(event: string, cb: Handler | ((obj: KubeObject) => void)): void {
    const list = this.#handlers.get(event) ?? [];
    list.push(cb as Handler);
    this.#handlers.set(event, list);
  }

  list(): KubeObject[] {
    return [...this.#cache.values()];
  }

  /** Lists (unless resuming) and starts watching; a failure is emitted as `error`, not thrown. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const run = ++this.#run;
    try {
      if (this.#resourceVersion === undefined) {
        await this.#relist(run);
        if (run !== this.#run) return;
        this.#emit("connect");
      }
      void this.#watch(run);
    } catch (error) {
      this.#fail(run, error);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#run += 1;
    this.#stream?.close();
    this.#stream = undefined;
  }

  async #relist(run: number): Promise<void> {
    const seen = new Map<string, KubeObject>();
    let token: string | undefined;
    let resourceVersion: string | undefined;
    for (;;) {
      const query = `limit=${this.#pageSize}${token === undefined ? "" : `&continue=${encodeURIComponent(token)}`}`;
      let page: ListPage;
      try {
        page = await this.#http.json<ListPage>("GET", `${this.#path}?${query}`);
      } catch (error) {
        // The continue token expired (the snapshot was compacted): list again from the start.
        if (error instanceof KubeError && error.statusCode === 410 && token !== undefined) {
          seen.clear();
          token = undefined;
          continue;
        }
        throw error;
      }
      if (run !== this.#run) return;
      for (const item of page.items ?? []) {
        const obj = this.#transform(item);
        seen.set(keyOf(obj), obj);
      }
      resourceVersion = page.metadata?.resourceVersion;
      token = page.metadata?.continue || undefined;
      if (token === undefined) break;
    }

    for (const [key, old] of this.#cache) {
      if (!seen.has(key)) {
        this.#cache.delete(key);
        this.#emit("delete", old);
      }
    }
    for (const [key, obj] of seen) {
      const old = this.#cache.get(key);
      this.#cache.set(key, obj);
      if (old === undefined) this.#emit("add", obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.#emit("update", obj);
    }
    this.#resourceVersion = resourceVersion;
  }

  async #watch(run: number): Promise<void> {
    while (run === this.#run) {
      const timeout = this.#watchTimeout();
      const query = `watch=true&allowWatchBookmarks=true&timeoutSeconds=${timeout}&resourceVersion=${encodeURIComponent(this.#resourceVersion ?? "")}`;
      const started = Date.now();
      let events = 0;
      try {
        // No byte for the watch's timeout and a minute more: the connection died silently.
        this.#stream = await this.#http.stream(
          `${this.#path}?${query}`,
          (line) => {
            events += 1;
            this.#onLine(run, line);
          },
          (timeout + 60) * 1000,
        );
        if (run !== this.#run) {
          this.#stream.close();
          return;
        }
        // Listed, or watching again: the API server answers (supervisors clear their failure clock).
        this.#emit("connect");
        // An established stream that ends or breaks (timeout, a load balancer, an API server
        // rolling) is resumed at once; one that keeps closing at once, empty, is a failure.
        const ended = await this.#stream.done.then(
          () => undefined,
          (error: unknown) => error,
        );
        this.#quickEnds = events === 0 && Date.now() - started < 1000 ? this.#quickEnds + 1 : 0;
        if (this.#quickEnds >= 5) {
          this.#quickEnds = 0;
          throw ended ?? new Error(`watch ${this.#path}: closed at once, five times in a row`);
        }
      } catch (error) {
        if (error instanceof KubeError && error.statusCode === 410) this.#gone = true;
        else return this.#fail(run, error);
      }
      if (run !== this.#run) return;
      if (this.#gone) {
        this.#gone = false;
        try {
          await this.#relist(run);
        } catch (error) {
          return this.#fail(run, error);
        }
      }
    }
  }

  #onLine(run: number, line: string): void {
    if (run !== this.#run) return;
    let event: WatchEvent;
    try {
      event = JSON.parse(line) as WatchEvent;
    } catch {
      this.#fail(run, new Error(`watch ${this.#path}: a line that is not JSON`));
      return;
    }
    const obj = event.object;
    if (event.type === "ERROR") {
      if (obj?.code === 410) {
        this.#gone = true;
        this.#stream?.close();
        return;
      }
      this.#fail(
        run,
        new KubeError(obj?.code ?? 500, `watch ${this.#path}: ${obj?.message ?? "error"}`, obj?.reason),
      );
      return;
    }
    if (obj === undefined) return;
    const resourceVersion = obj.metadata?.resourceVersion;
    if (event.type === "BOOKMARK") {
      if (resourceVersion) this.#resourceVersion = resourceVersion;
      return;
    }
    const item = this.#transform(obj);
    const key = keyOf(item);
    if (event.type === "DELETED") {
      this.#cache.delete(key);
      this.#emit("delete", item);
    } else if (event.type === "ADDED" || event.type === "MODIFIED") {
      const known = this.#cache.has(key);
      this.#cache.set(key, item);
      this.#emit(known ? "update" : "add", item);
    }
    if (resourceVersion) this.#resourceVersion = resourceVersion;
  }

  #fail(run: number, error: unknown): void {
    if (run !== this.#run) return;
    this.#running = false;
    this.#run += 1;
    this.#stream?.close();
    this.#stream = undefined;
    this.#emit("error", error);
  }

  #emit(event: string, arg?: unknown): void {
    for (const handler of this.#handlers.get(event) ?? []) handler(arg);
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}
