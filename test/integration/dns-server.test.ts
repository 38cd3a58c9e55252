// Cluster DNS answered to a real resolver client (dig), every row of the response-code table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import dgram from 'node:dgram';
import net from 'node:net';
import { DnsServer } from '../../src/dns/server.js';
import * as packet from 'dns-packet';

const run = promisify(execFile);
let dns: DnsServer;
let upstream: dgram.Socket;

interface Dig { status: string; flags: string[]; answer: string[]; authority: string[]; additional: string[] }

async function dig(name: string, type = 'A', ...extra: string[]): Promise<Dig> {
  const { stdout } = await run('dig', [`@127.0.0.1`, '-p', String(dns.address.port), '+tries=1', '+time=2', name, type, ...extra]);
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
  const flags = (/flags: ([a-z ]+);/.exec(stdout)?.[1] ?? '').trim().split(' ');
  const section = (title: string) => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(\\n\\n|$)`).exec(stdout);
    return m ? m[1]!.split('\n').filter(Boolean).map((l) => l.split(/\s+/).join(' ')) : [];
  };
  return { status, flags, answer: section('ANSWER'), authority: section('AUTHORITY'), additional: section('ADDITIONAL') };
}

const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({ name, namespace, labels });

before(async () => {
  // A fake upstream on loopback, so forwarding is tested without leaving the machine.
  upstream = dgram.createSocket('udp4');
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  upstream.on('message', (msg, rinfo) => {
    const q = packet.decode(msg);
    const name = q.questions![0]!.name;
    const answers = name === 'example.test' ? [{ name, type: 'A' as const, class: 'IN' as const, ttl: 60, data: '192.0.2.7' }] : [];
    upstream.send(packet.encode({ type: 'response', id: q.id, flags: packet.RECURSION_AVAILABLE | (answers.length ? 0 : 3), questions: q.questions, answers }), rinfo.port, rinfo.address);
  });
  dns = new DnsServer({ host: '127.0.0.1', port: 0, upstreams: [`127.0.0.1:${upstream.address().port}`], nsAddresses: ['10.96.0.10'] });
  await dns.start();
  const ix = dns.index;
  for (const ns of ['default', 'kube-system']) ix.upsertNamespace({ metadata: meta(ns) });
  ix.upsertService({ metadata: meta('kubernetes', 'default'), spec: { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } });
  ix.upsertService({ metadata: meta('nginx', 'default'), spec: { clusterIP: 'None', ports: [{ name: 'web', port: 80 }] } });
  ix.upsertService({ metadata: meta('empty', 'default'), spec: { clusterIP: 'None', ports: [{ name: 'web', port: 80 }] } });
  ix.upsertService({ metadata: meta('ext', 'default'), spec: { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' } });
  ix.upsertSlice({
    metadata: meta('nginx-abc', 'default', { 'kubernetes.io/service-name': 'nginx' }),
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.244.0.5'], hostname: 'web-0', conditions: { ready: true } },
      { addresses: ['10.244.0.6'], hostname: 'web-1', conditions: { ready: true } },
      { addresses: ['10.244.0.7'], hostname: 'web-2', conditions: { ready: false } },
    ],
    ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
  });
  ix.markSynced();
});

after(async () => {
  await dns.stop();
  upstream.close();
});

test('ClusterIP service: A is the ClusterIP, authoritative', async () => {
  const r = await dig('kubernetes.default.svc.cluster.local');
  assert.equal(r.status, 'NOERROR');
  assert.ok(r.flags.includes('aa'));
  assert.deepEqual(r.answer, ['kubernetes.default.svc.cluster.local. 5 IN A 10.96.0.1']);
});

test('AAAA of an IPv4-only service is NODATA with the SOA', async () => {
  const r = await dig('kubernetes.default.svc.cluster.local', 'AAAA');
  assert.equal(r.status, 'NOERROR');
  assert.deepEqual(r.answer, []);
  assert.match(r.authority[0]!, /^cluster\.local\. 5 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5$/);
});

test('missing service and missing namespace are NXDOMAIN with the SOA', async () => {
  for (const n of ['nope.default.svc.cluster.local', 'kubernetes.nons.svc.cluster.local', 'foo.cluster.local']) {
    const r = await dig(n);
    assert.equal(r.status, 'NXDOMAIN', n);
    assert.equal(r.authority.length, 1, n);
  }
});

test('headless service answers its ready endpoints only', async () => {
  const r = await dig('nginx.default.svc.cluster.local');
  assert.equal(r.status, 'NOERROR');
  assert.deepEqual(r.answer.map((a) => a.split(' ')[4]).sort(), ['10.244.0.5', '10.244.0.6']);
  assert.equal((await dig('empty.default.svc.cluster.local')).status, 'NXDOMAIN');
  assert.equal((await dig('nginx.default.svc.cluster.local', 'AAAA')).status, 'NOERROR');
});

test('per-pod names of a StatefulSet behind a headless service', async () => {
  const r = await dig('web-0.nginx.default.svc.cluster.local');
  assert.deepEqual(r.answer, ['web-0.nginx.default.svc.cluster.local. 5 IN A 10.244.0.5']);
  assert.equal((await dig('web-2.nginx.default.svc.cluster.local')).status, 'NXDOMAIN', 'not ready');
  assert.equal((await dig('web-9.nginx.default.svc.cluster.local')).status, 'NXDOMAIN');
  const upper = await dig('WEB-0.Nginx.Default.SVC.cluster.local');
  assert.equal(upper.answer[0], 'WEB-0.Nginx.Default.SVC.cluster.local. 5 IN A 10.244.0.5', 'case echoed');
});

test('SRV for a named port, with targets in the additional section', async () => {
  const r = await dig('_web._tcp.nginx.default.svc.cluster.local', 'SRV');
  assert.equal(r.status, 'NOERROR');
  assert.deepEqual(r.answer.map((a) => a.split(' ').slice(4).join(' ')).sort(), [
    '0 50 8080 web-0.nginx.default.svc.cluster.local.',
    '0 50 8080 web-1.nginx.default.svc.cluster.local.',
  ]);
  assert.equal(r.additional.filter((a) => a.includes(' IN A ')).length, 2);
  const c = await dig('_https._tcp.kubernetes.default.svc.cluster.local', 'SRV');
  assert.deepEqual(c.answer, ['_https._tcp.kubernetes.default.svc.cluster.local. 5 IN SRV 0 100 443 kubernetes.default.svc.cluster.local.']);
  assert.equal((await dig('_nope._tcp.nginx.default.svc.cluster.local', 'SRV')).status, 'NXDOMAIN');
});

test('ExternalName: CNAME, chased inside the zone; sub-names NXDOMAIN', async () => {
  const c = await dig('ext.default.svc.cluster.local', 'CNAME');
  assert.deepEqual(c.answer, ['ext.default.svc.cluster.local. 5 IN CNAME kubernetes.default.svc.cluster.local.']);
  const a = await dig('ext.default.svc.cluster.local', 'A');
  assert.deepEqual(a.answer, ['ext.default.svc.cluster.local. 5 IN CNAME kubernetes.default.svc.cluster.local.', 'kubernetes.default.svc.cluster.local. 5 IN A 10.96.0.1']);
  assert.equal((await dig('x.ext.default.svc.cluster.local')).status, 'NXDOMAIN');
});

test('dns-version TXT, apex SOA/NS, NODATA names, TXT quirks', async () => {
  assert.deepEqual((await dig('dns-version.cluster.local', 'TXT')).answer, ['dns-version.cluster.local. 28800 IN TXT "1.1.0"']);
  assert.equal((await dig('dns-version.cluster.local', 'A')).status, 'NXDOMAIN');
  assert.match((await dig('cluster.local', 'SOA')).answer[0]!, /IN SOA ns\.dns\.cluster\.local\./);
  const ns = await dig('cluster.local', 'NS');
  assert.deepEqual(ns.answer, ['cluster.local. 5 IN NS ns.dns.cluster.local.']);
  assert.deepEqual(ns.additional.filter((a) => a.includes(' IN A ')), ['ns.dns.cluster.local. 5 IN A 10.96.0.10']);
  for (const n of ['cluster.local', 'svc.cluster.local', 'pod.cluster.local', 'default.svc.cluster.local']) {
    const r = await dig(n, 'A');
    assert.equal(r.status, 'NOERROR', n);
    assert.equal(r.answer.length, 0, n);
    assert.equal((await dig(n, 'TXT')).status, 'NXDOMAIN', `${n} TXT`);
  }
  assert.equal((await dig('kubernetes.default.svc.cluster.local', 'TXT')).status, 'NOERROR');
  assert.equal((await dig('whatever.default.svc.cluster.local', 'SOA')).status, 'NOERROR');
  const axfr = await run('dig', ['@127.0.0.1', '-p', String(dns.address.port), '+tries=1', '+time=2', 'cluster.local', 'AXFR']);
  assert.match(axfr.stdout, /Transfer failed/);
  const refused = await dns.handle(packet.encode({ type: 'query', id: 7, questions: [{ type: 'AXFR', name: 'cluster.local', class: 'IN' }] }), 'tcp');
  assert.equal((packet.decode(refused!) as { rcode?: string }).rcode, 'REFUSED');
});

test('pod records (insecure mode) and PTR for ClusterIPs and endpoints', async () => {
  assert.deepEqual((await dig('10-244-0-9.default.pod.cluster.local')).answer, ['10-244-0-9.default.pod.cluster.local. 5 IN A 10.244.0.9']);
  const dashX = await run('dig', ['@127.0.0.1', '-p', String(dns.address.port), '+tries=1', '+short', '-x', '10.96.0.1']);
  assert.equal(dashX.stdout.trim(), 'kubernetes.default.svc.cluster.local.');
  const ptr = await dig('1.0.96.10.in-addr.arpa', 'PTR');
  assert.deepEqual(ptr.answer, ['1.0.96.10.in-addr.arpa. 5 IN PTR kubernetes.default.svc.cluster.local.']);
  const ep = await dig('5.0.244.10.in-addr.arpa', 'PTR');
  assert.deepEqual(ep.answer, ['5.0.244.10.in-addr.arpa. 5 IN PTR web-0.nginx.default.svc.cluster.local.']);
});

test('names outside the zone are forwarded (to a loopback upstream here)', async () => {
  const r = await dig('example.test');
  assert.deepEqual(r.answer, ['example.test. 60 IN A 192.0.2.7']);
  assert.equal((await dig('missing.test')).status, 'NXDOMAIN');
});

test('TCP answers, and oversize UDP answers set TC so dig retries over TCP', async () => {
  const tcp = await dig('nginx.default.svc.cluster.local', 'A', '+tcp');
  assert.equal(tcp.answer.length, 2);
  const ix = dns.index;
  ix.upsertService({ metadata: meta('big', 'default'), spec: { clusterIP: 'None', ports: [{ name: 'web', port: 80 }] } });
  ix.upsertSlice({
    metadata: meta('big-1', 'default', { 'kubernetes.io/service-name': 'big' }),
    addressType: 'IPv4',
    endpoints: Array.from({ length: 100 }, (_, i) => ({ addresses: [`10.245.0.${i + 1}`] })),
    ports: [{ name: 'web', port: 80, protocol: 'TCP' }],
  });
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(dns.address.port), '+noedns', '+tries=1', 'big.default.svc.cluster.local']);
  assert.match(stdout, /Truncated, retrying in TCP mode/);
  assert.equal((stdout.match(/\bIN\s+A\s+10\.245\./g) ?? []).length, 100);
});

test('TCP: a client that shuts down its side right after the query still gets the answer (also one that waits on upstream)', async () => {
  for (const name of ['kubernetes.default.svc.cluster.local', 'example.test']) {
    const sock = net.connect({ host: '127.0.0.1', port: dns.address.port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.end(packet.streamEncode({ type: 'query', id: 77, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] }));
    await new Promise<void>((resolve, reject) => {
      sock.once('close', () => resolve());
      sock.once('error', reject);
    });
    const answer = packet.streamDecode(Buffer.concat(chunks)) as packet.DecodedPacket;
    assert.equal(answer.id, 77, name);
    if (name === 'example.test') {
      // Forwarded over TCP to the fake upstream, which only speaks UDP: refused, so SERVFAIL — but
      // answered, after the client's FIN.
      assert.equal((answer as unknown as { rcode: string }).rcode, 'SERVFAIL');
    } else {
      assert.deepEqual((answer.answers ?? []).map((a) => (a as { data: string }).data), ['10.96.0.1']);
    }
  }
});

test('the record follows an endpoint change at once', async () => {
  dns.index.upsertSlice({
    metadata: meta('nginx-abc', 'default', { 'kubernetes.io/service-name': 'nginx' }),
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.9'], hostname: 'web-0', conditions: { ready: true } }],
    ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
  });
  assert.deepEqual((await dig('web-0.nginx.default.svc.cluster.local')).answer, ['web-0.nginx.default.svc.cluster.local. 5 IN A 10.244.1.9']);
});

test('malformed packets get FORMERR or are dropped, and the server keeps answering', async () => {
  const sock = dgram.createSocket('udp4');
  const replies: Buffer[] = [];
  sock.on('message', (m) => replies.push(m));
  const junk = [Buffer.from([1, 2, 3]), Buffer.alloc(12), Buffer.concat([Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([63, 1, 2])]), Buffer.from('x'.repeat(600))];
  for (const j of junk) sock.send(j, dns.address.port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 200));
  sock.close();
  for (const r of replies) assert.ok(r.length >= 12);
  assert.equal((await dig('kubernetes.default.svc.cluster.local')).status, 'NOERROR');
});
