import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/storage/memory.js';
import { ServiceIPAllocator, AllocationError, parseCIDR } from '../../../src/apiserver/service-ips.js';

test('parses CIDRs and names the well-known addresses', () => {
  assert.deepEqual(parseCIDR('10.96.0.0/12'), { base: 0x0a600000, bits: 12, size: 1 << 20 });
  const a = new ServiceIPAllocator(new MemoryStore(), '10.96.0.0/12');
  assert.equal(a.nth(1), '10.96.0.1');
  assert.equal(a.nth(10), '10.96.0.10');
  assert.throws(() => parseCIDR('10.96.0.0/8'));
  assert.throws(() => parseCIDR('nonsense'));
});

test('requested IPs: in range and free, else the upstream messages', async () => {
  const a = new ServiceIPAllocator(new MemoryStore(), '10.96.0.0/12');
  assert.equal(await a.allocate({ namespace: 'default', name: 'kubernetes' }, '10.96.0.1'), '10.96.0.1');
  await assert.rejects(a.allocate({ namespace: 'default', name: 'other' }, '10.96.0.1'), (e: Error) => e instanceof AllocationError && e.message === 'failed to allocate IP 10.96.0.1: provided IP is already allocated');
  await assert.rejects(a.allocate({ namespace: 'default', name: 'x' }, '1.2.3.4'), /the provided IP \(1\.2\.3\.4\) is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/12/);
  await assert.rejects(a.allocate({ namespace: 'default', name: 'x' }, '10.96.0.0'), /not in the valid range/, 'network address');
  // The same owner retrying gets its IP back.
  assert.equal(await a.allocate({ namespace: 'default', name: 'kubernetes' }, '10.96.0.1'), '10.96.0.1');
});

test('dynamic allocation uses the upper band first, never repeats, and fills a small range exactly', async () => {
  const store = new MemoryStore();
  const a = new ServiceIPAllocator(store, '10.0.0.0/24'); // 254 usable, lower band .1-.16
  const seen = new Set<string>();
  for (let i = 0; i < 238; i++) {
    const ip = await a.allocate({ namespace: 'ns', name: `s${i}` });
    assert.ok(!seen.has(ip), `duplicate ${ip}`);
    seen.add(ip);
    assert.ok(Number(ip.split('.')[3]) > 16, `${ip} should be in the upper band`);
  }
  for (let i = 0; i < 16; i++) seen.add(await a.allocate({ namespace: 'ns', name: `low${i}` }));
  assert.equal(seen.size, 254);
  assert.ok(!seen.has('10.0.0.0') && !seen.has('10.0.0.255'));
  await assert.rejects(a.allocate({ namespace: 'ns', name: 'full' }), /range is full/);
  await a.release('10.0.0.77');
  assert.equal(await a.allocate({ namespace: 'ns', name: 'again' }), '10.0.0.77');
});

test('allocation is stored state: a second allocator on the same store sees it; repair frees orphans', async () => {
  const store = new MemoryStore();
  const a = new ServiceIPAllocator(store, '10.96.0.0/12');
  const b = new ServiceIPAllocator(store, '10.96.0.0/12');
  const ip = await a.allocate({ namespace: 'default', name: 'web' });
  await assert.rejects(b.allocate({ namespace: 'default', name: 'other' }, ip), /already allocated/);
  const orphan = await a.allocate({ namespace: 'default', name: 'gone' });
  const freed = await b.repair(new Map([[ip, 'default/web']]));
  assert.equal(freed, 1);
  assert.equal(await b.allocate({ namespace: 'default', name: 'new' }, orphan), orphan);
  await assert.rejects(b.allocate({ namespace: 'default', name: 'other' }, ip), /already allocated/);
});
