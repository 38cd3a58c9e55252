// The DNS server with UDP worker processes sharing its socket (src/dns/udp-workers.ts): every answer
// is right whichever process reads the query (ID and question case echoed), workers do answer from
// their caches, an index change reaches them, round-robin answers stay uncached, dig still works,
// and stop() ends the workers and frees the port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as packet from 'dns-packet';
import { DnsServer } from '../../src/dns/server.js';

const run = promisify(execFile);
let dns: DnsServer;
let client: dgram.Socket;
const pending = new Map<number, (m: packet.DecodedPacket) => void>();
let nextId = 1;

function ask(name: string, type: 'A' | 'AAAA' = 'A'): Promise<packet.DecodedPacket> {
  const id = nextId++ & 0xffff;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`no answer for ${name} (id ${id})`));
    }, 3000);
    pending.set(id, (m) => {
      clearTimeout(t);
      resolve(m);
    });
    client.send(packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] }), dns.address.port, '127.0.0.1');
  });
}

const rcode = (m: packet.DecodedPacket) => (m as unknown as { rcode: string }).rcode;
const aData = (m: packet.DecodedPacket) => (m.answers ?? []).map((a) => (a as { data: string }).data);

before(async () => {
  dns = new DnsServer({ host: '127.0.0.1', port: 0, upstreams: [], udpWorkers: 2 });
  const ix = dns.index;
  ix.upsertNamespace({ metadata: { name: 'default' } });
  for (let i = 0; i < 20; i++) ix.upsertService({ metadata: { name: `svc-${i}`, namespace: 'default' }, spec: { clusterIP: `10.96.1.${i}`, clusterIPs: [`10.96.1.${i}`], ports: [{ port: 80 }] } });
  ix.upsertService({ metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
  ix.upsertSlice({
    metadata: { name: 'db-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    endpoints: [0, 1, 2].map((i) => ({ addresses: [`10.244.0.${i + 2}`], hostname: `db-${i}`, conditions: { ready: true } })),
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  });
  ix.markSynced();
  await dns.start();
  await dns.workersReady;
  client = dgram.createSocket('udp4');
  client.on('message', (m) => {
    const p = packet.decode(m);
    pending.get(p.id!)?.(p);
    pending.delete(p.id!);
  });
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
});

after(async () => {
  client?.close();
  await dns?.stop();
});

test('udp workers: every answer is right whichever process reads the query, and workers answer from cache', async () => {
  assert.equal((await dns.workerStats()).workers, 2);
  for (let round = 0; round < 10; round++) {
    const names = Array.from({ length: 20 }, (_, i) => (round % 2 ? `SVC-${i}.Default.svc.cluster.local` : `svc-${i}.default.svc.cluster.local`));
    const answers = await Promise.all(names.map((n) => ask(n)));
    answers.forEach((a, i) => {
      assert.equal(rcode(a), 'NOERROR');
      assert.equal(a.questions![0]!.name, names[i], 'question echoed with its case');
      assert.equal(a.answers![0]!.name, names[i]);
      assert.deepEqual(aData(a), [`10.96.1.${i}`]);
      assert.ok(a.flags! & packet.RECURSION_DESIRED, 'RD echoed');
      assert.ok(a.flags! & packet.AUTHORITATIVE_ANSWER);
    });
  }
  // With the socket shared by three readers, some of 200 queries land on a worker, and after the
  // first round their caches hold every name.
  const st = await dns.workerStats();
  assert.ok(st.answered > 0, `workers answered ${st.answered} queries`);
});

test('udp workers: negative answers and multi-address answers stay correct (the latter uncached)', async () => {
  const nx = await ask('nope.default.svc.cluster.local');
  assert.equal(rcode(nx), 'NXDOMAIN');
  assert.equal(nx.authorities![0]!.type, 'SOA');
  const seenFirst = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const r = await ask('db.default.svc.cluster.local');
    assert.deepEqual(aData(r).slice().sort(), ['10.244.0.2', '10.244.0.3', '10.244.0.4']);
    seenFirst.add(aData(r)[0]!);
  }
  assert.ok(seenFirst.size > 1, 'round-robin order still varies (not served from a cache)');
});

test('udp workers: an index change reaches every reader', async () => {
  for (let i = 0; i < 40; i++) await ask('svc-3.default.svc.cluster.local'); // warm every cache
  dns.index.upsertService({ metadata: { name: 'svc-3', namespace: 'default' }, spec: { clusterIP: '10.96.9.9', clusterIPs: ['10.96.9.9'], ports: [{ port: 80 }] } });
  const t0 = Date.now();
  while (!aData(await ask('svc-3.default.svc.cluster.local')).includes('10.96.9.9')) assert.ok(Date.now() - t0 < 1000, 'new address within 1 s');
  // The generation message is ordered before any fill on each worker's IPC channel; allow it to be
  // read (a worker busy elsewhere), then no reader may answer the old address.
  await new Promise((r) => setTimeout(r, 100));
  const after = await Promise.all(Array.from({ length: 60 }, () => ask('svc-3.default.svc.cluster.local')));
  for (const a of after) assert.deepEqual(aData(a), ['10.96.9.9']);
  dns.index.deleteService('default', 'svc-3');
  await new Promise((r) => setTimeout(r, 100));
  const gone = await Promise.all(Array.from({ length: 30 }, () => ask('svc-3.default.svc.cluster.local')));
  for (const a of gone) assert.equal(rcode(a), 'NXDOMAIN');
});

test('udp workers: dig (EDNS, uncacheable here) gets its answer through a worker miss', async () => {
  for (let i = 0; i < 5; i++) {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(dns.address.port), '+tries=1', '+time=2', '+short', 'svc-7.default.svc.cluster.local', 'A']);
    assert.equal(stdout.trim(), '10.96.1.7');
  }
});

test('udp workers: a flood of uncacheable queries is answered or dropped, and the server keeps answering', async () => {
  const flood = dgram.createSocket('udp4');
  await new Promise<void>((r) => flood.bind(0, '127.0.0.1', () => r()));
  let answers = 0;
  flood.on('message', () => answers++);
  // EDNS queries are not cached, so every one a worker reads is a miss sent to the main process.
  const q = packet.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'svc-1.default.svc.cluster.local', class: 'IN' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as unknown as packet.Answer] });
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 1000; j++) flood.send(q, dns.address.port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 500));
  flood.close();
  assert.ok(answers > 0, 'some flood queries answered');
  assert.deepEqual(aData(await ask('svc-2.default.svc.cluster.local')), ['10.96.1.2']);
  assert.equal((await dns.workerStats()).workers, 2, 'no worker died');
});

test('udp workers: stop() ends the worker processes and frees the port', async () => {
  const pids = dns.workerPids();
  assert.equal(pids.length, 2);
  const port = dns.address.port;
  await dns.stop();
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} still running`);
  const again = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.bind(port, '127.0.0.1', () => resolve());
  });
  again.close();
  dns = undefined as unknown as DnsServer;
});
