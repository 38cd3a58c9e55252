// Endpoints and EndpointSlice decisions for one Service — pure: the Service, the pods of its
// namespace and the existing objects in; the objects to create/update/delete out.
// shared/spec/dns-and-services.md §4.
import type { Service, Pod, Endpoints, EndpointSubset, EndpointAddress, EndpointPort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice, Endpoint as SliceEndpoint, EndpointPort as SlicePort } from 'kubernetes-types/discovery/v1.js';
import { selectorFromSet } from '../../machinery/labels.js';

export const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface EndpointsInput {
  service: Service | undefined; // undefined: deleted
  pods: Pod[]; // pods of the service's namespace
  endpoints: Endpoints | undefined;
  slices: EndpointSlice[]; // slices labelled with this service name (any manager)
  /** Optional: whether the pod's Node exists (pods on missing nodes are skipped). */
  nodeExists?: (name: string) => boolean;
}

export type EndpointsAction =
  | { type: 'createEndpoints'; object: Endpoints }
  | { type: 'updateEndpoints'; object: Endpoints }
  | { type: 'deleteEndpoints'; name: string }
  | { type: 'createSlice'; object: EndpointSlice }
  | { type: 'updateSlice'; object: EndpointSlice }
  | { type: 'deleteSlice'; name: string };

const isHeadless = (svc: Service) => !svc.spec?.clusterIP || svc.spec.clusterIP === 'None';

function podReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function podIPOf(pod: Pod, family: 'IPv4' | 'IPv6'): string | undefined {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter(Boolean) as string[];
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.find((ip) => (family === 'IPv6') === ip.includes(':'));
}

/** FindPort: the resolved container port for a service port, or undefined. */
export function findPort(pod: Pod, port: NonNullable<Service['spec']>['ports'] extends (infer P)[] | undefined ? P : never): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

function targetRef(pod: Pod) {
  return { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid };
}

function hostnameFor(pod: Pod, svc: Service): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace ? h : undefined;
}

function selectedPods(svc: Service, pods: Pod[]): Pod[] {
  const sel = svc.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return [];
  const s = selectorFromSet(sel);
  return pods.filter((p) => p.metadata?.namespace === svc.metadata?.namespace && s.matches(p.metadata?.labels));
}

const manages = (svc: Service) => svc.spec?.type !== 'ExternalName' && !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;

function serviceLabels(svc: Service, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY && k !== HEADLESS_LABEL) out[k] = v;
  if (isHeadless(svc)) out[HEADLESS_LABEL] = '';
  return { ...out, ...extra };
}

function desiredEndpoints(svc: Service, pods: Pod[], nodeExists?: (n: string) => boolean): Endpoints {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const family = (svc.spec?.ipFamilies?.[0] ?? 'IPv4') as 'IPv4' | 'IPv6';
  // Group addresses by their resolved port set, as upstream's repacking does.
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    if (pod.metadata?.deletionTimestamp && !publish) continue;
    const ip = podIPOf(pod, family);
    if (!ip) continue;
    if (nodeExists && pod.spec?.nodeName && !nodeExists(pod.spec.nodeName) && !publish) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const n = findPort(pod, sp);
      if (n === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port: n, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    if ((svc.spec?.ports ?? []).length > 0 && ports.length === 0) continue;
    const addr: EndpointAddress = { ip, ...(hostnameFor(pod, svc) ? { hostname: hostnameFor(pod, svc) } : {}), ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}), targetRef: targetRef(pod) };
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    (publish || podReady(pod) ? g.ready : g.notReady).push(addr);
  }
  const subsets: EndpointSubset[] = [...groups.values()].map((g) => {
    const s: EndpointSubset = {};
    const byIP = (a: EndpointAddress, b: EndpointAddress) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
    if (g.ready.length) s.addresses = g.ready.sort(byIP);
    if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIP);
    if (g.ports.length) s.ports = g.ports;
    return s;
  });
  subsets.sort((a, b) => JSON.stringify(a.ports ?? []).localeCompare(JSON.stringify(b.ports ?? [])));
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: svc.metadata?.name, namespace: svc.metadata?.namespace, labels: serviceLabels(svc, {}) },
    ...(subsets.length ? { subsets } : {}),
  };
}

function sliceEndpoint(pod: Pod, ip: string, svc: Service): SliceEndpoint {
  const ready = podReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const hostname = hostnameFor(pod, svc);
  return {
    addresses: [ip],
    conditions: { ready: svc.spec?.publishNotReadyAddresses === true || (ready && !terminating), serving: ready, terminating },
    ...(hostname ? { hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: targetRef(pod),
  };
}

/** Desired slice contents per family: groups of (ports, endpoints). */
function desiredSliceGroups(svc: Service, pods: Pod[], family: 'IPv4' | 'IPv6', nodeExists?: (n: string) => boolean): { ports: SlicePort[]; endpoints: SliceEndpoint[] }[] {
  const groups = new Map<string, { ports: SlicePort[]; endpoints: SliceEndpoint[] }>();
  const publish = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const ip = podIPOf(pod, family);
    if (!ip) continue;
    if (nodeExists && pod.spec?.nodeName && !nodeExists(pod.spec.nodeName) && !publish) continue;
    const ports: SlicePort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const n = findPort(pod, sp);
      if (n === undefined) continue;
      ports.push({ name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(sliceEndpoint(pod, ip, svc));
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => (a.addresses[0]! < b.addresses[0]! ? -1 : 1));
  return [...groups.values()];
}

function ownerRef(svc: Service) {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata!.name!, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

/** Compares the parts of an object the controller owns (ignoring server-set metadata). */
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function stripVolatile(eps: SliceEndpoint[] | undefined) {
  return (eps ?? []).map((e) => ({ ...e, targetRef: e.targetRef ? { kind: e.targetRef.kind, namespace: e.targetRef.namespace, name: e.targetRef.name, uid: e.targetRef.uid } : undefined }));
}

export function reconcileEndpoints(input: EndpointsInput): EndpointsAction[] {
  const { service: svc } = input;
  const actions: EndpointsAction[] = [];
  const managedSlices = input.slices.filter((s) => s.metadata?.labels?.[MANAGED_BY] === CONTROLLER_NAME && !s.metadata?.deletionTimestamp);
  if (!svc || !manages(svc)) {
    // Deleted or not ours to manage: remove what we made (user-written Endpoints of selector-less Services stay).
    if (!svc && input.endpoints) actions.push({ type: 'deleteEndpoints', name: input.endpoints.metadata!.name! });
    if (svc && svc.spec?.type === 'ExternalName' && input.endpoints) actions.push({ type: 'deleteEndpoints', name: input.endpoints.metadata!.name! });
    for (const s of managedSlices) actions.push({ type: 'deleteSlice', name: s.metadata!.name! });
    return actions;
  }
  const pods = selectedPods(svc, input.pods);

  // Endpoints.
  const want = desiredEndpoints(svc, pods, input.nodeExists);
  if (!input.endpoints) actions.push({ type: 'createEndpoints', object: want });
  else if (!same(input.endpoints.subsets ?? [], want.subsets ?? []) || !same(input.endpoints.metadata?.labels ?? {}, want.metadata!.labels)) {
    actions.push({ type: 'updateEndpoints', object: { ...input.endpoints, subsets: want.subsets, metadata: { ...input.endpoints.metadata, labels: want.metadata!.labels } } });
  }

  // EndpointSlices, one set per family.
  const families = (svc.spec?.ipFamilies?.length ? svc.spec.ipFamilies : ['IPv4']) as ('IPv4' | 'IPv6')[];
  for (const s of managedSlices) if (!families.includes(s.addressType as 'IPv4')) actions.push({ type: 'deleteSlice', name: s.metadata!.name! });
  const labels = serviceLabels(svc, { [SERVICE_NAME_LABEL]: svc.metadata!.name!, [MANAGED_BY]: CONTROLLER_NAME });
  for (const family of families) {
    const existing = managedSlices.filter((s) => s.addressType === family);
    const chunks: { ports: SlicePort[]; endpoints: SliceEndpoint[] }[] = [];
    for (const g of desiredSliceGroups(svc, pods, family, input.nodeExists)) {
      for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) chunks.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
    }
    if (chunks.length === 0) chunks.push({ ports: [], endpoints: [] }); // placeholder: every family keeps one slice
    // Reuse existing slices: first those with the same port list, then any.
    const free = [...existing];
    const take = (ports: SlicePort[]) => {
      const i = free.findIndex((s) => same(s.ports ?? [], ports));
      return i >= 0 ? free.splice(i, 1)[0] : free.shift();
    };
    for (const c of chunks) {
      const cur = take(c.ports);
      if (!cur) {
        actions.push({
          type: 'createSlice',
          object: {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { generateName: `${svc.metadata!.name}-`, namespace: svc.metadata!.namespace, labels, ownerReferences: [ownerRef(svc)] },
            addressType: family,
            endpoints: c.endpoints,
            ports: c.ports,
          },
        });
        continue;
      }
      if (!same(stripVolatile(cur.endpoints), stripVolatile(c.endpoints)) || !same(cur.ports ?? [], c.ports) || !same(cur.metadata?.labels ?? {}, labels)) {
        actions.push({ type: 'updateSlice', object: { ...cur, metadata: { ...cur.metadata, labels }, endpoints: c.endpoints, ports: c.ports } });
      }
    }
    for (const s of free) actions.push({ type: 'deleteSlice', name: s.metadata!.name! });
  }
  return actions;
}
