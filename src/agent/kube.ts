/** The only module that touches @kubernetes/client-node: informers and the Lease API. */
import { existsSync } from "node:fs";
import {
  ApiException,
  CoordinationV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type V1Lease,
} from "@kubernetes/client-node";
import type { WatchedResource } from "./resources.js";

/** An object as the informer delivers it: plain JSON, typed loosely on purpose. */
export type KubeObject = KubernetesObject & { spec?: unknown; status?: unknown };

export type InformerEvent = "add" | "update" | "delete";

/** The part of a client-node informer the agent uses (list-then-watch, relist on 410). */
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

/** The agent cannot reach any cluster as configured; retrying would not help. */
export class KubeConfigError extends Error {}

const serviceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * Builds the client from kubeconfig contents, or from the pod's service account when none is
 * given. loadFromDefault() is avoided on purpose: it silently falls back to localhost:8080.
 * Throws a KubeConfigError when neither names a usable API server: outside a cluster,
 * client-node would otherwise build `https://undefined:undefined` and fail every request with
 * "Invalid URL", forever.
 */
export function createKubeClient(
  kubeconfig?: string,
  env: Record<string, string | undefined> = process.env,
  tokenExists: (path: string) => boolean = existsSync,
): KubeClient {
  const kc = new KubeConfig();
  if (kubeconfig === undefined) {
    if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
      throw new KubeConfigError(
        "not running in a Kubernetes cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset); set KUBECONFIG to a kubeconfig file to run the agent elsewhere",
      );
    }
    if (!tokenExists(serviceAccountToken)) {
      throw new KubeConfigError(
        `no service account token at ${serviceAccountToken}; mount one (automountServiceAccountToken) or set KUBECONFIG`,
      );
    }
    kc.loadFromCluster();
  } else {
    try {
      kc.loadFromString(kubeconfig);
    } catch (error) {
      throw new KubeConfigError(`KUBECONFIG is not a kubeconfig (${(error as Error).message})`);
    }
  }
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) {
    throw new KubeConfigError(
      `KUBECONFIG names no cluster for its current context "${kc.getCurrentContext()}"; set current-context`,
    );
  }
  if (!URL.canParse(server)) {
    throw new KubeConfigError(
      `the API server "${server}" is not a URL; fix the cluster's server in KUBECONFIG`,
    );
  }
  const custom = kc.makeApiClient(CustomObjectsApi);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  return {
    informer(resource) {
      const path = `/apis/${resource.group}/${resource.version}/${resource.plural}`;
      const list = () =>
        custom.listClusterCustomObject({
          group: resource.group,
          version: resource.version,
          plural: resource.plural,
        }) as Promise<KubernetesListObject<KubeObject>>;
      return makeInformer<KubeObject>(kc, path, list) as unknown as ObjectInformer;
    },
    leases: {
      async get(namespace, name) {
        try {
          return fromLease(await coordination.readNamespacedLease({ namespace, name }));
        } catch (err) {
          if (err instanceof ApiException && err.code === 404) return undefined;
          throw err;
        }
      },
      async create(namespace, name, lease) {
        try {
          return fromLease(
            await coordination.createNamespacedLease({ namespace, body: toLease(namespace, name, lease) }),
          );
        } catch (err) {
          if (err instanceof ApiException && err.code === 409) return "conflict";
          throw err;
        }
      },
      async update(namespace, name, lease) {
        try {
          return fromLease(
            await coordination.replaceNamespacedLease({
              namespace,
              name,
              body: toLease(namespace, name, lease),
            }),
          );
        } catch (err) {
          if (err instanceof ApiException && err.code === 409) return "conflict";
          throw err;
        }
      },
    },
  };
}

function toLease(namespace: string, name: string, lease: LeaseRecord): V1Lease {
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
      ...(lease.acquireTime ? { acquireTime: lease.acquireTime } : {}),
      ...(lease.renewTime ? { renewTime: lease.renewTime } : {}),
    },
  };
}

function fromLease(lease: V1Lease): LeaseRecord {
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
