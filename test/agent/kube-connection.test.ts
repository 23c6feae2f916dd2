import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createKubeClient, KubeConfigError } from "../../src/agent/kube.js";
import { inClusterConnection, kubeconfigConnection } from "../../src/agent/kube-connection.js";
import { watchedResources } from "../../src/agent/resources.js";
import { argo, argoApplication, sha } from "../support/kube/fixtures.js";
import { KubeTestServer, resources } from "../support/kube/server.js";
import { waitFor } from "./helpers.js";

const cluster = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
const files: Record<string, string> = {
  "/sa/token": "service-account-token\n",
  "/sa/ca.crt": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
};
const inCluster = (env: Record<string, string>, present = files) =>
  inClusterConnection({
    env,
    dir: "/sa",
    exists: (p) => p in present,
    read: (p) => {
      const text = present[p];
      if (text === undefined) throw new Error(`ENOENT ${p}`);
      return text;
    },
  });

describe("connecting to the API server", () => {
  let server: KubeTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("in a pod: the service's address, the mounted CA, and the token as a bearer", async () => {
    const connection = inCluster(cluster);
    expect(connection.server).toBe("https://10.96.0.1:443");
    expect((await connection.setup()).headers).toEqual({ authorization: "Bearer service-account-token" });
    expect(inCluster({ ...cluster, KUBERNETES_SERVICE_HOST: "fd00::1" }).server).toBe(
      "https://[fd00::1]:443",
    );
  });

  it.each([
    [{}, files, /not running in a Kubernetes cluster .* set KUBECONFIG/],
    [
      cluster,
      {},
      /no service account token at \/sa\/token; mount one \(automountServiceAccountToken\) or set KUBECONFIG/,
    ],
  ])("refuses to start, saying why, with env %o", (env, present, message) => {
    expect(() => inCluster(env as Record<string, string>, present)).toThrow(KubeConfigError);
    expect(() => inCluster(env as Record<string, string>, present)).toThrow(message);
  });

  it("never falls back to localhost outside a cluster without a kubeconfig", () => {
    expect(() => createKubeClient(undefined, {}, () => false)).toThrow(/not running in a Kubernetes cluster/);
  });

  it.each([
    [
      "names no cluster",
      "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
      /KUBECONFIG names no cluster for its current context ""/,
    ],
    ["is not YAML", "clusters: [\n", /KUBECONFIG is not a kubeconfig/],
    [
      "has a server that is not a URL",
      stringify({
        "current-context": "c",
        contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
        clusters: [{ name: "k", cluster: { server: "api.example.com:6443" } }],
        users: [{ name: "u", user: {} }],
      }),
      /the API server "api.example.com:6443" is not a URL/,
    ],
  ])("refuses a kubeconfig that %s", (_name, text, message) => {
    expect(() => kubeconfigConnection(text)).toThrow(KubeConfigError);
    expect(() => kubeconfigConnection(text)).toThrow(message);
  });

  it("reads a YAML kubeconfig: token, token file or basic auth", async () => {
    server = await KubeTestServer.start();
    const config = JSON.parse(server.kubeconfig());
    const withUser = (user: Record<string, unknown>) =>
      stringify({ ...config, users: [{ name: "test", user }] });
    const read = (path: string) => Buffer.from(path === "/run/token" ? "from-file\n" : "");
    expect((await kubeconfigConnection(withUser({ token: "t0k" })).setup()).headers).toEqual({
      authorization: "Bearer t0k",
    });
    expect((await kubeconfigConnection(withUser({ tokenFile: "/run/token" }), read).setup()).headers).toEqual(
      {
        authorization: "Bearer from-file",
      },
    );
    expect((await kubeconfigConnection(withUser({ username: "a", password: "b" })).setup()).headers).toEqual({
      authorization: `Basic ${Buffer.from("a:b").toString("base64")}`,
    });

    // and lists and watches through it
    server.upsert(resources.applications, argoApplication({ name: "api", status: argo.healthy(sha(1)) }));
    const informer = createKubeClient(withUser({ token: "t0k" })).informer(watchedResources.applications);
    const names: string[] = [];
    informer.on("add", (o) => names.push(o.metadata?.name ?? ""));
    await informer.start();
    await waitFor(() => names.includes("api"), "the Application");
    await informer.stop();
  });
});
