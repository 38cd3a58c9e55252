// kill -9 durability over the real HTTPS API: concurrent ConfigMap creates, the server killed
// mid-stream, restarted on the same data dir (SQLite); every acknowledged (201) write must be there,
// whole, and the store must stay consistent (parseable list, revisions never reused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startCluster, type Cluster } from '../e2e/harness.js';

const TOTAL = 1500; // creates attempted
const CONCURRENCY = 48;
const KILL_AFTER_ACKS = 400; // kill -9 once this many have been acknowledged

interface Ack {
  name: string;
  rv: string;
  uid: string;
}

function payload(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { suite: 'crash' } },
    // a body large enough that a torn write would show
    data: { name, filler: name.repeat(40) },
  };
}

test('kill -9 mid-stream never loses an acknowledged create', async (t) => {
  let c: Cluster | undefined;
  try {
    const t0 = Date.now();
    c = await startCluster({ args: ['--storage', 'sqlite'] });
    t.diagnostic(`first start ${Date.now() - t0} ms`);
    const cluster = c;
    const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, rejectUnauthorized: false });
    const acked: Ack[] = [];
    const failures = new Map<string, number>();
    const fail = (key: string) => failures.set(key, (failures.get(key) ?? 0) + 1);
    let next = 0;
    let killed = false;
    let killing: Promise<void> | undefined;
    let inFlightAtKill = 0;

    async function worker(): Promise<void> {
      while (next < TOTAL && !killed) {
        const name = `crash-${String(next++).padStart(5, '0')}`;
        try {
          const r = await cluster.request('POST', '/api/v1/namespaces/default/configmaps', payload(name), { agent, timeoutMs: 10_000 });
          if (r.status === 201) {
            const o = r.json();
            acked.push({ name, rv: o.metadata.resourceVersion, uid: o.metadata.uid });
            if (acked.length >= KILL_AFTER_ACKS && !killing) {
              killing = cluster.kill9().then(() => {
                killed = true;
              });
            }
          } else {
            fail(`${r.status} ${r.body.slice(0, 200)}`);
          }
        } catch {
          // connection reset / refused around the kill: outcome unknown, which is allowed
          if (!killing) fail('network error before the kill');
          else inFlightAtKill++;
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await killing;
    agent.destroy();
    assert.equal(failures.size, 0, `unexpected failures before the kill: ${JSON.stringify([...failures])}`);
    assert.ok(killing, `the server was never killed: only ${acked.length} creates acknowledged`);
    assert.ok(acked.length >= KILL_AFTER_ACKS);
    // The kill must land mid-stream: requests were still open when the process died.
    assert.ok(inFlightAtKill > 0, 'no request was in flight at the kill');
    t.diagnostic(`${acked.length} creates acknowledged, ${inFlightAtKill} failed around the kill -9 (reset or refused), ${next} attempted`);
    const preKillMaxRv = acked.reduce((m, a) => (BigInt(a.rv) > m ? BigInt(a.rv) : m), 0n);

    const tRestart = Date.now();
    await cluster.start();
    t.diagnostic(`restart after kill -9: ${Date.now() - tRestart} ms to /readyz`);

    // Every acknowledged object is present, readable and whole.
    const missing: string[] = [];
    const batch = 32;
    for (let i = 0; i < acked.length; i += batch) {
      await Promise.all(
        acked.slice(i, i + batch).map(async (a) => {
          const r = await cluster.request('GET', `/api/v1/namespaces/default/configmaps/${a.name}`);
          if (r.status !== 200) {
            missing.push(`${a.name}: ${r.status}`);
            return;
          }
          const o = r.json();
          assert.equal(o.metadata.uid, a.uid, a.name);
          assert.equal(o.metadata.resourceVersion, a.rv, a.name);
          assert.deepEqual(o.data, payload(a.name).data, a.name);
        }),
      );
    }
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged creates lost after kill -9`);

    // The store is consistent: a full list parses, every item is whole, revisions are unique.
    const list = await cluster.request('GET', '/api/v1/namespaces/default/configmaps?labelSelector=suite%3Dcrash');
    assert.equal(list.status, 200, list.body.slice(0, 500));
    const l = list.json();
    assert.equal(l.kind, 'ConfigMapList');
    const names = new Set<string>();
    const rvs = new Set<string>();
    for (const item of l.items) {
      assert.deepEqual(item.data, payload(item.metadata.name).data, `item ${item.metadata.name} is not whole`);
      assert.ok(!rvs.has(item.metadata.resourceVersion), `resourceVersion ${item.metadata.resourceVersion} reused`);
      rvs.add(item.metadata.resourceVersion);
      names.add(item.metadata.name);
    }
    for (const a of acked) assert.ok(names.has(a.name), `${a.name} missing from the list`);
    assert.ok(l.items.length >= acked.length && l.items.length <= TOTAL);
    const listRv = BigInt(l.metadata.resourceVersion);
    for (const item of l.items) assert.ok(BigInt(item.metadata.resourceVersion) <= listRv, 'item newer than its list');

    // New writes after the crash get revisions above everything written before it (never reused).
    const after = await cluster.request('POST', '/api/v1/namespaces/default/configmaps', payload('crash-after'));
    assert.equal(after.status, 201, after.body);
    const afterRv = BigInt(after.json().metadata.resourceVersion);
    assert.ok(afterRv > preKillMaxRv, `post-restart rv ${afterRv} <= pre-kill ${preKillMaxRv}`);
    assert.ok(afterRv > listRv);
    // ...and an object that was in flight at the kill can be created or already exists, never half.
    const unacked = Array.from({ length: Math.min(next, TOTAL) }, (_, i) => `crash-${String(i).padStart(5, '0')}`).filter((n) => !acked.some((a) => a.name === n));
    for (const n of unacked.slice(0, 50)) {
      const r = await cluster.request('GET', `/api/v1/namespaces/default/configmaps/${n}`);
      assert.ok(r.status === 200 || r.status === 404, `${n}: ${r.status}`);
      if (r.status === 200) assert.deepEqual(r.json().data, payload(n).data);
    }
    const tStop = Date.now();
    const code = await cluster.stop();
    assert.equal(code, 0, cluster.logs());
    t.diagnostic(`verification ${tStop - tRestart} ms, SIGTERM stop ${Date.now() - tStop} ms`);
  } finally {
    await c?.cleanup();
  }
});
