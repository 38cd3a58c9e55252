import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, ControllerRateLimiter } from '../../../src/client/workqueue.js';

test('a key is queued once however often it is added', async () => {
  const q = new WorkQueue();
  q.add('a'); q.add('b'); q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  q.shutDown();
});

test('a key re-added while processing is processed again after done()', async () => {
  const q = new WorkQueue();
  q.add('a');
  const k = await q.get();
  assert.equal(k, 'a');
  q.add('a'); // while in flight: must not be handed out concurrently
  assert.equal(q.len(), 0);
  let second: string | undefined;
  const p = q.get().then((x) => (second = x));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(second, undefined);
  q.done('a');
  await p;
  assert.equal(second, 'a');
  q.shutDown();
});

test('per-key backoff doubles from 5 ms and forget() resets it', () => {
  const l = new ControllerRateLimiter({ qps: 1e9, burst: 1e9 });
  assert.deepEqual([l.when('k'), l.when('k'), l.when('k'), l.when('k')], [5, 10, 20, 40]);
  assert.equal(l.when('other'), 5);
  assert.equal(l.numRequeues('k'), 4);
  l.forget('k');
  assert.equal(l.when('k'), 5);
});

test('backoff is capped at 1000 s', () => {
  const l = new ControllerRateLimiter({ qps: 1e9, burst: 1e9 });
  let d = 0;
  for (let i = 0; i < 40; i++) d = l.when('k');
  assert.equal(d, 1_000_000);
});

test('the overall token bucket delays once the burst is spent', () => {
  const t = 0;
  const l = new ControllerRateLimiter({ qps: 10, burst: 2 }, () => t);
  assert.equal(l.when('a'), 5);
  assert.equal(l.when('b'), 5);
  assert.equal(l.when('c'), 100); // third within the same instant waits 1/qps
});

test('addRateLimited re-adds after the backoff; addAfter keeps the earliest', async () => {
  const q = new WorkQueue();
  const t0 = Date.now();
  q.addRateLimited('x');
  assert.equal(q.len(), 0);
  assert.equal(await q.get(), 'x');
  assert.ok(Date.now() - t0 >= 4);
  q.done('x');
  q.addAfter('y', 10_000);
  q.addAfter('y', 5);
  assert.equal(await q.get(), 'y');
  q.done('y');
  assert.ok(q.idle());
  q.shutDown();
  assert.equal(await q.get(), undefined);
});
