// Types of the non-workload kinds as they travel through Ordinal: the upstream shapes from
// kubernetes-types, narrowed to KubeObject (metadata always present, open to unknown fields).
import type * as core from 'kubernetes-types/core/v1.js';
import type * as discovery from 'kubernetes-types/discovery/v1.js';
import type * as storage from 'kubernetes-types/storage/v1.js';
import type * as coordination from 'kubernetes-types/coordination/v1.js';
import type * as events from 'kubernetes-types/events/v1.js';
import type { KubeObject } from '../../machinery/object.js';

/** kubernetes-types marks server-written fields (status) readonly; the server writes them. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

export type Namespace = Writable<core.Namespace> & KubeObject;
export type Service = Writable<core.Service> & KubeObject;
export type Endpoints = Writable<core.Endpoints> & KubeObject;
export type EndpointSlice = Writable<discovery.EndpointSlice> & KubeObject;
export type ConfigMap = Writable<core.ConfigMap> & KubeObject;
export type Secret = Writable<core.Secret> & KubeObject;
export type ServiceAccount = Writable<core.ServiceAccount> & KubeObject;
export type PersistentVolumeClaim = Writable<core.PersistentVolumeClaim> & KubeObject;
export type PersistentVolume = Writable<core.PersistentVolume> & KubeObject;
export type StorageClass = Writable<storage.StorageClass> & KubeObject;
export type Node = Writable<core.Node> & KubeObject;
/** core/v1 Event: the stored form of both Event versions. */
export type Event = Writable<core.Event> & KubeObject;
/** events.k8s.io/v1 Event: served, converted to/from core/v1 for storage. */
export type EventV1 = Writable<events.Event> & KubeObject;
export type Lease = Writable<coordination.Lease> & KubeObject;

export type {
  ServicePort, ServiceSpec, ServiceStatus, EndpointSubset, EndpointAddress, EndpointPort,
  PersistentVolumeClaimSpec, PersistentVolumeSpec, NodeCondition, NodeAddress, ObjectReference, EventSource,
} from 'kubernetes-types/core/v1.js';
export type { Endpoint as SliceEndpoint, EndpointPort as SlicePort } from 'kubernetes-types/discovery/v1.js';
