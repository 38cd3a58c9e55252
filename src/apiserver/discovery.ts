// Discovery documents derived from the registry: legacy (/api, /apis, /api/v1, /apis/g/v) and
// aggregated (apidiscovery.k8s.io v2 and v2beta1; the caller sets the echoing Content-Type).
import { createHash } from 'node:crypto';
import type { KindDefinition } from '../api/kind.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface SubInfo { name: string; kind: { group: string; version: string; kind: string }; verbs: string[] }

/** Upstream's verbs and response kinds for the named subresources. */
function subresourcesOf(k: KindDefinition): SubInfo[] {
  const self = { group: k.group, version: k.version, kind: k.kind };
  const out: SubInfo[] = [];
  const s = k.subresources ?? {};
  if (s.scale) out.push({ name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
  if (s.status) out.push({ name: 'status', kind: self, verbs: ['get', 'patch', 'update'] });
  for (const o of s.other ?? []) {
    switch (o) {
      case 'binding': out.push({ name: o, kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] }); break;
      case 'eviction': out.push({ name: o, kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] }); break;
      case 'log': out.push({ name: o, kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] }); break;
      case 'exec': case 'attach': case 'portforward':
        out.push({ name: o, kind: { group: '', version: 'v1', kind: o === 'portforward' ? 'PodPortForwardOptions' : o === 'exec' ? 'PodExecOptions' : 'PodAttachOptions' }, verbs: ['create', 'get'] });
        break;
      case 'proxy': out.push({ name: o, kind: { group: '', version: 'v1', kind: `${k.kind}ProxyOptions` }, verbs: ['create', 'delete', 'get', 'patch', 'update'] }); break;
      case 'finalize': out.push({ name: o, kind: self, verbs: ['update'] }); break;
      case 'ephemeralcontainers': out.push({ name: o, kind: self, verbs: ['get', 'patch', 'update'] }); break;
      case 'token': out.push({ name: o, kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }); break;
      default: out.push({ name: o, kind: self, verbs: ['get'] });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface GroupInfo {
  name: string; // '' for core
  versions: string[]; // preferred first
}

/** Groups in registry order, each with its versions (first seen = preferred). */
export function groupsOf(kinds: KindDefinition[]): GroupInfo[] {
  const out: GroupInfo[] = [];
  for (const k of kinds) {
    let g = out.find((x) => x.name === k.group);
    if (!g) out.push((g = { name: k.group, versions: [] }));
    if (!g.versions.includes(k.version)) g.versions.push(k.version);
  }
  return out;
}

function storageVersionHash(k: KindDefinition): string {
  const g = k.storedAs ? `${k.storedAs.group}/${k.storedAs.version}` : `${k.group}/${k.version}`;
  return createHash('sha256').update(`${g}/${k.kind}`).digest('base64').slice(0, 11);
}

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(kinds: KindDefinition[]) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsOf(kinds).filter((g) => g.name !== '').map((g) => apiGroup(g)),
  };
}

export function apiGroup(g: GroupInfo) {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: g.name, versions, preferredVersion: versions[0] };
}

export function apiResourceList(kinds: KindDefinition[], group: string, version: string) {
  const resources: Record<string, unknown>[] = [];
  for (const k of kinds.filter((x) => x.group === group && x.version === version)) {
    const r: Record<string, unknown> = {
      name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: k.verbs ?? ALL_VERBS,
    };
    if (k.shortNames?.length) r.shortNames = k.shortNames;
    if (k.categories?.length) r.categories = k.categories;
    r.storageVersionHash = storageVersionHash(k);
    resources.push(r);
    for (const s of subresourcesOf(k)) {
      const e: Record<string, unknown> = { name: `${k.plural}/${s.name}`, singularName: '', namespaced: k.namespaced, kind: s.kind.kind, verbs: s.verbs };
      if (s.kind.group !== k.group || s.kind.version !== k.version) { e.group = s.kind.group; e.version = s.kind.version; }
      resources.push(e);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function aggregatedGroup(kinds: KindDefinition[], g: GroupInfo) {
  return {
    metadata: { name: g.name, creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v,
      freshness: 'Current',
      resources: kinds.filter((k) => k.group === g.name && k.version === v).map((k) => {
        const r: Record<string, unknown> = {
          resource: k.plural,
          responseKind: { group: k.group, version: k.version, kind: k.kind },
          scope: k.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: k.singular,
          verbs: k.verbs ?? ALL_VERBS,
        };
        if (k.shortNames?.length) r.shortNames = k.shortNames;
        if (k.categories?.length) r.categories = k.categories;
        const subs = subresourcesOf(k);
        if (subs.length) r.subresources = subs.map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: s.verbs }));
        return r;
      }),
    })),
  };
}

/** Aggregated discovery for /api (core only) or /apis (named groups). */
export function aggregatedDiscovery(kinds: KindDefinition[], which: 'api' | 'apis', version: 'v2' | 'v2beta1') {
  const groups = groupsOf(kinds).filter((g) => (which === 'api' ? g.name === '' : g.name !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => aggregatedGroup(kinds, g)),
  };
}
