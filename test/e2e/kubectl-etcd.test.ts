// The same basic kubectl flows with `ordinal up --storage etcd` against a private etcd (Debian
// etcd-server) on loopback: objects live under /registry/… as upstream, and survive a restart and a
// kill -9 of ordinal while etcd keeps running.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, tableRows, SVC_YAML, STS_YAML, stsYaml, type Cluster, type RunResult } from './harness.js';
import { startEtcd, etcdAvailable, type EtcdProcess } from '../../src/storage/etcd/launch.js';

let c: Cluster;
let etcd: EtcdProcess;

function ok(r: RunResult): void {
  assert.equal(r.code, 0, `kubectl failed\n${r.all}`);
}

/** Keys under a prefix, read through etcd's v3 JSON gateway. */
async function etcdKeys(prefix: string): Promise<string[]> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const res = await fetch(`${etcd.endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(prefix), range_end: b64(end), keys_only: true }) });
  const body = (await res.json()) as { kvs?: { key: string }[] };
  return (body.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString());
}

const skip = etcdAvailable() ? false : 'etcd not installed (Debian etcd-server)';

describe('kubectl against ordinal on etcd', { skip }, () => {
  before(async () => {
    etcd = await startEtcd();
    c = await startCluster({ args: ['--storage', 'etcd', '--etcd-endpoints', etcd.endpoint] });
  });
  after(async () => {
    await c?.cleanup();
    await etcd?.stop();
  });

  test('create -f, get, apply, scale on etcd', async () => {
    let r = await c.kubectl(['create', '-f', c.file('svc.yaml', SVC_YAML)]);
    ok(r);
    assert.equal(r.stdout, 'service/nginx created\n');
    r = await c.kubectl(['create', '-f', c.file('sts.yaml', STS_YAML)]);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web created\n');
    r = await c.kubectl(['get', 'sts', 'web']);
    ok(r);
    assert.equal(tableRows(r.stdout)[1][0], 'web');
    assert.match(tableRows(r.stdout)[1][1], /^[0-2]\/2$/);
    const f = c.file('applied.yaml', stsYaml('applied', 1, { claims: false }));
    r = await c.kubectl(['apply', '-f', f]);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/applied created\n');
    r = await c.kubectl(['apply', '-f', f]);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/applied unchanged\n');
    r = await c.kubectl(['scale', 'sts', 'web', '--replicas=3']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web scaled\n');
    r = await c.kubectl(['get', 'sts', 'web', '-o', 'jsonpath={.spec.replicas}']);
    ok(r);
    assert.equal(r.stdout, '3');
  });

  test('objects are stored under /registry as upstream', async () => {
    const keys = await etcdKeys('/registry/');
    assert.ok(keys.includes('/registry/statefulsets/default/web'), keys.join('\n'));
    assert.ok(keys.includes('/registry/statefulsets/default/applied'), keys.join('\n'));
    assert.ok(keys.includes('/registry/services/specs/default/nginx'), keys.join('\n'));
  });

  test('get -w on etcd streams a change', async () => {
    const w = c.kubectlStream(['get', 'sts', 'web', '-w']);
    try {
      await w.waitFor(/^web\s+\d\/3\s+\S+\s*$/m);
      ok(await c.kubectl(['scale', 'sts', 'web', '--replicas=4']));
      await w.waitFor(/^web\s+\d\/4\s+\S+\s*$/m);
    } finally {
      await w.stop();
    }
  });

  test('restart and kill -9 of ordinal keep every object in etcd', async () => {
    const before = JSON.parse((await c.kubectl(['get', 'sts', 'web', '-o', 'json'])).stdout);
    assert.equal(await c.stop(), 0, c.logs());
    await c.start();
    let after = JSON.parse((await c.kubectl(['get', 'sts', 'web', '-o', 'json'])).stdout);
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.generation, before.metadata.generation);
    assert.deepEqual(after.spec, before.spec);
    ok(await c.kubectl(['label', 'sts', 'web', 'survived=sigterm']));
    await c.kill9();
    await c.start();
    after = JSON.parse((await c.kubectl(['get', 'sts', 'web', '-o', 'json'])).stdout);
    assert.equal(after.metadata.labels.survived, 'sigterm');
    assert.equal(after.spec.replicas, 4);
    const r = await c.kubectl(['delete', 'sts', 'web', 'applied']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps "web" deleted\nstatefulset.apps "applied" deleted\n');
    assert.ok(!(await etcdKeys('/registry/statefulsets/')).includes('/registry/statefulsets/default/web'));
  });
});
