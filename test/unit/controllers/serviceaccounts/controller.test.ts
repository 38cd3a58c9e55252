import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClient } from '../../../../src/client/fake.js';
import { R } from '../../../../src/client/types.js';
import { startServiceAccountController, missingDefaults } from '../../../../src/controllers/serviceaccounts/controller.js';

test('missingDefaults: nothing for a terminating namespace', () => {
  assert.deepEqual(missingDefaults({ metadata: { name: 'x', deletionTimestamp: 'now' } }, false, false, 'CA'), []);
  assert.deepEqual(missingDefaults({ metadata: { name: 'x' } }, true, true, 'CA'), []);
  assert.deepEqual(missingDefaults({ metadata: { name: 'x' } }, false, true, 'CA').map((o) => o.kind), ['ServiceAccount']);
});

test('every namespace gets a default ServiceAccount and the root CA, recreated when deleted', async () => {
  const c = new FakeClient();
  await c.create(R.namespaces, undefined, { metadata: { name: 'default' } });
  const ctl = startServiceAccountController(c, { caPem: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' });
  await ctl.synced;
  const until = async (f: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await f()); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(await f());
  };
  await until(async () => !!(await c.get(R.serviceaccounts, 'default', 'default').catch(() => undefined)));
  await c.create(R.namespaces, undefined, { metadata: { name: 'team' } });
  await until(async () => !!(await c.get(R.configmaps, 'team', 'kube-root-ca.crt').catch(() => undefined)));
  await c.delete(R.serviceaccounts, 'team', 'default');
  await until(async () => !!(await c.get(R.serviceaccounts, 'team', 'default').catch(() => undefined)));
  ctl.stop();
});
