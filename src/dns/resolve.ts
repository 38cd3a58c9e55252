// Pure cluster-DNS resolution: a question and the index in, the response sections out. The rules
// (NXDOMAIN vs NODATA, SOA in authority, SRV weights, quirks) follow CoreDNS's kubernetes plugin as
// written down in shared/spec/dns-and-services.md §1.
import type { Answer, RecordType } from 'dns-packet';
import { ClusterIndex, type DnsService, type DnsEndpoint } from './cluster-index.js';

/** Question types: dns-packet's record types plus the meta type ANY. */
export type QType = RecordType | 'ANY';

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'NOTIMP';

export interface Resolution {
  rcode: Rcode;
  /** Authoritative (in-zone) answer. */
  aa: boolean;
  answers: Answer[];
  authority: Answer[];
  additionals: Answer[];
  /** Not ours: hand the query to the upstream resolvers. */
  forward?: boolean;
  /** ExternalName A/AAAA: the CNAME target must be resolved upstream and appended. */
  chaseUpstream?: { name: string; type: 'A' | 'AAAA' };
}

export interface ResolveOptions {
  zone: string; // 'cluster.local'
  ttl: number; // default 5
  /** Addresses for ns.dns.<zone> (the kube-dns ClusterIP, else our own). */
  nsAddresses: string[];
}

const DNS_VERSION = '1.1.0';

function result(rcode: Rcode, answers: Answer[] = [], additionals: Answer[] = []): Resolution {
  return { rcode, aa: true, answers, authority: [], additionals };
}

/** IPv4/IPv6 address → reverse name, or undefined. */
export function reverseName(ip: string): string {
  if (!ip.includes(':')) return ip.split('.').reverse().join('.') + '.in-addr.arpa';
  return expandIPv6(ip).replace(/:/g, '').split('').reverse().join('.') + '.ip6.arpa';
}

export function expandIPv6(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const fill = tail !== undefined ? 8 - h.length - t.length : 0;
  return [...h, ...Array(fill).fill('0'), ...t].map((g) => g.padStart(4, '0')).join(':');
}

/** Reverse name → IP, or undefined when malformed. */
function ipFromReverse(labels: string[], v6: boolean): string | undefined {
  if (!v6) {
    if (labels.length !== 4 || !labels.every((l) => /^\d{1,3}$/.test(l) && +l <= 255)) return undefined;
    return labels.slice().reverse().map((l) => String(+l)).join('.');
  }
  if (labels.length !== 32 || !labels.every((l) => /^[0-9a-f]$/.test(l))) return undefined;
  const nib = labels.slice().reverse().join('');
  const groups = nib.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
  return compressIPv6(groups);
}

function compressIPv6(groups: string[]): string {
  // Longest run of zero groups (length >= 2) becomes '::'.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return groups.slice(0, best).join(':') + '::' + groups.slice(best + bestLen).join(':');
}

function familyOf(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

/** Parses the pod-record label `1-2-3-4` (or the IPv6 dashed form). */
function podLabelIP(label: string): string | undefined {
  const dashes = (label.match(/-/g) ?? []).length;
  if (dashes === 3 && !label.includes('--')) {
    const parts = label.split('-');
    return parts.every((p) => /^\d{1,3}$/.test(p) && +p <= 255) ? parts.map((p) => String(+p)).join('.') : undefined;
  }
  const ip = label.replace(/-/g, ':');
  return /^[0-9a-f:]+$/.test(ip) && ip.includes(':') ? ip : undefined;
}

export class Resolver {
  constructor(private readonly index: ClusterIndex, private readonly opts: ResolveOptions) {}

  private get zone(): string {
    return this.opts.zone;
  }

  soa(): Answer {
    const z = this.zone;
    return {
      name: z,
      type: 'SOA',
      class: 'IN',
      ttl: Math.min(this.opts.ttl, 300),
      data: { mname: `ns.dns.${z}`, rname: `hostmaster.${z}`, serial: this.index.serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: this.opts.ttl },
    } as Answer;
  }

  /** Resolve one question. `qname` as asked (case kept for the answer owner). */
  resolve(qname: string, qtype: QType, qclass: string = 'IN'): Resolution {
    const name = qname.replace(/\.$/, '');
    const lower = name.toLowerCase();
    const zone = this.zone;
    if (lower.endsWith('.in-addr.arpa') || lower.endsWith('.ip6.arpa')) return this.reverse(name, lower, qtype);
    const inZone = lower === zone || lower.endsWith('.' + zone);
    if (!inZone) return { rcode: 'NOERROR', aa: false, answers: [], authority: [], additionals: [], forward: true };
    if (qclass !== 'IN' && qclass !== 'ANY') return this.finish(result('REFUSED'));
    if (qtype === 'AXFR' || qtype === 'IXFR') return this.finish(result('REFUSED'));
    const rest = lower === zone ? [] : lower.slice(0, -(zone.length + 1)).split('.');
    return this.finish(this.inZone(name, rest, qtype));
  }

  /** Adds the SOA to negative answers; turns NXDOMAIN into SERVFAIL before the first sync. */
  private finish(r: Resolution): Resolution {
    if (r.rcode === 'NXDOMAIN' && !this.index.synced) return { ...r, rcode: 'SERVFAIL', authority: [] };
    if ((r.rcode === 'NXDOMAIN' || (r.rcode === 'NOERROR' && r.answers.length === 0)) && r.aa) r.authority = [this.soa()];
    return r;
  }

  private inZone(qname: string, rest: string[], qtype: QType): Resolution {
    const ttl = this.opts.ttl;
    const zone = this.zone;
    // Apex.
    if (rest.length === 0) {
      if (qtype === 'SOA') return result('NOERROR', [{ ...this.soa(), name: qname }]);
      if (qtype === 'NS') {
        const ns = `ns.dns.${zone}`;
        return result('NOERROR', [{ name: qname, type: 'NS', class: 'IN', ttl, data: ns }], this.addrRecords(ns, this.opts.nsAddresses));
      }
      if (qtype === 'TXT') return result('NXDOMAIN');
      return result('NOERROR');
    }
    if (qtype === 'SOA') return result('NOERROR'); // any name below the apex: NODATA (CoreDNS quirk)
    if (rest.length === 1 && rest[0] === 'dns-version') {
      return qtype === 'TXT' ? result('NOERROR', [{ name: qname, type: 'TXT', class: 'IN', ttl: 28800, data: DNS_VERSION }]) : result('NXDOMAIN');
    }
    if (rest.length === 2 && rest[0] === 'ns' && rest[1] === 'dns') {
      return this.addresses(qname, this.opts.nsAddresses, qtype);
    }
    const kind = rest[rest.length - 1];
    if (kind !== 'svc' && kind !== 'pod') return result('NXDOMAIN');
    const labels = rest.slice(0, -1); // right to left: ns is last
    if (labels.length === 0) return qtype === 'TXT' ? result('NXDOMAIN') : result('NOERROR');
    const ns = labels[labels.length - 1]!;
    if (!this.index.hasNamespace(ns)) return result('NXDOMAIN');
    if (labels.length === 1) return qtype === 'TXT' ? result('NXDOMAIN') : result('NOERROR');
    if (kind === 'pod') {
      if (labels.length !== 2) return result('NXDOMAIN');
      const ip = podLabelIP(labels[0]!);
      if (!ip) return result('NXDOMAIN');
      return this.addresses(qname, [ip], qtype);
    }
    const svc = this.index.service(ns, labels[labels.length - 2]!);
    if (!svc) return result('NXDOMAIN');
    const extra = labels.slice(0, -2);
    if (extra.length === 0) return this.serviceName(qname, svc, qtype);
    if (extra.length === 1) return this.endpointName(qname, svc, extra[0]!, qtype);
    if (extra.length === 2) return this.portName(qname, svc, extra[0]!, extra[1]!, qtype);
    return result('NXDOMAIN');
  }

  private svcFqdn(svc: DnsService): string {
    return `${svc.name}.${svc.namespace}.svc.${this.zone}`;
  }

  private readyEndpoints(svc: DnsService): { ep: DnsEndpoint; ports: { name: string; protocol: string; port: number }[] }[] {
    const out: { ep: DnsEndpoint; ports: { name: string; protocol: string; port: number }[] }[] = [];
    for (const s of this.index.slicesOf(svc.namespace, svc.name)) {
      for (const ep of s.endpoints) if (ep.ready) out.push({ ep, ports: s.ports });
    }
    return out;
  }

  private addrRecords(owner: string, ips: string[], family?: 4 | 6): Answer[] {
    const seen = new Set<string>();
    const out: Answer[] = [];
    for (const ip of ips) {
      if (seen.has(ip)) continue;
      seen.add(ip);
      const f = familyOf(ip);
      if (family && f !== family) continue;
      out.push({ name: owner, type: f === 6 ? 'AAAA' : 'A', class: 'IN', ttl: this.opts.ttl, data: ip });
    }
    return out;
  }

  /** A/AAAA for a name that exists with these addresses; NODATA for other types/families. */
  private addresses(qname: string, ips: string[], qtype: QType): Resolution {
    if (qtype === 'A' || qtype === 'AAAA') return result('NOERROR', this.addrRecords(qname, ips, qtype === 'A' ? 4 : 6));
    if (qtype === 'ANY') return result('NOERROR', this.addrRecords(qname, ips));
    return result('NOERROR');
  }

  private serviceName(qname: string, svc: DnsService, qtype: QType): Resolution {
    const ttl = this.opts.ttl;
    if (svc.mode === 'ExternalName') {
      const target = svc.externalName ?? '';
      if (!target || /^[\d.]+$/.test(target) || target.includes(':')) return result('NXDOMAIN');
      const cname: Answer = { name: qname, type: 'CNAME', class: 'IN', ttl, data: target };
      if (qtype === 'CNAME') return result('NOERROR', [cname]);
      if (qtype === 'A' || qtype === 'AAAA') {
        const t = target.toLowerCase();
        if (t === this.zone || t.endsWith('.' + this.zone)) {
          // Chase inside our own zone (chain limit 10 guards loops).
          const chased = this.chase(t, qtype, 10);
          return result('NOERROR', [cname, ...chased]);
        }
        const r = result('NOERROR', [cname]);
        r.chaseUpstream = { name: target, type: qtype };
        return r;
      }
      return result('NOERROR');
    }
    if (svc.mode === 'ClusterIP') {
      if (qtype === 'SRV') return this.srv(qname, svc, undefined, undefined);
      return this.addresses(qname, svc.clusterIPs, qtype);
    }
    // Headless: the ready endpoints; none at all → NXDOMAIN.
    const ready = this.readyEndpoints(svc);
    if (ready.length === 0) return result('NXDOMAIN');
    if (qtype === 'SRV') return this.srv(qname, svc, undefined, undefined);
    return this.addresses(qname, ready.map((r) => r.ep.ip), qtype);
  }

  private chase(name: string, qtype: QType, depth: number): Answer[] {
    if (depth <= 0) return [];
    const r = this.resolve(name, qtype);
    if (r.rcode !== 'NOERROR') return [];
    const cname = r.answers.find((a) => a.type === 'CNAME') as { data?: unknown } | undefined;
    const target = typeof cname?.data === 'string' ? cname.data.toLowerCase() : undefined;
    if (target && target !== name) return [...r.answers, ...this.chase(target, qtype, depth - 1)];
    return r.answers;
  }

  private endpointName(qname: string, svc: DnsService, epName: string, qtype: QType): Resolution {
    if (svc.mode === 'ExternalName') return result('NXDOMAIN');
    const ips = this.readyEndpoints(svc).filter((r) => r.ep.name === epName).map((r) => r.ep.ip);
    if (ips.length === 0) return result('NXDOMAIN');
    return this.addresses(qname, ips, qtype);
  }

  private portName(qname: string, svc: DnsService, portLabel: string, protoLabel: string, qtype: QType): Resolution {
    if (svc.mode === 'ExternalName') return result('NXDOMAIN');
    const port = portLabel.replace(/^_/, '');
    const proto = protoLabel.replace(/^_/, '');
    const r = this.srv(qname, svc, port, proto);
    if (r.answers.length === 0) return result('NXDOMAIN');
    if (qtype === 'SRV' || qtype === 'ANY') return r;
    return result('NOERROR');
  }

  /** SRV records; `port`/`proto` undefined or '' mean any (bare-name SRV includes unnamed ports). */
  private srv(qname: string, svc: DnsService, port: string | undefined, proto: string | undefined): Resolution {
    const cands: { target: string; port: number; ips: string[] }[] = [];
    const matches = (p: { name: string; protocol: string }) => (!port || p.name === port) && (!proto || p.protocol === proto) && (port === undefined || p.name !== '' || !port);
    if (svc.mode === 'ClusterIP') {
      const fq = this.svcFqdn(svc);
      for (const p of svc.ports) {
        if (!matches(p)) continue;
        for (const _ip of svc.clusterIPs) cands.push({ target: fq, port: p.port, ips: svc.clusterIPs });
      }
    } else {
      for (const { ep, ports } of this.readyEndpoints(svc)) {
        for (const p of ports) {
          if (p.port < 0 || !matches(p)) continue;
          cands.push({ target: `${ep.name}.${this.svcFqdn(svc)}`, port: p.port, ips: [ep.ip] });
        }
      }
    }
    const weight = Math.floor(100 / Math.max(1, cands.length));
    const seen = new Set<string>();
    const answers: Answer[] = [];
    const extra: Answer[] = [];
    const extraSeen = new Set<string>();
    for (const c of cands) {
      const k = `${c.target}:${c.port}`;
      if (seen.has(k)) continue;
      seen.add(k);
      answers.push({ name: qname, type: 'SRV', class: 'IN', ttl: this.opts.ttl, data: { priority: 0, weight, port: c.port, target: c.target } });
      for (const ip of c.ips) {
        const ek = `${c.target}/${ip}`;
        if (extraSeen.has(ek)) continue;
        extraSeen.add(ek);
        extra.push(...this.addrRecords(c.target, [ip]));
      }
    }
    return result('NOERROR', answers, extra);
  }

  private reverse(qname: string, lower: string, qtype: QType): Resolution {
    const v6 = lower.endsWith('.ip6.arpa');
    const labels = lower.slice(0, -(v6 ? '.ip6.arpa'.length : '.in-addr.arpa'.length)).split('.');
    const ip = ipFromReverse(labels, v6);
    const fwd: Resolution = { rcode: 'NOERROR', aa: false, answers: [], authority: [], additionals: [], forward: true };
    if (!ip) return fwd;
    const svc = this.index.serviceByClusterIP(ip);
    const names: string[] = [];
    if (svc) names.push(this.svcFqdn(svc));
    else for (const { svc: s, ep } of this.index.endpointsByIP(ip)) names.push(`${ep.name}.${s.service}.${s.namespace}.svc.${this.zone}`);
    if (names.length === 0) return fwd; // fallthrough to the forwarder, as CoreDNS's `fallthrough in-addr.arpa ip6.arpa`
    if (qtype !== 'PTR' && qtype !== 'ANY') return { rcode: 'NOERROR', aa: true, answers: [], authority: [this.soa()], additionals: [] };
    return { rcode: 'NOERROR', aa: true, answers: names.map((n) => ({ name: qname, type: 'PTR', class: 'IN', ttl: this.opts.ttl, data: n }) as Answer), authority: [], additionals: [] };
  }
}
