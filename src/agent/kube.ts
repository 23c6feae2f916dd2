/**
 * The agent's only door to the Kubernetes API: informers and the Lease API, over plain HTTP(S)
 * (kube-connection.ts says why not @kubernetes/client-node).
 */
import { existsSync } from "node:fs";
import { inClusterConnection, type KubeConnection, kubeconfigConnection } from "./kube-connection.js";
import { KubeError, kubeHttp } from "./kube-http.js";
import { ListWatch } from "./list-watch.js";
import type { WatchedResource } from "./resources.js";
import { strip } from "./strip.js";

/** An object as the informer delivers it: plain JSON, typed loosely on purpose. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
}

export type InformerEvent = "add" | "update" | "delete";

/** The informer the agent uses: list-then-watch, relist on 410, `error` and stop on anything else. */
export interface ObjectInformer {
  on(event: InformerEvent, cb: (obj: KubeObject) => void): void;
  on(event: "error" | "connect", cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): KubeObject[];
}

/** A coordination.k8s.io/v1 Lease, reduced to what leader election needs. */
export interface LeaseRecord {
  holder: string;
  durationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  transitions: number;
  resourceVersion?: string;
}

export interface LeaseClient {
  get(namespace: string, name: string): Promise<LeaseRecord | undefined>;
  /** Resolves "conflict" when someone else created it first. */
  create(namespace: string, name: string, lease: LeaseRecord): Promise<LeaseRecord | "conflict">;
  /** Optimistic update: resolves "conflict" (HTTP 409) when resourceVersion is stale. */
  update(namespace: string, name: string, lease: LeaseRecord): Promise<LeaseRecord | "conflict">;
}

export interface KubeClient {
  informer(resource: WatchedResource): ObjectInformer;
  leases: LeaseClient;
}

export { KubeConfigError } from "./kube-connection.js";

/**
 * Builds the client from kubeconfig contents, or from the pod's service account when none is
 * given. Never a silent fallback to localhost: a KubeConfigError says what is missing (outside a
 * cluster, no token, a kubeconfig that names no cluster). Informers keep only what the agent
 * reads of each object (strip.ts), applied as objects arrive.
 */
export function createKubeClient(
  kubeconfig?: string,
  env: Record<string, string | undefined> = process.env,
  tokenExists: (path: string) => boolean = existsSync,
): KubeClient {
  const connection: KubeConnection =
    kubeconfig === undefined
      ? inClusterConnection({ env, exists: tokenExists })
      : kubeconfigConnection(kubeconfig);
  const http = kubeHttp(connection);
  const leasePath = (namespace: string, name?: string) =>
    `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;
  const conflict = (error: unknown, code: number) => error instanceof KubeError && error.statusCode === code;
  return {
    informer(resource) {
      return new ListWatch({
        http,
        path: `/apis/${resource.group}/${resource.version}/${resource.plural}`,
        transform: (obj) => strip(resource.kind, obj),
      });
    },
    leases: {
      async get(namespace, name) {
        try {
          return fromLease(await http.json<Lease>("GET", leasePath(namespace, name)));
        } catch (error) {
          if (conflict(error, 404)) return undefined;
          throw error;
        }
      },
      async create(namespace, name, lease) {
        try {
          return fromLease(
            await http.json<Lease>("POST", leasePath(namespace), toLease(namespace, name, lease)),
          );
        } catch (error) {
          if (conflict(error, 409)) return "conflict";
          throw error;
        }
      },
      async update(namespace, name, lease) {
        try {
          return fromLease(
            await http.json<Lease>("PUT", leasePath(namespace, name), toLease(namespace, name, lease)),
          );
        } catch (error) {
          if (conflict(error, 409)) return "conflict";
          throw error;
        }
      },
    },
  };
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, as the API server parses it. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function toLease(namespace: string, name: string, lease: LeaseRecord): Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      namespace,
      ...(lease.resourceVersion ? { resourceVersion: lease.resourceVersion } : {}),
    },
    spec: {
      holderIdentity: lease.holder,
      leaseDurationSeconds: lease.durationSeconds,
      leaseTransitions: lease.transitions,
      ...(lease.acquireTime ? { acquireTime: microTime(lease.acquireTime) } : {}),
      ...(lease.renewTime ? { renewTime: microTime(lease.renewTime) } : {}),
    },
  };
}

function fromLease(lease: Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holder: spec.holderIdentity ?? "",
    durationSeconds: spec.leaseDurationSeconds ?? 0,
    transitions: spec.leaseTransitions ?? 0,
    ...(spec.acquireTime ? { acquireTime: new Date(spec.acquireTime) } : {}),
    ...(spec.renewTime ? { renewTime: new Date(spec.renewTime) } : {}),
    ...(lease.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
  };
}
