// A compact, query-shaped index of what cluster DNS needs: namespaces, services (by name and by
// ClusterIP) and ready endpoints per service (by name and by IP). Fed from Service, EndpointSlice and
// Namespace events; never holds whole objects.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';

export interface DnsPort { name: string; protocol: string; port: number }

export interface DnsService {
  namespace: string;
  name: string;
  /** 'ClusterIP' | 'Headless' | 'ExternalName' */
  mode: 'ClusterIP' | 'Headless' | 'ExternalName';
  clusterIPs: string[];
  externalName?: string;
  ports: DnsPort[];
}

export interface DnsEndpoint {
  ip: string;
  family: 4 | 6;
  /** The endpoint name: hostname, else the dashed IP. */
  name: string;
  ready: boolean;
}

export interface DnsSlice {
  namespace: string;
  service: string;
  endpoints: DnsEndpoint[];
  ports: DnsPort[];
}

export function dashedIP(ip: string): string {
  if (!ip.includes(':')) return ip.replace(/\./g, '-');
  const d = ip.replace(/:/g, '-');
  return d.endsWith('-') ? d + '0' : d;
}

const key = (ns: string, name: string) => `${name.toLowerCase()}.${ns.toLowerCase()}`;

export class ClusterIndex {
  private namespaces = new Set<string>();
  private services = new Map<string, DnsService>();
  private byClusterIP = new Map<string, DnsService>();
  /** slice uid/name key → slice */
  private slices = new Map<string, DnsSlice>();
  /** service key → slice keys */
  private slicesByService = new Map<string, Set<string>>();
  /** Bumped on every change; lets the server drop cached answers. */
  generation = 0;
  /** Unix seconds of the last change (SOA serial). */
  serial = Math.floor(Date.now() / 1000);
  synced = false;
  private changeListeners: (() => void)[] = [];

  /** Called synchronously after every change (the server's UDP workers drop their caches). */
  onChange(fn: () => void): () => void {
    this.changeListeners.push(fn);
    return () => {
      this.changeListeners = this.changeListeners.filter((f) => f !== fn);
    };
  }

  /** Called once the informers have synced: in-zone misses stop being SERVFAIL. */
  markSynced(): void {
    this.synced = true;
    this.touch();
  }

  private touch(): void {
    this.generation++;
    this.serial = Math.floor(Date.now() / 1000);
    for (const fn of this.changeListeners) fn();
  }

  upsertNamespace(ns: Namespace): void {
    const name = ns.metadata?.name;
    if (!name) return;
    this.namespaces.add(name.toLowerCase());
    this.touch();
  }
  deleteNamespace(name: string): void {
    this.namespaces.delete(name.toLowerCase());
    this.touch();
  }
  hasNamespace(name: string): boolean {
    return this.namespaces.has(name);
  }

  upsertService(svc: Service): void {
    const ns = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name;
    if (!name) return;
    this.removeService(ns, name);
    const spec = svc.spec ?? {};
    const ips = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None');
    const mode: DnsService['mode'] = spec.type === 'ExternalName' ? 'ExternalName' : ips.length === 0 ? 'Headless' : 'ClusterIP';
    const entry: DnsService = {
      namespace: ns.toLowerCase(),
      name: name.toLowerCase(),
      mode,
      clusterIPs: mode === 'ClusterIP' ? ips : [],
      externalName: mode === 'ExternalName' ? spec.externalName?.replace(/\.$/, '') : undefined,
      ports: (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port })),
    };
    this.services.set(key(ns, name), entry);
    for (const ip of entry.clusterIPs) if (!this.byClusterIP.has(ip)) this.byClusterIP.set(ip, entry);
    this.touch();
  }
  deleteService(ns: string, name: string): void {
    this.removeService(ns, name);
    this.touch();
  }
  private removeService(ns: string, name: string): void {
    const old = this.services.get(key(ns, name));
    if (!old) return;
    this.services.delete(key(ns, name));
    for (const ip of old.clusterIPs) if (this.byClusterIP.get(ip) === old) this.byClusterIP.delete(ip);
  }
  service(ns: string, name: string): DnsService | undefined {
    return this.services.get(`${name}.${ns}`);
  }
  serviceByClusterIP(ip: string): DnsService | undefined {
    return this.byClusterIP.get(ip);
  }

  upsertSlice(slice: EndpointSlice): void {
    const ns = slice.metadata?.namespace ?? 'default';
    const sliceName = slice.metadata?.name ?? '';
    const svc = slice.metadata?.labels?.['kubernetes.io/service-name'];
    this.removeSlice(ns, sliceName);
    if (!svc || (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6')) {
      this.touch();
      return;
    }
    const family = slice.addressType === 'IPv6' ? 6 : 4;
    const endpoints: DnsEndpoint[] = [];
    for (const ep of slice.endpoints ?? []) {
      const ready = ep.conditions?.ready !== false; // nil means ready
      for (const ip of ep.addresses ?? []) {
        endpoints.push({ ip, family, name: (ep.hostname || dashedIP(ip)).toLowerCase(), ready });
      }
    }
    const entry: DnsSlice = {
      namespace: ns.toLowerCase(),
      service: svc.toLowerCase(),
      endpoints,
      ports: (slice.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port ?? -1 })),
    };
    const sk = `${ns}/${sliceName}`;
    this.slices.set(sk, entry);
    const svcKey = key(ns, svc);
    let set = this.slicesByService.get(svcKey);
    if (!set) this.slicesByService.set(svcKey, (set = new Set()));
    set.add(sk);
    this.touch();
  }
  deleteSlice(ns: string, name: string): void {
    this.removeSlice(ns, name);
    this.touch();
  }
  private removeSlice(ns: string, name: string): void {
    const sk = `${ns}/${name}`;
    const old = this.slices.get(sk);
    if (!old) return;
    this.slices.delete(sk);
    const svcKey = `${old.service}.${old.namespace}`;
    const set = this.slicesByService.get(svcKey);
    set?.delete(sk);
    if (set && set.size === 0) this.slicesByService.delete(svcKey);
  }
  /** Slices backing a service (names lowercased). */
  slicesOf(ns: string, name: string): DnsSlice[] {
    const set = this.slicesByService.get(`${name}.${ns}`);
    if (!set) return [];
    const out: DnsSlice[] = [];
    for (const sk of set) {
      const s = this.slices.get(sk);
      if (s) out.push(s);
    }
    return out;
  }
  /** Every (service, endpoint) whose ready endpoint has this IP. */
  endpointsByIP(ip: string): { svc: DnsSlice; ep: DnsEndpoint }[] {
    const out: { svc: DnsSlice; ep: DnsEndpoint }[] = [];
    const seen = new Set<string>();
    for (const s of this.slices.values()) {
      for (const ep of s.endpoints) {
        const k = `${s.service}.${s.namespace}/${ep.name}`;
        if (ep.ready && ep.ip === ip && !seen.has(k)) {
          seen.add(k);
          out.push({ svc: s, ep });
        }
      }
    }
    return out;
  }
  /** Rough count of records held, for the memory benchmark. */
  size(): { services: number; slices: number; endpoints: number } {
    let endpoints = 0;
    for (const s of this.slices.values()) endpoints += s.endpoints.length;
    return { services: this.services.size, slices: this.slices.size, endpoints };
  }
}
