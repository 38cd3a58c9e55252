// The DNS story end to end, without containers: API server + scheduler + endpoints controller +
// DNS in one process; a pod marked Ready through the status subresource becomes
// web-0.nginx.default.svc.cluster.local, and the name follows the pod when it is recreated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCluster, type Cluster } from '../../src/cli/cluster.js';
import { endpointsComponent, schedulerComponent } from '../../src/cli/components.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/types.js';
import { DnsServer } from '../../src/dns/server.js';
import { feedIndex, type DnsFeed } from '../../src/dns/feed.js';
import { eventually as eventually_ } from '../eventually.js';

const run = promisify(execFile);
let dir: string;
let cluster: Cluster;
let client: HttpClient;
let dns: DnsServer;
let feed: DnsFeed;

async function dig(name: string, type = 'A'): Promise<{ status: string; answers: string[] }> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(dns.address.port), '+tries=1', '+time=2', name, type]);
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
  const m = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(stdout);
  return { status, answers: m ? m[1]!.split('\n').map((l) => l.split(/\s+/).pop()!) : [] };
}

const eventually = <T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 8000): Promise<T> =>
  eventually_(what, f, { timeoutMs: ms, everyMs: 25 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-dnspipe-'));
  cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', components: [endpointsComponent, schedulerComponent], log: () => {} });
  client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  dns = new DnsServer({ host: '127.0.0.1', port: 0, upstreams: [] });
  await dns.start();
  feed = feedIndex(client, dns.index);
  await feed.synced;
  await client.create(R.nodes, undefined, {
    metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
    status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  });
});

after(async () => {
  feed?.stop();
  await dns?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function makeReady(name: string, ip: string): Promise<void> {
  const pod = await eventually(`${name} bound`, async () => {
    const p = await client.get(R.pods, 'default', name);
    return (p.spec as { nodeName?: string }).nodeName ? p : undefined;
  });
  assert.equal((pod.spec as { nodeName?: string }).nodeName, 'node-1');
  await client.updateStatus(R.pods, 'default', {
    ...pod,
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'PodScheduled', status: 'True' }] },
  });
}

const podManifest = (name: string) => ({
  metadata: { name, namespace: 'default', labels: { app: 'nginx' } },
  spec: { hostname: name, subdomain: 'nginx', containers: [{ name: 'nginx', image: 'nginx', ports: [{ name: 'web', containerPort: 80 }] }] },
});

test('a Ready pod behind a headless service gets its stable name, which follows a recreated pod', async () => {
  assert.equal((await dig('nginx.default.svc.cluster.local')).status, 'NXDOMAIN');
  await client.create(R.services, 'default', { metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } }, spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] } });
  await client.create(R.pods, 'default', podManifest('web-0'));
  await makeReady('web-0', '10.244.0.5');
  const first = await eventually('web-0 record', async () => {
    const r = await dig('web-0.nginx.default.svc.cluster.local');
    return r.answers[0] === '10.244.0.5' ? r : undefined;
  });
  assert.equal(first.status, 'NOERROR');
  // (How fast the record appears is measured in bench/dns.ts, not asserted here.)
  assert.deepEqual((await dig('nginx.default.svc.cluster.local')).answers, ['10.244.0.5']);

  await client.delete(R.pods, 'default', 'web-0', { gracePeriodSeconds: 0 });
  await eventually('web-0 gone from DNS', async () => ((await dig('web-0.nginx.default.svc.cluster.local')).status === 'NXDOMAIN' ? true : undefined));
  await client.create(R.pods, 'default', podManifest('web-0'));
  await makeReady('web-0', '10.244.0.9');
  await eventually('web-0 at its new IP', async () => ((await dig('web-0.nginx.default.svc.cluster.local')).answers[0] === '10.244.0.9' ? true : undefined));
});

test('an unschedulable pod gets the upstream condition and event', async () => {
  await client.create(R.pods, 'default', { metadata: { name: 'picky', namespace: 'default' }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'busybox' }] } });
  const cond = await eventually('PodScheduled=False', async () => {
    const p = await client.get(R.pods, 'default', 'picky');
    return ((p.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] }).conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  });
  assert.equal(cond.reason, 'Unschedulable');
  assert.equal(cond.message, "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  const ev = await eventually('FailedScheduling event', async () => (await client.list(R.events, 'default')).items.find((e) => (e as { reason?: string }).reason === 'FailedScheduling'));
  assert.equal((ev as { type?: string }).type, 'Warning');
});
