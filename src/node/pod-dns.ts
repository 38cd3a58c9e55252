// What the kubelet writes into a pod for name resolution: /etc/resolv.conf (from dnsPolicy,
// dnsConfig and the node's file) and /etc/hosts (with the pod's own FQDN line).
// Pure: inputs in, file contents and warnings out. shared/spec/dns-and-services.md §2.
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface ResolvConf { nameservers: string[]; searches: string[]; options: string[] }

export interface NodeDnsSettings {
  clusterDNS: string[]; // e.g. ['10.96.0.10']
  clusterDomain: string; // 'cluster.local'
  /** The node's resolv.conf content ('' = no base file). */
  hostResolvConf: string;
}

/** Parses a resolv.conf the way the kubelet does (last search/options line wins). */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search') out.searches = rest.map((s) => s.replace(/\.$/, '') || '.');
    else if (key === 'options') out.options = rest;
  }
  return out;
}

const uniq = <T>(xs: T[]) => xs.filter((x, i) => xs.indexOf(x) === i);

export interface DnsResult { resolv: ResolvConf; text: string; warnings: string[] }

export function podResolvConf(pod: Pod, node: NodeDnsSettings): DnsResult {
  const warnings: string[] = [];
  const ns = pod.metadata?.namespace ?? 'default';
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const hostNetwork = pod.spec?.hostNetwork === true;
  const host = (): ResolvConf =>
    node.hostResolvConf === '' ? { nameservers: ['127.0.0.1'], searches: ['.'], options: [] } : parseResolvConf(node.hostResolvConf);
  let base: ResolvConf;
  let mode: 'cluster' | 'host' | 'none' =
    policy === 'None' ? 'none' : policy === 'Default' ? 'host' : policy === 'ClusterFirst' && hostNetwork ? 'host' : 'cluster';
  if (mode === 'cluster' && node.clusterDNS.length === 0) {
    warnings.push('MissingClusterDNS: pod: "ClusterFirst" policy specified without cluster DNS: falling back to "Default" policy');
    mode = 'host';
  }
  if (mode === 'none') base = { nameservers: [], searches: [], options: [] };
  else if (mode === 'host') base = host();
  else {
    const hostFile = host();
    const d = node.clusterDomain;
    base = {
      nameservers: [...node.clusterDNS],
      searches: uniq([...(d ? [`${ns}.svc.${d}`, `svc.${d}`, d] : []), ...(node.hostResolvConf === '' ? [] : hostFile.searches)]),
      options: ['ndots:5'],
    };
  }
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    base.nameservers = uniq([...base.nameservers, ...(cfg.nameservers ?? [])]);
    base.searches = uniq([...base.searches, ...(cfg.searches ?? []).map((s) => s.replace(/\.$/, '') || '.')]);
    // Merge options by name: base order, pod values replace, then new names in pod order.
    const opts = new Map<string, string>();
    for (const o of base.options) opts.set(o.split(':')[0]!, o);
    for (const o of cfg.options ?? []) if (o.name) opts.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
    base.options = [...opts.values()];
  }
  if (base.nameservers.length > 3) {
    warnings.push(`DNSConfigForming: Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${base.nameservers.slice(0, 3).join(' ')}`);
    base.nameservers = base.nameservers.slice(0, 3);
  }
  let searches = base.searches.filter((s) => s.length <= 253);
  if (searches.length > 32) searches = searches.slice(0, 32);
  while (searches.join(' ').length > 2048) searches = searches.slice(0, -1);
  if (searches.length !== base.searches.length) warnings.push(`DNSConfigForming: Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`);
  base.searches = searches;
  return { resolv: base, text: renderResolvConf(base), warnings };
}

export function renderResolvConf(r: ResolvConf): string {
  const lines: string[] = [];
  if (r.searches.length) lines.push(`search ${r.searches.join(' ')}`);
  for (const n of r.nameservers) lines.push(`nameserver ${n}`);
  if (r.options.length) lines.push(`options ${r.options.join(' ')}`);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** The pod's hostname (spec.hostname or the name, at most 63 chars) and domain. */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): { hostname: string; domain: string } {
  let hostname = pod.spec?.hostname || pod.metadata?.name || '';
  if (hostname.length > 63) hostname = hostname.slice(0, 63).replace(/[-.]+$/, '');
  const sub = pod.spec?.subdomain;
  const domain = sub ? `${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

export function podHostsFile(pod: Pod, podIPs: string[], clusterDomain: string, nodeHostsFile = ''): string {
  const aliases = (pod.spec?.hostAliases ?? []).filter((a) => a.ip && a.hostnames?.length);
  const aliasBlock = aliases.length
    ? `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip}\t${a.hostnames!.join('\t')}`).join('\n')}\n`
    : '';
  if (pod.spec?.hostNetwork) return `# Kubernetes-managed hosts file (host network).\n${nodeHostsFile}${aliasBlock}`;
  const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    ...podIPs.map((ip) => (domain ? `${ip}\t${hostname}.${domain}\t${hostname}` : `${ip}\t${hostname}`)),
  ];
  return lines.join('\n') + '\n' + aliasBlock;
}
