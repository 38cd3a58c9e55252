// EndpointSlice (discovery.k8s.io/v1). Upstream: pkg/apis/discovery/validation, the slice strategy
// (generation 1 on create, +1 when anything but metadata — or the labels — changed), printEndpointSlice.
import type { KindDefinition } from '../kind.js';
import type { EndpointSlice } from '../types/core.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { isDNS1123Subdomain, isValidIPv4Address, isValidIPv6Address, nameIsDNSSubdomain, validateImmutableField, validateLabels } from '../../machinery/validation.js';
import { semanticEqual, standardPrepare, validateMeta, meta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { dns1123Label, listWithMore, nodeName, protocols, qualifiedName, validateNonSpecialIP } from './core-validation.js';

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];
const maxEndpoints = 1000;
const maxAddresses = 100;
const maxPorts = 100;
const maxTopologyLabels = 16;
const maxHints = 8;

function validateEndpoints(slice: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const eps = slice.endpoints ?? [];
  if (eps.length > maxEndpoints) return [{ type: 'FieldValueTooMany', field: 'endpoints', value: eps.length, detail: `must have at most ${maxEndpoints} items` }];
  eps.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    const addrs = ep.addresses ?? [];
    if (!addrs.length) errs.push(field.required(`${path}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > maxAddresses) errs.push({ type: 'FieldValueTooMany', field: `${path}.addresses`, value: addrs.length, detail: `must have at most ${maxAddresses} items` });
    addrs.forEach((a, j) => {
      const ap = `${path}.addresses[${j}]`;
      if (slice.addressType === 'IPv4' || slice.addressType === 'IPv6') {
        const bad = (slice.addressType === 'IPv4' ? isValidIPv4Address(a) : isValidIPv6Address(a)).map((m) => field.invalid(ap, a, m));
        errs.push(...(bad.length ? bad : validateNonSpecialIP(a, ap)));
      } else if (slice.addressType === 'FQDN') {
        for (const m of isDNS1123Subdomain(a)) errs.push(field.invalid(ap, a, m));
        if (!a.includes('.')) errs.push(field.invalid(ap, a, 'should be a domain with at least two segments separated by dots'));
      }
    });
    if (ep.nodeName !== undefined && ep.nodeName !== null) errs.push(...nodeName(ep.nodeName, `${path}.nodeName`));
    const topo = ep.deprecatedTopology ?? {};
    if (Object.keys(topo).length > maxTopologyLabels) {
      errs.push({ type: 'FieldValueTooMany', field: `${path}.deprecatedTopology`, value: Object.keys(topo).length, detail: `must have at most ${maxTopologyLabels} items` });
    }
    errs.push(...validateLabels(topo, `${path}.deprecatedTopology`));
    if (ep.hostname !== undefined && ep.hostname !== null) errs.push(...dns1123Label(ep.hostname, `${path}.hostname`));
    const zones = ep.hints?.forZones ?? [];
    if (zones.length > maxHints) errs.push({ type: 'FieldValueTooMany', field: `${path}.hints.forZones`, value: zones.length, detail: `must have at most ${maxHints} items` });
  });
  return errs;
}

function validatePorts(slice: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const ports = slice.ports ?? [];
  if (ports.length > maxPorts) return [{ type: 'FieldValueTooMany', field: 'ports', value: ports.length, detail: `must have at most ${maxPorts} items` }];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    const name = p.name ?? '';
    if (name) errs.push(...dns1123Label(name, `${path}.name`));
    if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    else names.add(name);
    if (!p.protocol) errs.push(field.required(`${path}.protocol`));
    else if (!protocols.includes(p.protocol)) errs.push(field.notSupported(`${path}.protocol`, p.protocol, protocols));
    if (p.appProtocol) errs.push(...qualifiedName(p.appProtocol, `${path}.appProtocol`));
  });
  return errs;
}

export const definition: KindDefinition<EndpointSlice> = {
  group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', listKind: 'EndpointSliceList',
  plural: 'endpointslices', singular: 'endpointslice',
  namespaced: true,
  openapiName: 'io.k8s.api.discovery.v1.EndpointSlice',
  defaults(slice) {
    for (const p of slice.ports ?? []) {
      if (p.name === undefined || p.name === null) p.name = '';
      if (!p.protocol) p.protocol = 'TCP';
    }
  },
  prepare: standardPrepare<EndpointSlice>({
    generation: true,
    // label changes bump generation too (the slice controller relies on it)
    extra: (obj, old, ctx) => {
      if (old && ctx.operation !== 'create' && obj.metadata.generation === old.metadata.generation && !semanticEqual(obj.metadata.labels, old.metadata.labels)) {
        meta(obj).generation = (old.metadata.generation ?? 0) + 1;
      }
    },
  }),
  validate(slice, old) {
    const errs = validateMeta(slice, old, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    if (!slice.addressType) errs.push(field.required('addressType'));
    else if (!addressTypes.includes(slice.addressType)) errs.push(field.notSupported('addressType', slice.addressType, addressTypes));
    errs.push(...validateEndpoints(slice), ...validatePorts(slice));
    if (old) errs.push(...validateImmutableField(slice.addressType, old.addressType, 'addressType'));
    return errs;
  },
  tableColumns: [
    nameColumn,
    { name: 'AddressType', type: 'string', priority: 0, description: 'The type of address carried by this EndpointSlice.' },
    { name: 'Ports', type: 'string', priority: 0, description: 'Ports exposed by each endpoint in this slice.' },
    { name: 'Endpoints', type: 'string', priority: 0, description: 'Endpoints in this slice.' },
    ageColumn,
  ],
  tableRow: (slice, now) => {
    const ports = (slice.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*'));
    const addrs = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [slice.metadata.name, slice.addressType ?? '', listWithMore(ports, ports.length), listWithMore(addrs, addrs.length), age(slice, now)];
  },
};
