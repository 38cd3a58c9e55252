// Upstream's event correlation (client-go tools/record events_cache): aggregation after 10 similar
// events, de-duplication into counts, and the 25-event spam filter per source and object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventCorrelator, type EventFacts } from '../../../src/client/event-correlator.js';

const set = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'default', name: 'web', uid: 'u1' };
const ev = (message: string, o: Partial<EventFacts> = {}): EventFacts => ({
  component: 'statefulset-controller', host: '', involvedObject: set, type: 'Normal', reason: 'SuccessfulCreate', message, ...o,
});

test('a repeated event is one Event whose count goes up', () => {
  const c = new EventCorrelator();
  const first = c.correlate(ev('create Pod web-0 in StatefulSet web successful'), 1000);
  assert.equal(first.action, 'create');
  assert.equal(first.action === 'create' && first.count, 1);
  if (first.action !== 'create') return;
  c.written(first.key, 'web.abc', 1, first.firstTimestamp);
  const again = c.correlate(ev('create Pod web-0 in StatefulSet web successful'), 2000);
  assert.deepEqual(again, { action: 'patch', key: first.key, message: 'create Pod web-0 in StatefulSet web successful', count: 2, firstTimestamp: 1000, name: 'web.abc' });
  // another reason or another object is another Event
  assert.equal(c.correlate(ev('create Pod web-0 in StatefulSet web successful', { reason: 'Other' }), 3000).action, 'create');
  assert.equal(c.correlate(ev('create Pod web-0 in StatefulSet web successful', { involvedObject: { ...set, name: 'db', uid: 'u2' } }), 3000).action, 'create');
});

test('the 10th similar event (same reason, other message) becomes "(combined from similar events)", then counts up', () => {
  const c = new EventCorrelator();
  const out = [];
  for (let i = 0; i < 12; i++) {
    const r = c.correlate(ev(`create Pod web-${i} in StatefulSet web successful`), 1000 + i);
    if (r.action === 'create') c.written(r.key, `web.${i}`, r.count, r.firstTimestamp);
    out.push(r);
  }
  assert.deepEqual(out.slice(0, 9).map((r) => r.action === 'create' && r.message), Array.from({ length: 9 }, (_, i) => `create Pod web-${i} in StatefulSet web successful`));
  assert.equal(out[9]!.action, 'create');
  assert.equal(out[9]!.action === 'create' && out[9]!.message, '(combined from similar events): create Pod web-9 in StatefulSet web successful');
  assert.deepEqual(out[10], { action: 'patch', key: (out[9] as { key: string }).key, message: '(combined from similar events): create Pod web-10 in StatefulSet web successful', count: 2, firstTimestamp: 1009, name: 'web.9' });
  assert.equal(out[11]!.action === 'patch' && out[11]!.count, 3);
  // after 10 quiet minutes the aggregation starts over
  const later = c.correlate(ev('create Pod web-99 in StatefulSet web successful'), 1011 + 600_001);
  assert.equal(later.action === 'create' && later.message, 'create Pod web-99 in StatefulSet web successful');
});

test('a source writes 25 events about one object, then one per 5 minutes; filtered repeats still count', () => {
  const c = new EventCorrelator();
  const actions: string[] = [];
  let last;
  for (let i = 0; i < 30; i++) {
    last = c.correlate(ev('Back-off restarting failed container', { type: 'Warning', reason: 'BackOff' }), 5000);
    if (last.action === 'create') c.written(last.key, 'p.1', last.count, last.firstTimestamp);
    actions.push(last.action);
  }
  assert.deepEqual(actions, ['create', ...Array(24).fill('patch'), ...Array(5).fill('skip')]);
  // another object from the same source has a bucket of its own
  assert.equal(c.correlate(ev('x', { involvedObject: { ...set, name: 'other', uid: 'u9' } }), 5000).action, 'create');
  // 299 s later still nothing; at 300 s one token is back, and the write carries every occurrence
  assert.equal(c.correlate(ev('Back-off restarting failed container', { type: 'Warning', reason: 'BackOff' }), 5000 + 299_000).action, 'skip');
  const r = c.correlate(ev('Back-off restarting failed container', { type: 'Warning', reason: 'BackOff' }), 5000 + 301_000);
  assert.equal(r.action, 'patch');
  assert.equal(r.action === 'patch' && r.count, 32);
  assert.equal(c.correlate(ev('Back-off restarting failed container', { type: 'Warning', reason: 'BackOff' }), 5000 + 302_000).action, 'skip');
});

test('an event filtered before its first write is created later with its count', () => {
  const c = new EventCorrelator();
  for (let i = 0; i < 25; i++) c.correlate(ev(`m${i}`, { reason: `R${i}` }), 0);
  assert.equal(c.correlate(ev('late', { reason: 'Late' }), 0).action, 'skip');
  const r = c.correlate(ev('late', { reason: 'Late' }), 300_000);
  assert.equal(r.action, 'create');
  assert.equal(r.action === 'create' && r.count, 2);
  assert.equal(r.action === 'create' && r.firstTimestamp, 0);
});
