import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podResolvConf, podHostsFile, parseResolvConf } from '../../../src/node/pod-dns.js';

const node = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: '# host\nsearch corp.example.\nnameserver 192.0.2.1\noptions rotate\n' };
const pod = (ns: string, spec: Pod['spec'] = { containers: [] }): Pod => ({ metadata: { name: 'web-0', namespace: ns }, spec });

test('ClusterFirst: cluster nameserver, namespace search list then the node search, ndots:5', () => {
  assert.equal(podResolvConf(pod('shop'), node).text, 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n');
});

test('policies: Default and hostNetwork use the node file; ClusterFirstWithHostNet the cluster; None only dnsConfig', () => {
  assert.equal(podResolvConf(pod('a', { containers: [], dnsPolicy: 'Default' }), node).text, 'search corp.example\nnameserver 192.0.2.1\noptions rotate\n');
  assert.equal(podResolvConf(pod('a', { containers: [], hostNetwork: true }), node).text, 'search corp.example\nnameserver 192.0.2.1\noptions rotate\n');
  assert.match(podResolvConf(pod('a', { containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), node).text, /^search a\.svc\.cluster\.local/);
  const none = podResolvConf(pod('team', { containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.53'], searches: ['team.svc.cluster.local', 'corp.internal'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), node);
  assert.equal(none.text, 'search team.svc.cluster.local corp.internal\nnameserver 192.0.2.53\noptions ndots:2 edns0\n');
});

test('dnsConfig merges: options replaced by name, duplicates dropped, limits applied with warnings', () => {
  const r = podResolvConf(pod('a', { containers: [], dnsConfig: { nameservers: ['10.96.0.10', '1.1.1.1', '8.8.8.8', '9.9.9.9'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }] } }), node);
  assert.deepEqual(r.resolv.nameservers, ['10.96.0.10', '1.1.1.1', '8.8.8.8']);
  assert.deepEqual(r.resolv.options, ['ndots:1', 'single-request']);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /^DNSConfigForming: Nameserver limits were exceeded/);
});

test('no cluster DNS falls back to the host file with a warning', () => {
  const r = podResolvConf(pod('a'), { ...node, clusterDNS: [] });
  assert.deepEqual(r.resolv.nameservers, ['192.0.2.1']);
  assert.match(r.warnings[0]!, /^MissingClusterDNS/);
});

test('parseResolvConf: last search/options line wins, comments ignored', () => {
  assert.deepEqual(parseResolvConf('search a b\nsearch c.\n#nameserver 1.1.1.1\nnameserver 2.2.2.2\noptions x\noptions y z'), { nameservers: ['2.2.2.2'], searches: ['c'], options: ['y', 'z'] });
});

test('/etc/hosts carries the StatefulSet pod FQDN line and host aliases', () => {
  const p = pod('default', { containers: [], hostname: 'web-0', subdomain: 'nginx', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }] });
  assert.equal(
    podHostsFile(p, ['10.244.1.7'], 'cluster.local'),
    '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.244.1.7\tweb-0.nginx.default.svc.cluster.local\tweb-0\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n',
  );
  const plain = podHostsFile({ metadata: { name: 'x'.repeat(70) + '-', namespace: 'd' }, spec: { containers: [] } }, ['10.0.0.1'], 'cluster.local');
  assert.ok(plain.endsWith(`10.0.0.1\t${'x'.repeat(63)}\n`));
  assert.match(podHostsFile(pod('d', { containers: [], hostNetwork: true }), [], 'cluster.local', '127.0.0.1 localhost\n'), /^# Kubernetes-managed hosts file \(host network\)\.\n127\.0\.0\.1 localhost\n$/);
});
