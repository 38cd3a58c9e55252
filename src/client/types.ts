// The client contract used by every controller, the scheduler, the node agent and DNS.
// Two transports implement it with identical semantics: in-process (calls the API server's
// handler directly, no sockets) and HTTP (HTTPS + bearer token, for `ordinal agent` on another
// machine and for tests). Errors are ApiError (src/machinery/errors.ts) in both.
import type { KubeObject, KubeList, WatchEvent } from '../machinery/object.js';

/** Identifies a resource: group/version/plural (as in URLs). */
export interface ResourceRef {
  group: string; // '' = core
  version: string;
  resource: string; // plural, e.g. 'pods'
}

export interface ListOpts {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOpts {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
}

export interface WriteOpts {
  dryRun?: boolean;
  fieldManager?: string;
}

export interface DeleteOpts {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic';

export interface WatchStream<T extends KubeObject = KubeObject> {
  /** Async iteration over events; ends when the server closes the watch or stop() is called. */
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>>;
  stop(): void;
}

export interface Client {
  get<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, opts?: ListOpts): Promise<KubeList<T>>;
  watch<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, opts?: WatchOpts): Promise<WatchStream<T>>;
  create<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts?: WriteOpts): Promise<T>;
  update<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts?: WriteOpts): Promise<T>;
  /** PUT …/status */
  updateStatus<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts?: WriteOpts): Promise<T>;
  patch<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts?: WriteOpts & { subresource?: string }): Promise<T>;
  delete(r: ResourceRef, namespace: string | undefined, name: string, opts?: DeleteOpts): Promise<KubeObject>;
  /** POST to a subresource (binding, eviction). */
  createSubresource<T = unknown>(r: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<T>;
}

/** Resource refs for the built-in kinds, so callers don't spell them out. */
export const R = {
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  persistentvolumeclaims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  persistentvolumes: { group: '', version: 'v1', resource: 'persistentvolumes' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  events: { group: '', version: 'v1', resource: 'events' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  storageclasses: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  controllerrevisions: { group: 'apps', version: 'v1', resource: 'controllerrevisions' },
} as const satisfies Record<string, ResourceRef>;
