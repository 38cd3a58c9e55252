// Service (core/v1, +status). Upstream: SetDefaults_Service, ValidateService/ValidateServiceUpdate,
// pkg/registry/core/service (strategy + the REST layer's clusterIP/ipFamily normalisation).
//
// ClusterIP and NodePort *allocation* needs cluster state and is not done here: the API server's
// admission step (src/apiserver/service-alloc.ts) runs after validation and fills spec.clusterIP(s)
// when needsClusterIPAllocation() says so (nodePorts: needsNodePorts()). Everything that does not
// need cluster state (defaults, normalisation, validation, immutability) lives here.
import type { KindDefinition } from '../kind.js';
import type { Service, ServicePort } from '../types/core.js';
import { field, GoValue, type FieldError } from '../../machinery/errors.js';
import {
  isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortName, isValidPortNum, nameIsDNS1035Label, validateLabels,
} from '../../machinery/validation.js';
import { clone } from '../../machinery/object.js';
import { keepOldSpec, keepOldStatus, validateMeta } from '../strategy.js';
import { age, ageColumn, formatMap, nameColumn } from '../printers.js';

export const ClusterIPNone = 'None';
const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const MaxClientIPServiceAffinitySeconds = 86400;
const DefaultClientIPServiceAffinitySeconds = 10800;

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === ClusterIPNone;
}

/** Everything except ExternalName carries a cluster IP (or `None`). */
export function needsClusterIP(svc: Service): boolean {
  return (svc.spec?.type ?? 'ClusterIP') !== 'ExternalName';
}

/** True when the allocator has work to do: an IP-bearing Service whose clusterIP is still empty. */
export function needsClusterIPAllocation(svc: Service): boolean {
  return needsClusterIP(svc) && !svc.spec?.clusterIP;
}

export function needsNodePorts(svc: Service): boolean {
  const t = svc.spec?.type;
  if (t === 'NodePort') return true;
  return t === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false;
}

function externallyAccessible(svc: Service): boolean {
  const t = svc.spec?.type;
  return t === 'NodePort' || t === 'LoadBalancer' || (t === 'ClusterIP' && (svc.spec?.externalIPs?.length ?? 0) > 0);
}

function defaults(svc: Service): void {
  const spec = (svc.spec ??= {});
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DefaultClientIPServiceAffinitySeconds } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (!spec.internalTrafficPolicy && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type)) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  // LoadBalancerIPMode: an ingress IP without a mode is a VIP
  if (spec.type === 'LoadBalancer') for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip && !ing.ipMode) ing.ipMode = 'VIP';
}

/** The registry's clusterIP ↔ clusterIPs sync: if only one is given, derive the other. */
function normalizeClusterIPs(svc: Service, old: Service | undefined): void {
  const spec = svc.spec!;
  const ips = spec.clusterIPs ?? [];
  if (!old) {
    if (spec.clusterIP && ips.length === 0) spec.clusterIPs = [spec.clusterIP];
    else if (!spec.clusterIP && ips.length > 0) spec.clusterIP = ips[0];
    return;
  }
  // On update, only fix up what the user did not change (upstream normalizeClusterIPs): a cleared
  // clusterIP with untouched clusterIPs clears both; a changed clusterIP with untouched clusterIPs
  // replaces the primary.
  const oldIPs = old.spec?.clusterIPs ?? [];
  const sameIPs = JSON.stringify(ips) === JSON.stringify(oldIPs);
  if (!spec.clusterIP && sameIPs && !old.spec?.clusterIP) return;
  if (!spec.clusterIP && ips.length > 0 && sameIPs) { delete spec.clusterIPs; return; }
  if (spec.clusterIP && spec.clusterIP !== old.spec?.clusterIP && sameIPs) {
    spec.clusterIPs = ips.length ? [spec.clusterIP, ...ips.slice(1)] : [spec.clusterIP];
    return;
  }
  if (spec.clusterIP && ips.length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && ips.length > 0) spec.clusterIP = ips[0];
}

/** Upstream REST-layer patchAllocatedValues: an update that omits allocated values keeps them. */
function patchAllocatedValues(svc: Service, old: Service): void {
  const spec = svc.spec!;
  const o = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP && o.clusterIP) spec.clusterIP = o.clusterIP;
    if (!spec.clusterIPs?.length && o.clusterIPs?.length) spec.clusterIPs = clone(o.clusterIPs);
  }
  if (needsNodePorts(old) && needsNodePorts(svc)) {
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const prev = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (prev?.nodePort) p.nodePort = prev.nodePort;
    }
  }
  if (spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && !spec.healthCheckNodePort && o.healthCheckNodePort) {
    spec.healthCheckNodePort = o.healthCheckNodePort;
  }
}

/** Upstream dropTypeDependentFields: values that only made sense for the old type go away with it. */
function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec!;
  const o = old.spec ?? {};
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if (spec.clusterIP === o.clusterIP) delete spec.clusterIP;
    if (JSON.stringify(spec.clusterIPs ?? []) === JSON.stringify(o.clusterIPs ?? [])) delete spec.clusterIPs;
    if (JSON.stringify(spec.ipFamilies ?? []) === JSON.stringify(o.ipFamilies ?? [])) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === o.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(old) && !needsNodePorts(svc)) {
    for (const p of spec.ports ?? []) {
      const prev = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (prev && p.nodePort === prev.nodePort) delete p.nodePort;
    }
  }
  if (o.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === o.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.healthCheckNodePort === o.healthCheckNodePort) delete spec.healthCheckNodePort;
    if (spec.loadBalancerClass === o.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (!externallyAccessible(svc) && spec.externalTrafficPolicy === o.externalTrafficPolicy) delete spec.externalTrafficPolicy;
}

/**
 * Upstream initIPFamilyFields for a single-stack IPv4 cluster: policy SingleStack (RequireDualStack
 * for selector-less headless Services), families from the requested IPs, else the cluster's IPv4.
 */
function defaultIPFamilies(svc: Service): void {
  const spec = svc.spec!;
  if (!needsClusterIP(svc)) return;
  const selectorless = Object.keys(spec.selector ?? {}).length === 0;
  if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = isHeadless(svc) && selectorless ? 'RequireDualStack' : 'SingleStack';
  if (spec.ipFamilies?.length) return;
  const fams: string[] = [];
  for (const ip of spec.clusterIPs ?? []) {
    if (ip === ClusterIPNone || !ip) continue;
    fams.push(ip.includes(':') ? 'IPv6' : 'IPv4');
  }
  if (!fams.length) fams.push('IPv4');
  if (isHeadless(svc) && spec.ipFamilyPolicy !== 'SingleStack' && fams.length === 1) fams.push(fams[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  spec.ipFamilies = fams;
}

function prepare(svc: Service, old: Service | undefined, ctx: { operation: string }): void {
  if (!old || ctx.operation === 'create') {
    svc.status = { loadBalancer: {} };
    svc.spec ??= {};
    normalizeClusterIPs(svc, undefined);
    defaultIPFamilies(svc);
    return;
  }
  if (ctx.operation === 'status') {
    keepOldSpec(svc, old);
    return;
  }
  keepOldStatus(svc, old);
  svc.spec ??= {};
  patchAllocatedValues(svc, old);
  normalizeClusterIPs(svc, old);
  dropTypeDependentFields(svc, old);
  // families of an IP-bearing Service are kept unless the user changes them
  if (needsClusterIP(svc) && needsClusterIP(old)) {
    if (!svc.spec.ipFamilies?.length && old.spec?.ipFamilies?.length) svc.spec.ipFamilies = clone(old.spec.ipFamilies);
    if (!svc.spec.ipFamilyPolicy && old.spec?.ipFamilyPolicy) svc.spec.ipFamilyPolicy = old.spec.ipFamilyPolicy;
  }
  defaultIPFamilies(svc);
}

// ---- validation ---------------------------------------------------------------------------------

function validatePort(sp: ServicePort, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) errs.push(field.required(`${path}.name`));
  else if (sp.name) {
    for (const m of isDNS1123Label(sp.name)) errs.push(field.invalid(`${path}.name`, sp.name, m));
    if (names.has(sp.name)) errs.push(field.duplicate(`${path}.name`, sp.name));
    else names.add(sp.name);
  }
  for (const m of isValidPortNum(sp.port)) errs.push(field.invalid(`${path}.port`, sp.port, m));
  if (!sp.protocol) errs.push(field.required(`${path}.protocol`));
  else if (!protocols.includes(sp.protocol)) errs.push(field.notSupported(`${path}.protocol`, sp.protocol, protocols));
  errs.push(...validatePortNumOrName(sp.targetPort, `${path}.targetPort`));
  if (sp.appProtocol) for (const m of isQualifiedName(sp.appProtocol)) errs.push(field.invalid(`${path}.appProtocol`, sp.appProtocol, m));
  return errs;
}

/** upstream ValidatePortNumOrName for IntOrString ports. */
export function validatePortNumOrName(port: number | string | undefined, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => field.invalid(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => field.invalid(path, port, m));
  return [];
}

function validateClusterIPs(svc: Service): FieldError[] {
  const spec = svc.spec!;
  const errs: FieldError[] = [];
  if (spec.type === 'ExternalName') return errs;
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP) {
    if (!ips.length) errs.push(field.required('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP) errs.push(field.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length) {
    errs.push(field.invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(field.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(field.duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  const policies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
  if (spec.ipFamilyPolicy !== undefined && !policies.includes(spec.ipFamilyPolicy)) {
    errs.push(field.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, policies));
  }
  let invalidIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === ClusterIPNone) {
      if (ips.length > 1) {
        invalidIPs = true;
        errs.push(field.invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    const m = isValidIP(ip);
    if (m.length) invalidIPs = true;
    for (const msg of m) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, msg));
  });
  if (ips.length > 2) errs.push(field.invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (!invalidIPs && ips.length === 2 && ips[0] !== ClusterIPNone) {
    const fam = (ip: string) => (ip.includes(':') ? 6 : 4);
    if (fam(ips[0]!) === fam(ips[1]!)) errs.push(field.invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  }
  if (!invalidIPs) {
    ips.forEach((ip, i) => {
      const want = spec.ipFamilies?.[i];
      if (!want || ip === ClusterIPNone) return;
      const got = ip.includes(':') ? 'IPv6' : 'IPv4';
      if (got !== want) errs.push(field.invalid('spec.clusterIPs', ips, `expected an ${want} value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  if (spec.ipFamilyPolicy === 'SingleStack' && ips.length > 1 && ips[0] !== ClusterIPNone) {
    errs.push(field.invalid('spec.clusterIPs', ips, 'must be at most one value when `ipFamilyPolicy` is \'SingleStack\''));
  }
  return errs;
}

function validateService(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const errs: FieldError[] = [];
  const ports = spec.ports ?? [];
  const headless = isHeadless(svc);
  if (!ports.length && !headless && spec.type !== 'ExternalName') errs.push(field.required('spec.ports'));

  if (spec.type === 'ExternalName') {
    if (spec.clusterIP) errs.push(field.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    if (spec.clusterIPs?.length) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (spec.ipFamilies?.length) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy) errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    // the external name may carry one trailing dot (an absolute name)
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (!cname) errs.push(field.required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(cname)) errs.push(field.invalid('spec.externalName', cname, m));
  }

  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validatePort(p, ports.length > 1, names, `spec.ports[${i}]`)));

  errs.push(...validateLabels(spec.selector as Record<string, string> | undefined, 'spec.selector'));

  if (!spec.sessionAffinity) errs.push(field.required('spec.sessionAffinity'));
  else if (!['ClientIP', 'None'].includes(spec.sessionAffinity)) errs.push(field.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  if (spec.sessionAffinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (t === undefined) errs.push(field.required('spec.sessionAffinityConfig.clientIP.timeoutSeconds'));
    else if (!(t > 0 && t <= MaxClientIPServiceAffinitySeconds)) {
      errs.push(field.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than ${MaxClientIPServiceAffinitySeconds}`));
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(field.invalid('spec.sessionAffinityConfig', spec.sessionAffinityConfig, 'must not be set when session affinity is None'));
  }

  (spec.externalIPs ?? []).forEach((ip, i) => {
    for (const m of isValidIP(ip)) errs.push(field.invalid(`spec.externalIPs[${i}]`, ip, m));
  });

  if (!spec.type) errs.push(field.required('spec.type'));
  else if (!serviceTypes.includes(spec.type)) errs.push(field.notSupported('spec.type', spec.type, serviceTypes));

  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  if (spec.type === 'NodePort' && headless) errs.push(field.invalid('spec.clusterIPs[0]', ClusterIPNone, "may not be set to 'None' for NodePort services"));
  if (spec.type === 'LoadBalancer' && headless) errs.push(field.invalid('spec.clusterIPs[0]', ClusterIPNone, "may not be set to 'None' for LoadBalancer services"));

  // no two ports with the same (port, protocol), nor the same (nodePort, protocol)
  const seenPorts = new Set<string>();
  const seenNodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.port}/${p.protocol}`;
    if (seenPorts.has(key)) // upstream reports the (protocol, port) key struct with %#v
      errs.push(field.duplicate(`spec.ports[${i}]`, new GoValue(
        `core.ServicePort{Name:"", Protocol:"${p.protocol}", AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`)));
    seenPorts.add(key);
    if (p.nodePort) {
      for (const m of isValidPortNum(p.nodePort)) errs.push(field.invalid(`spec.ports[${i}].nodePort`, p.nodePort, m));
      const nk = `${p.nodePort}/${p.protocol}`;
      if (seenNodePorts.has(nk)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      seenNodePorts.add(nk);
    }
  });

  const itp = spec.internalTrafficPolicy;
  if (spec.type !== 'ExternalName' && spec.type !== undefined) {
    if (!itp) errs.push(field.required('spec.internalTrafficPolicy'));
    else if (!['Cluster', 'Local'].includes(itp)) errs.push(field.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  }
  const etp = spec.externalTrafficPolicy;
  if (etp) {
    if (!externallyAccessible(svc)) errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
    else if (!['Cluster', 'Local'].includes(etp)) errs.push(field.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  } else if (externallyAccessible(svc)) {
    errs.push(field.required('spec.externalTrafficPolicy'));
  }

  errs.push(...validateClusterIPs(svc));
  return errs;
}

/** upstream validateUpgradeDowngradeClusterIPs: the primary cluster IP may not change once set. */
function validateClusterIPsUpdate(svc: Service, old: Service): FieldError[] {
  const errs: FieldError[] = [];
  if (svc.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName') return errs;
  if (isHeadless(svc) && isHeadless(old)) return errs;
  const ips = svc.spec?.clusterIPs ?? [];
  const oldIPs = old.spec?.clusterIPs ?? [];
  if (oldIPs.length === ips.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== ips[i]) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ips, 'may not change once set'));
    });
  } else if (oldIPs.length > ips.length) {
    if (ips.length === 0) errs.push(field.invalid('spec.clusterIPs[0]', ips, 'primary clusterIP can not be unset'));
    if (oldIPs.length && ips.length && ips[0] !== oldIPs[0]) errs.push(field.invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
    if (ips.length === 1 && svc.spec?.ipFamilyPolicy !== 'SingleStack') {
      errs.push(field.invalid('spec.clusterIPs[0]', ips, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length && ips[0] !== oldIPs[0]) {
    errs.push(field.invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
  }
  // the primary family is immutable too
  const fams = svc.spec?.ipFamilies ?? [];
  const oldFams = old.spec?.ipFamilies ?? [];
  if (oldFams.length && fams.length && fams[0] !== oldFams[0]) {
    errs.push(field.invalid('spec.ipFamilies[0]', fams[0], 'may not change once set'));
  }
  return errs;
}

// ---- table ----------------------------------------------------------------------------------------

export function portString(ports: readonly ServicePort[] | undefined): string {
  return (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
}

function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const ext = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      // the server always renders the wide form, so ingress addresses are not clipped
      const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
      const all = [...lb, ...ext];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

export const definition: KindDefinition<Service> = {
  group: '', version: 'v1', kind: 'Service', listKind: 'ServiceList',
  plural: 'services', singular: 'service', shortNames: ['svc'], categories: ['all'],
  namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: { status: true, other: ['proxy'] },
  openapiName: 'io.k8s.api.core.v1.Service',
  storagePrefix: 'services/specs',
  defaults,
  prepare,
  validate(svc, old, ctx) {
    const errs = validateMeta(svc, old, { namespaced: true, nameValidator: nameIsDNS1035Label });
    if (ctx.operation === 'status') return errs;
    errs.push(...validateService(svc));
    if (old) errs.push(...validateClusterIPsUpdate(svc, old));
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Type', type: 'string', priority: 0, description: 'type determines how the Service is exposed.' },
    { name: 'Cluster-IP', type: 'string', priority: 0, description: 'clusterIP is the IP address of the service and is usually assigned randomly.' },
    { name: 'External-IP', type: 'string', priority: 0, description: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.' },
    { name: 'Port(s)', type: 'string', priority: 0, description: 'The list of ports that are exposed by this service.' },
    ageColumn,
    { name: 'Selector', type: 'string', priority: 1, description: 'Route service traffic to pods with label keys and values matching this selector.' },
  ],
  tableRow: (svc, now) => [
    svc.metadata.name,
    svc.spec?.type ?? '',
    svc.spec?.clusterIPs?.[0] ?? '<none>',
    externalIP(svc),
    portString(svc.spec?.ports) || '<none>',
    age(svc, now),
    formatMap(svc.spec?.selector as Record<string, string> | undefined),
  ],
  fieldSelectors: {
    'spec.clusterIP': (svc) => svc.spec?.clusterIP ?? '',
    'spec.type': (svc) => svc.spec?.type ?? '',
  },
};
