// The registry of kinds: the single list from which routing, discovery, OpenAPI and tables derive.
// Adding a kind = one file in ./kinds plus one line here.
import type { KindDefinition } from './kind.js';
// workload kinds
import { definition as pod } from './kinds/pod.js';
import { definition as statefulset } from './kinds/statefulset.js';
import { definition as deployment } from './kinds/deployment.js';
import { definition as replicaset } from './kinds/replicaset.js';
import { definition as controllerrevision } from './kinds/controllerrevision.js';
// core and other non-workload kinds
import { definition as namespace } from './kinds/namespace.js';
import { definition as service } from './kinds/service.js';
import { definition as endpoints } from './kinds/endpoints.js';
import { definition as endpointslice } from './kinds/endpointslice.js';
import { definition as configmap } from './kinds/configmap.js';
import { definition as secret } from './kinds/secret.js';
import { definition as serviceaccount } from './kinds/serviceaccount.js';
import { definition as persistentvolumeclaim } from './kinds/persistentvolumeclaim.js';
import { definition as persistentvolume } from './kinds/persistentvolume.js';
import { definition as storageclass } from './kinds/storageclass.js';
import { definition as node } from './kinds/node.js';
import { definition as event } from './kinds/event.js';
import { definition as eventV1 } from './kinds/events-v1.js';
import { definition as lease } from './kinds/lease.js';

export const kinds: KindDefinition<any>[] = [
  pod,
  statefulset,
  deployment,
  replicaset,
  controllerrevision,
  // kinds are added here as their files land
  namespace,
  service,
  endpoints,
  endpointslice,
  configmap,
  secret,
  serviceaccount,
  persistentvolumeclaim,
  persistentvolume,
  storageclass,
  node,
  event,
  eventV1,
  lease,
];

export function groupVersion(k: Pick<KindDefinition, 'group' | 'version'>): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

export function findByResource(group: string, version: string, plural: string): KindDefinition<any> | undefined {
  return kinds.find((k) => k.group === group && k.version === version && k.plural === plural);
}

export function findByKind(group: string, version: string, kind: string): KindDefinition<any> | undefined {
  return kinds.find((k) => k.group === group && k.version === version && k.kind === kind);
}
