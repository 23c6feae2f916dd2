import { afterEach, describe, expect, it } from "vitest";
import { createKubeClient, type KubeObject, type ObjectInformer } from "../../src/agent/kube.js";
import { watchedResources } from "../../src/agent/resources.js";
import { argo, argoApplication, sha } from "../support/kube/fixtures.js";
import { KubeTestServer, resources } from "../support/kube/server.js";
import { waitFor } from "./helpers.js";

/** The test server against the agent's informer (list-watch.ts) and Lease client. */
describe("Kubernetes API test server with the agent's informers", () => {
  let server: KubeTestServer;
  let informer: ObjectInformer | undefined;
  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
    await server.close();
  });

  async function watchApplications(gone: "http" | "event" = "http") {
    server = await KubeTestServer.start({ gone });
    server.upsert(resources.applications, argoApplication({ name: "api", status: argo.syncing(sha(1)) }));
    server.upsert(resources.applications, argoApplication({ name: "web", status: argo.healthy(sha(1)) }));
    const events: string[] = [];
    const errors: unknown[] = [];
    informer = createKubeClient(server.kubeconfig()).informer(watchedResources.applications);
    const record = (verb: string) => (o: KubeObject) => events.push(`${verb} ${o.metadata?.name}`);
    informer.on("add", record("add"));
    informer.on("update", record("update"));
    informer.on("delete", record("delete"));
    informer.on("error", (err) => errors.push(err));
    await informer.start();
    await waitFor(() => server.watchCount(resources.applications) === 1, "watch");
    return { events, errors, informer };
  }

  it("lists, then watches from the list's resourceVersion", async () => {
    const { events } = await watchApplications();
    expect(events).toEqual(["add api", "add web"]);
    server.patchStatus(resources.applications, "argocd", "api", argo.healthy(sha(1)));
    server.delete(resources.applications, "argocd", "web");
    await waitFor(() => events.length === 4, "two watch events");
    expect(events.slice(2)).toEqual(["update api", "delete web"]);
    const watch = server.requests.find((r) => r.watch);
    expect(watch?.query).toMatchObject({ watch: "true", resourceVersion: "2" });
  });

  it("resumes a dropped watch from the last resourceVersion without relisting", async () => {
    const { events } = await watchApplications();
    server.partition();
    server.patchStatus(resources.applications, "argocd", "api", argo.healthy(sha(1)));
    server.heal();
    await waitFor(() => events.includes("update api"), "missed event replayed from history");
    expect(server.requests.filter((r) => !r.watch && r.method === "GET")).toHaveLength(1);
  });

  it.each(["http", "event"] as const)(
    "relists after 410 Gone (%s) and deletes vanished objects",
    async (gone) => {
      const { events, errors } = await watchApplications(gone);
      server.partition();
      server.delete(resources.applications, "argocd", "web");
      server.upsert(resources.applications, argoApplication({ name: "new", status: argo.syncing(sha(2)) }));
      server.heal({ expire: true });
      await waitFor(() => events.includes("delete web") && events.includes("add new"), "relist");
      const watches = server.requests.filter((r) => r.watch);
      expect(
        watches.some(
          (r) => (gone === "http" ? r.status === 410 : r.status === 200) && r.query.resourceVersion !== "",
        ),
      ).toBe(true);
      expect(server.requests.filter((r) => !r.watch && r.method === "GET")).toHaveLength(2);
      expect(errors).toEqual([]);
    },
  );

  it("stops the informer on a 500 (the supervisor restarts it)", async () => {
    const { errors } = await watchApplications();
    server.failNext({ status: 500, match: (r) => r.path.includes("applications") });
    server.dropAllWatches();
    await waitFor(() => errors.length === 1, "ERROR");
    expect((errors[0] as { statusCode?: number }).statusCode).toBe(500);
  });

  it("lists in pages, and starts over when a continue token has expired", async () => {
    server = await KubeTestServer.start();
    for (let i = 0; i < 120; i++) {
      server.upsert(resources.applications, argoApplication({ name: `app-${String(i).padStart(3, "0")}` }));
    }
    server.expireNextContinue();
    informer = createKubeClient(server.kubeconfig()).informer(watchedResources.applications);
    const added: string[] = [];
    informer.on("add", (o) => added.push(o.metadata?.name ?? ""));
    await informer.start();
    await waitFor(() => server.watchCount(resources.applications) === 1, "watch");
    const lists = server.requests.filter((r) => !r.watch);
    // page 1, page 2 refused (410 Expired), then pages 1, 2 and 3 of a fresh list
    expect(lists.map((r) => [r.status, r.query.limit, r.query.continue === undefined])).toEqual([
      [200, "50", true],
      [410, "50", false],
      [200, "50", true],
      [200, "50", false],
      [200, "50", false],
    ]);
    expect(added).toHaveLength(120);
    expect(new Set(added).size).toBe(120);
    expect(informer.list()).toHaveLength(120);
  });

  it("keeps only what the agent reads of each object", async () => {
    const { informer } = await watchApplications();
    const [api] = informer.list();
    expect(api?.metadata).toEqual({ name: "api", namespace: "argocd", resourceVersion: "1", generation: 1 });
    expect(api?.spec).toEqual({ source: { repoURL: "https://github.com/acme/deploy.git" } });
    expect(Object.keys(api?.status as object).sort()).toEqual(["health", "operationState", "sync"]);
  });

  it("keeps objects and history across a restart on the same port", async () => {
    server = await KubeTestServer.start();
    server.upsert(resources.applications, argoApplication({ name: "api" }));
    const url = server.url;
    await server.restart();
    expect(server.url).toBe(url);
    const list = (await (await fetch(`${url}/apis/argoproj.io/v1alpha1/applications`)).json()) as {
      items: unknown[];
    };
    expect(list.items).toHaveLength(1);
  });

  it("sends bookmarks to watches that ask for them", async () => {
    server = await KubeTestServer.start();
    server.upsert(resources.applications, argoApplication({ name: "api" }));
    const abort = new AbortController();
    const res = await fetch(
      `${server.url}/apis/argoproj.io/v1alpha1/applications?watch=true&resourceVersion=1&allowWatchBookmarks=true`,
      { signal: abort.signal },
    );
    server.sendBookmarks();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const { value } = await reader.read();
    abort.abort();
    const event = JSON.parse(new TextDecoder().decode(value).trim()) as { type: string; object: KubeObject };
    expect(event).toMatchObject({
      type: "BOOKMARK",
      object: { kind: "Application", metadata: { resourceVersion: "1" } },
    });
  });

  it("updates leases optimistically: a stale resourceVersion is 409 Conflict", async () => {
    server = await KubeTestServer.start();
    const { leases } = createKubeClient(server.kubeconfig());
    expect(await leases.get("ferry", "ferry-agent")).toBeUndefined();
    const created = await leases.create("ferry", "ferry-agent", {
      holder: "a",
      durationSeconds: 15,
      transitions: 0,
    });
    if (created === "conflict") throw new Error("conflict");
    expect(
      await leases.create("ferry", "ferry-agent", { holder: "b", durationSeconds: 15, transitions: 0 }),
    ).toBe("conflict");
    const renewed = await leases.update("ferry", "ferry-agent", { ...created, renewTime: new Date() });
    expect(renewed).not.toBe("conflict");
    expect(await leases.update("ferry", "ferry-agent", { ...created, holder: "b" })).toBe("conflict");
    expect((await leases.get("ferry", "ferry-agent"))?.holder).toBe("a");
  });
});
