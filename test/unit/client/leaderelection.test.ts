import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../../../src/client/fake.js';
import { LeaderElector } from '../../../src/client/leaderelection.js';
import { R, type Client } from '../../../src/client/types.js';
import { errors } from '../../../src/machinery/errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a leader that cannot renew steps down before the lease expires; another candidate takes over after', async () => {
  const c = new FakeClient();
  let broken = false;
  // A's view of the API: fails every call once "broken" (a partitioned server).
  const flaky = new Proxy(c, {
    get(t, k, r) {
      const v = Reflect.get(t, k, r);
      if (typeof v !== 'function') return v;
      return (...a: unknown[]) => (broken ? Promise.reject(errors.serviceUnavailable('partitioned')) : v.apply(t, a));
    },
  }) as Client;
  const log: string[] = [];
  const at = () => Date.now();
  const t0 = at();
  const a = new LeaderElector(flaky, { name: 'l', identity: 'a', leaseDurationSeconds: 0.6, renewMs: 50, onStartedLeading: () => log.push('a+'), onStoppedLeading: () => log.push(`a- ${at() - t0}`) });
  a.start();
  await sleep(100);
  const b = new LeaderElector(c, { name: 'l', identity: 'b', leaseDurationSeconds: 0.6, renewMs: 50, onStartedLeading: () => log.push(`b+ ${at() - t0}`), onStoppedLeading: () => log.push('b-') });
  b.start();
  await sleep(200);
  assert.equal(a.isLeader(), true);
  assert.equal(b.isLeader(), false);
  broken = true;
  const brokeAt = at() - t0;
  await sleep(1200);
  assert.equal(a.isLeader(), false);
  assert.equal(b.isLeader(), true);
  const aDown = Number(log.find((l) => l.startsWith('a-'))!.split(' ')[1]);
  const bUp = Number(log.find((l) => l.startsWith('b+'))!.split(' ')[1]);
  assert.ok(aDown < bUp, `a stepped down (${aDown} ms) before b took over (${bUp} ms)`);
  assert.ok(aDown - brokeAt <= 600, 'within the lease duration');
  const lease = await c.get(R.leases, 'kube-system', 'l');
  assert.equal((lease.spec as { holderIdentity: string; leaseTransitions: number }).holderIdentity, 'b');
  assert.equal((lease.spec as { leaseTransitions: number }).leaseTransitions, 1);
  await a.stop();
  await b.stop();
});
