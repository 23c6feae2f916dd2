import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A served resource type; any group/version/plural works, these are the ones Ferry uses. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const resources = {
  applications: {
    group: "argoproj.io",
    version: "v1alpha1",
    plural: "applications",
    kind: "Application",
    namespaced: true,
  },
  kustomizations: {
    group: "kustomize.toolkit.fluxcd.io",
    version: "v1",
    plural: "kustomizations",
    kind: "Kustomization",
    namespaced: true,
  },
  helmReleases: {
    group: "helm.toolkit.fluxcd.io",
    version: "v2",
    plural: "helmreleases",
    kind: "HelmRelease",
    namespaced: true,
  },
  ociRepositories: {
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "ocirepositories",
    kind: "OCIRepository",
    namespaced: true,
  },
  externalArtifacts: {
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "externalartifacts",
    kind: "ExternalArtifact",
    namespaced: true,
  },
  leases: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true },
} satisfies Record<string, ResourceType>;

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  watch: boolean;
}

export interface KubeTestServerOptions {
  /** Events kept per resource type for watches that resume from a resourceVersion. */
  historyLimit?: number;
  /** Send a BOOKMARK this often to watches that asked with allowWatchBookmarks=true. */
  bookmarkIntervalMs?: number;
  /** How a too-old resourceVersion is refused: HTTP 410, or a 200 stream with an ERROR event (code 410). */
  gone?: "http" | "event";
}

interface Watcher {
  key: string;
  namespace: string | undefined;
  selector: [string, string][];
  bookmarks: boolean;
  res: ServerResponse;
  timers: NodeJS.Timeout[];
}

interface Failure {
  status: number;
  remaining: number;
  match: ((entry: { method: string; path: string }) => boolean) | undefined;
}

interface HistoryEvent {
  rv: number;
  type: WatchEventType;
  object: KubeObject;
}

interface Store {
  type: ResourceType;
  objects: Map<string, KubeObject>;
  history: HistoryEvent[];
  /** Events at or below this resourceVersion may be missing from history: resuming below it is 410. */
  compactedRv: number;
}

/**
 * A Kubernetes API server in miniature, over real HTTP, for the real @kubernetes/client-node:
 * list and watch with resourceVersion, bookmarks, 410 Gone, optimistic concurrency on PUT, and
 * controls to inject the faults an informer must survive. State survives `restart()`.
 */
export class KubeTestServer {
  readonly requests: RequestLogEntry[] = [];
  /** Watch events written to clients, for benchmarks. */
  eventsSent = 0;
  gone: "http" | "event";
  #server: Server | undefined;
  #port = 0;
  #rv = 0;
  readonly #stores = new Map<string, Store>();
  readonly #watchers = new Set<Watcher>();
  readonly #sockets = new Set<Socket>();
  readonly #failures: Failure[] = [];
  #partitioned = new Set<Watcher>();
  readonly #historyLimit: number;
  readonly #bookmarkIntervalMs: number | undefined;
  #expireContinue = false;
  readonly #unserved = new Set<string>();
  readonly #snapshots = new Map<number, { rv: number; items: KubeObject[] }>();
  #snapshotSeq = 0;

  private constructor(options: KubeTestServerOptions) {
    this.#historyLimit = options.historyLimit ?? 10_000;
    this.#bookmarkIntervalMs = options.bookmarkIntervalMs;
    this.gone = options.gone ?? "http";
  }

  static async start(options: KubeTestServerOptions = {}): Promise<KubeTestServer> {
    const server = new KubeTestServer(options);
    await server.#listen(0);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** A kubeconfig (JSON, which is YAML) for this server, as client-node's loadFromString takes it. */
  kubeconfig(): string {
    return JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: { server: this.url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "test", user: { token: "test-token" } }],
      contexts: [{ name: "test", context: { cluster: "test", user: "test" } }],
      "current-context": "test",
    });
  }

  /** Creates or replaces an object (spec changes bump metadata.generation) and notifies watches. */
  upsert(type: ResourceType, object: KubeObject): KubeObject {
    const store = this.#store(type);
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const existing = store.objects.get(key);
    const next = clone(object);
    next.apiVersion = apiVersion(type);
    next.kind = type.kind;
    next.metadata.uid = existing?.metadata.uid ?? `uid-${type.plural}-${key}`;
    next.metadata.creationTimestamp = existing?.metadata.creationTimestamp ?? new Date().toISOString();
    const specChanged = existing === undefined || JSON.stringify(existing.spec) !== JSON.stringify(next.spec);
    next.metadata.generation = (existing?.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    return this.#commit(store, key, next, existing === undefined ? "ADDED" : "MODIFIED");
  }

  /** Replaces `.status` as a controller would, through the status subresource (generation unchanged). */
  patchStatus(type: ResourceType, namespace: string | undefined, name: string, status: unknown): KubeObject {
    const store = this.#store(type);
    const key = objectKey(namespace, name);
    const existing = store.objects.get(key);
    if (existing === undefined) throw new Error(`no ${type.plural} ${key}`);
    const next = clone(existing);
    next.status = clone(status);
    return this.#commit(store, key, next, "MODIFIED");
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): void {
    const store = this.#store(type);
    const key = objectKey(namespace, name);
    const existing = store.objects.get(key);
    if (existing === undefined) return;
    store.objects.delete(key);
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(++this.#rv);
    this.#record(store, "DELETED", gone);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#store(type).objects.get(objectKey(namespace, name));
    return found === undefined ? undefined : clone(found);
  }

  list(type: ResourceType): KubeObject[] {
    return [...this.#store(type).objects.values()].map(clone);
  }

  /** Ends every watch stream mid-flight, as a load balancer or apiserver shutdown would. */
  dropAllWatches(): void {
    for (const w of [...this.#watchers]) this.#endWatch(w);
  }

  /**
   * Simulates a network partition: open watches silently stop receiving events (they are lost to
   * them) until `heal()`, which breaks those connections so clients resume from their last
   * resourceVersion — or get 410 Gone if `expire` compacted the history meanwhile.
   */
  partition(): void {
    this.#partitioned = new Set(this.#watchers);
  }

  heal({ expire = false } = {}): void {
    if (expire) this.expireHistory();
    const cut = this.#partitioned;
    this.#partitioned = new Set();
    for (const w of cut) if (this.#watchers.has(w)) this.#endWatch(w);
  }

  /** Forgets all history: resuming a watch from any resourceVersion seen so far answers 410 Gone. */
  expireHistory(): void {
    this.#rv += 1;
    for (const store of this.#stores.values()) {
      store.history = [];
      store.compactedRv = this.#rv;
    }
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. */
  sendBookmarks(): void {
    for (const w of this.#watchers) if (w.bookmarks) this.#bookmark(w);
  }

  /** The next `count` requests matching `match` (default: any) answer `status` (default 500). */
  failNext(options: { status?: number; count?: number; match?: Failure["match"] } = {}): void {
    this.#failures.push({
      status: options.status ?? 500,
      remaining: options.count ?? 1,
      match: options.match,
    });
  }

  /** Number of open watch streams, optionally for one resource type. */
  watchCount(type?: ResourceType): number {
    const key = type === undefined ? undefined : storeKey(type);
    return [...this.#watchers].filter((w) => key === undefined || w.key === key).length;
  }

  /** Closes every connection and reopens on the same port after `downMs`; objects and history survive. */
  async restart(downMs = 0): Promise<void> {
    const port = this.#port;
    await this.close();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.#listen(port);
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    this.dropAllWatches();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #listen(port: number): Promise<void> {
    const server = createServer((req, res) => this.#handle(req, res));
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  #store(type: ResourceType): Store {
    const key = storeKey(type);
    let store = this.#stores.get(key);
    if (store === undefined) {
      store = { type, objects: new Map(), history: [], compactedRv: 0 };
      this.#stores.set(key, store);
    }
    return store;
  }

  #commit(store: Store, key: string, object: KubeObject, type: WatchEventType): KubeObject {
    object.metadata.resourceVersion = String(++this.#rv);
    store.objects.set(key, object);
    this.#record(store, type, object);
    return clone(object);
  }

  #record(store: Store, type: WatchEventType, object: KubeObject): void {
    const rv = Number(object.metadata.resourceVersion);
    store.history.push({ rv, type, object });
    if (store.history.length > this.#historyLimit) {
      const dropped = store.history.splice(0, store.history.length - this.#historyLimit);
      store.compactedRv = dropped.at(-1)?.rv ?? store.compactedRv;
    }
    const key = storeKey(store.type);
    const line = `${JSON.stringify({ type, object })}\n`;
    for (const w of this.#watchers) {
      if (w.key === key && matches(w, object)) this.#write(w, line);
    }
  }

  #write(w: Watcher, line: string): void {
    if (this.#partitioned.has(w)) return;
    this.eventsSent += 1;
    w.res.write(line);
  }

  #bookmark(w: Watcher): void {
    const store = this.#stores.get(w.key);
    const type = store?.type;
    this.#write(
      w,
      `${JSON.stringify({
        type: "BOOKMARK",
        object: {
          apiVersion: type ? apiVersion(type) : "v1",
          kind: type?.kind ?? "Unknown",
          metadata: { resourceVersion: String(this.#rv) },
        },
      })}\n`,
    );
  }

  #endWatch(w: Watcher): void {
    for (const t of w.timers) clearInterval(t);
    this.#watchers.delete(w);
    w.res.end();
    // Ending is not enough for a client mid-read: destroy so the stream closes now.
    w.res.socket?.destroy();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? "GET";
    const watch = query.watch === "true" || query.watch === "1";
    const entry: RequestLogEntry = { method, path: url.pathname, query, status: 0, watch };
    this.requests.push(entry);
    const send = (status: number, body: unknown) => {
      entry.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      });
      res.end(text);
    };

    const failure = this.#failures.find(
      (f) => f.remaining > 0 && (f.match?.({ method, path: url.pathname }) ?? true),
    );
    if (failure !== undefined) {
      failure.remaining -= 1;
      if (failure.remaining === 0) this.#failures.splice(this.#failures.indexOf(failure), 1);
      send(failure.status, statusBody(failure.status, "InternalError", "injected failure"));
      return;
    }

    const route = parsePath(url.pathname);
    if (route === undefined) {
      send(
        404,
        statusBody(404, "NotFound", `the server could not find the requested resource (${url.pathname})`),
      );
      return;
    }
    const type = this.#typeFor(route);
    if (this.#unserved.has(storeKey(type))) {
      send(404, statusBody(404, "NotFound", "the server could not find the requested resource"));
      return;
    }
    const store = this.#store(type);

    if (method === "GET" && route.name === undefined) {
      if (watch) this.#watch(store, route.namespace, query, res, entry);
      else this.#list(store, route.namespace, query, send);
      return;
    }

    readBody(req).then((text) => {
      const key = objectKey(route.namespace, route.name ?? "");
      const existing = store.objects.get(key);
      const what = `${type.plural}.${type.group} "${route.name ?? ""}"`;
      if (method === "GET") {
        if (existing === undefined) send(404, statusBody(404, "NotFound", `${what} not found`));
        else send(200, existing);
        return;
      }
      if (method === "DELETE") {
        if (existing === undefined) send(404, statusBody(404, "NotFound", `${what} not found`));
        else {
          this.delete(type, route.namespace, existing.metadata.name);
          send(200, statusBody(200, "", "deleted"));
        }
        return;
      }
      let body: KubeObject;
      try {
        body = JSON.parse(text) as KubeObject;
      } catch {
        send(400, statusBody(400, "BadRequest", "body is not JSON"));
        return;
      }
      if (method === "POST" && route.name === undefined) {
        const name = body.metadata?.name;
        if (name === undefined) return send(422, statusBody(422, "Invalid", "metadata.name is required"));
        if (store.objects.has(objectKey(route.namespace, name))) {
          return send(
            409,
            statusBody(409, "AlreadyExists", `${type.plural}.${type.group} "${name}" already exists`),
          );
        }
        body.metadata.namespace = route.namespace;
        delete body.metadata.resourceVersion;
        return send(201, this.upsert(type, body));
      }
      if (method === "PUT" && route.name !== undefined) {
        if (existing === undefined) return send(404, statusBody(404, "NotFound", `${what} not found`));
        const presented = body.metadata?.resourceVersion;
        if (presented !== undefined && presented !== existing.metadata.resourceVersion) {
          return send(
            409,
            statusBody(
              409,
              "Conflict",
              `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`,
            ),
          );
        }
        body.metadata.namespace = route.namespace;
        if (route.subresource === "status")
          return send(200, this.patchStatus(type, route.namespace, route.name, body.status));
        return send(200, this.upsert(type, body));
      }
      send(405, statusBody(405, "MethodNotAllowed", `${method} is not supported here`));
    });
  }

  #watch(
    store: Store,
    namespace: string | undefined,
    query: Record<string, string>,
    res: ServerResponse,
    entry: RequestLogEntry,
  ): void {
    const from = query.resourceVersion ?? "";
    const fromRv = from === "" || from === "0" ? undefined : Number(from);
    if (fromRv !== undefined && (Number.isNaN(fromRv) || fromRv < store.compactedRv)) {
      const message = `too old resource version: ${from} (${store.compactedRv})`;
      if (this.gone === "http") {
        entry.status = 410;
        const text = JSON.stringify(statusBody(410, "Expired", message));
        res.writeHead(410, { "content-type": "application/json" });
        res.end(text);
      } else {
        entry.status = 200;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`${JSON.stringify({ type: "ERROR", object: statusBody(410, "Expired", message) })}\n`);
      }
      return;
    }
    entry.status = 200;
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const watcher: Watcher = {
      key: storeKey(store.type),
      namespace,
      selector: parseSelector(query.labelSelector),
      bookmarks: query.allowWatchBookmarks === "true",
      res,
      timers: [],
    };
    // Catch up first (synchronously, so no live event can interleave), then go live.
    if (fromRv === undefined) {
      for (const object of this.#select(store, namespace, query.labelSelector)) {
        this.#write(watcher, `${JSON.stringify({ type: "ADDED", object })}\n`);
      }
    } else {
      for (const event of store.history) {
        if (event.rv > fromRv && matches(watcher, event.object)) {
          this.#write(watcher, `${JSON.stringify({ type: event.type, object: event.object })}\n`);
        }
      }
    }
    this.#watchers.add(watcher);
    if (watcher.bookmarks && this.#bookmarkIntervalMs !== undefined) {
      watcher.timers.push(setInterval(() => this.#bookmark(watcher), this.#bookmarkIntervalMs));
    }
    const timeout = Number(query.timeoutSeconds);
    if (timeout > 0) watcher.timers.push(setTimeout(() => this.#endWatch(watcher), timeout * 1000));
    res.on("close", () => {
      for (const t of watcher.timers) clearInterval(t);
      this.#watchers.delete(watcher);
    });
  }

  /**
   * A list, in pages when asked (`limit`, then `continue`): every page is of the snapshot the first
   * one was taken at, as the API server serves it from etcd. A token whose snapshot is gone (only
   * the last few are kept, or `expireNextContinue()`) answers 410 Expired: list again from the start.
   */
  #list(
    store: Store,
    namespace: string | undefined,
    query: Record<string, string>,
    send: (status: number, body: unknown) => void,
  ): void {
    const limit = Number(query.limit ?? 0);
    let snapshot: { rv: number; items: KubeObject[] } | undefined;
    let from = 0;
    if (query.continue) {
      const token = JSON.parse(Buffer.from(query.continue, "base64url").toString("utf8")) as {
        id: number;
        from: number;
      };
      snapshot = this.#expireContinue ? undefined : this.#snapshots.get(token.id);
      this.#expireContinue = false;
      if (snapshot === undefined) {
        send(
          410,
          statusBody(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
          ),
        );
        return;
      }
      from = token.from;
    } else {
      const items = this.#select(store, namespace, query.labelSelector).sort((a, b) =>
        keyOfObject(a).localeCompare(keyOfObject(b)),
      );
      snapshot = { rv: this.#rv, items };
    }
    const items = limit > 0 ? snapshot.items.slice(from, from + limit) : snapshot.items.slice(from);
    const next = from + items.length;
    let token: string | undefined;
    if (next < snapshot.items.length) {
      const id = ++this.#snapshotSeq;
      this.#snapshots.set(id, snapshot);
      for (const old of this.#snapshots.keys()) if (this.#snapshots.size > 8) this.#snapshots.delete(old);
      token = Buffer.from(JSON.stringify({ id, from: next })).toString("base64url");
    }
    send(200, {
      apiVersion: apiVersion(store.type),
      kind: `${store.type.kind}List`,
      metadata: {
        resourceVersion: String(snapshot.rv),
        ...(token === undefined ? {} : { continue: token, remainingItemCount: snapshot.items.length - next }),
      },
      items,
    });
  }

  /** Requests for this resource answer 404, as an API server without its CRD does; `serve` undoes it. */
  unserve(type: ResourceType): void {
    this.#unserved.add(storeKey(type));
  }

  serve(type: ResourceType): void {
    this.#unserved.delete(storeKey(type));
  }

  /** The next paged list's continue token answers 410 Expired (a compacted snapshot). */
  expireNextContinue(): void {
    this.#expireContinue = true;
  }

  #select(store: Store, namespace: string | undefined, labelSelector: string | undefined): KubeObject[] {
    const w = { namespace, selector: parseSelector(labelSelector) };
    return [...store.objects.values()].filter((o) => matches(w, o));
  }

  #typeFor(route: Route): ResourceType {
    const known = Object.values(resources).find(
      (r) => r.group === route.group && r.version === route.version && r.plural === route.plural,
    );
    if (known !== undefined) return known;
    const existing = this.#stores.get(`${route.group}/${route.version}/${route.plural}`);
    if (existing !== undefined) return existing.type;
    const singular = route.plural.replace(/s$/, "");
    return {
      group: route.group,
      version: route.version,
      plural: route.plural,
      kind: singular.charAt(0).toUpperCase() + singular.slice(1),
      namespaced: route.namespace !== undefined,
    };
  }
}

interface Route {
  group: string;
  version: string;
  plural: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

function parsePath(path: string): Route | undefined {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    rest = parts.slice(1);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1] ?? "";
    rest = parts.slice(2);
  } else return undefined;
  const [version, ...tail] = rest;
  if (version === undefined) return undefined;
  let namespace: string | undefined;
  if (tail[0] === "namespaces" && tail.length >= 3) {
    namespace = tail[1];
    tail.splice(0, 2);
  }
  const [plural, name, subresource] = tail;
  if (plural === undefined || tail.length > 3) return undefined;
  return { group, version, plural, namespace, name, subresource };
}

function parseSelector(selector: string | undefined): [string, string][] {
  if (!selector) return [];
  return selector.split(",").map((term) => {
    const [k = "", v = ""] = term.split("=").filter((p) => p !== "");
    return [k.trim(), v.trim()];
  });
}

function matches(w: { namespace: string | undefined; selector: [string, string][] }, o: KubeObject): boolean {
  if (w.namespace !== undefined && o.metadata.namespace !== w.namespace) return false;
  return w.selector.every(([k, v]) => o.metadata.labels?.[k] === v);
}

function storeKey(type: ResourceType): string {
  return `${type.group}/${type.version}/${type.plural}`;
}

function apiVersion(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

function keyOfObject(o: KubeObject): string {
  return objectKey(o.metadata.namespace, o.metadata.name);
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: code < 400 ? "Success" : "Failure",
    message,
    reason,
    code,
  };
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
