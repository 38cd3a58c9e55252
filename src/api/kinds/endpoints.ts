// Endpoints (core/v1). Upstream: SetDefaults_EndpointPort, ValidateEndpoints, printEndpoints.
import type { KindDefinition } from '../kind.js';
import type { EndpointAddress, EndpointPort, Endpoints } from '../types/core.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { isValidIP, isValidPortNum, nameIsDNSSubdomain } from '../../machinery/validation.js';
import { standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { dns1123Label, nodeName, protocols, qualifiedName, validateNonSpecialIP } from './core-validation.js';

function validateAddress(a: EndpointAddress, path: string): FieldError[] {
  // upstream reports an unparsable IP twice (IsValidIP, then ValidateNonSpecialIP)
  const ip = a.ip ?? '';
  const errs = isValidIP(ip).map((m) => field.invalid(`${path}.ip`, ip, m));
  errs.push(...validateNonSpecialIP(ip, `${path}.ip`));
  if (a.hostname) errs.push(...dns1123Label(a.hostname, `${path}.hostname`));
  if (a.nodeName !== undefined && a.nodeName !== null) errs.push(...nodeName(a.nodeName, `${path}.nodeName`));
  return errs;
}

function validatePort(p: EndpointPort, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(field.required(`${path}.name`));
  else if (p.name) errs.push(...dns1123Label(p.name, `${path}.name`));
  for (const m of isValidPortNum(p.port)) errs.push(field.invalid(`${path}.port`, p.port, m));
  if (!p.protocol) errs.push(field.required(`${path}.protocol`));
  else if (!protocols.includes(p.protocol)) errs.push(field.notSupported(`${path}.protocol`, p.protocol, protocols));
  if (p.appProtocol) errs.push(...qualifiedName(p.appProtocol, `${path}.appProtocol`));
  return errs;
}

/** printEndpoints' formatEndpoints: up to 3 `ip:port` (bare IPs when a subset has no ports). */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (!subsets.length) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) { more = true; break; }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ss.ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) { more = true; break; }
        list.push(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const definition: KindDefinition<Endpoints> = {
  group: '', version: 'v1', kind: 'Endpoints', listKind: 'EndpointsList',
  plural: 'endpoints', singular: 'endpoints', shortNames: ['ep'],
  namespaced: true,
  openapiName: 'io.k8s.api.core.v1.Endpoints',
  storagePrefix: 'services/endpoints',
  defaults(ep) {
    for (const ss of ep.subsets ?? []) for (const p of ss.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
  },
  prepare: standardPrepare({}),
  validate(ep, old) {
    const errs = validateMeta(ep, old, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    (ep.subsets ?? []).forEach((ss, i) => {
      const path = `subsets[${i}]`;
      if (!ss.addresses?.length && !ss.notReadyAddresses?.length) errs.push(field.required(path, 'must specify `addresses` or `notReadyAddresses`'));
      (ss.addresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, `${path}.addresses[${j}]`)));
      (ss.notReadyAddresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, `${path}.notReadyAddresses[${j}]`)));
      (ss.ports ?? []).forEach((p, j) => errs.push(...validatePort(p, (ss.ports?.length ?? 0) > 1, `${path}.ports[${j}]`)));
    });
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'Endpoints', type: 'string', priority: 0, description: 'Endpoints is the list of endpoints that the service will use.' },
    ageColumn,
  ],
  tableRow: (ep, now) => [ep.metadata.name, formatEndpoints(ep), age(ep, now)],
};
