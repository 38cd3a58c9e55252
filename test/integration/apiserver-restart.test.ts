// A cluster on SQLite resumes across restarts: same CA and token, same objects, kubeconfig 0600
// pointing at the bound port; and `ordinal up` as a process prints how to use it and exits 0 on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startTestCluster } from './apiserver-helpers.js';

test('restart on the same data dir keeps CA, token and objects', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ordinal-restart-'));
  try {
    const a = await startTestCluster({ storage: 'sqlite', dataDir });
    const created = await a.req('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep' }, data: { x: '1' } });
    assert.equal(created.status, 201);
    const kc = parseYaml(readFileSync(join(dataDir, 'kubeconfig'), 'utf8'));
    assert.equal(statSync(join(dataDir, 'kubeconfig')).mode & 0o777, 0o600);
    assert.equal(kc.clusters[0].cluster.server, a.cluster.url);
    assert.match(a.cluster.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(a.cluster.port, 0);
    assert.equal(kc.users[0].user.token, a.cluster.token);
    assert.equal(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), a.cluster.caPem);
    const ca = a.cluster.caPem;
    const token = a.cluster.token;
    await a.stop();
    const b = await startTestCluster({ storage: 'sqlite', dataDir });
    try {
      assert.equal(b.cluster.caPem, ca);
      assert.equal(b.cluster.token, token);
      const got = await b.req('GET', '/api/v1/namespaces/default/configmaps/keep');
      assert.equal(got.status, 200);
      assert.equal(got.json.metadata.uid, created.json.metadata.uid);
      assert.equal(got.json.metadata.resourceVersion, created.json.metadata.resourceVersion);
      const ns = await b.req('GET', '/api/v1/namespaces');
      assert.equal(ns.json.items.filter((n: any) => n.metadata.name === 'default').length, 1);
    } finally {
      await b.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('`ordinal up` prints the kubeconfig hint, serves /readyz and exits 0 on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ordinal-up-'));
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'ordinal');
  const child = spawn(bin, ['up', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--storage', 'memory', '--runtime', 'sim'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    const deadline = Date.now() + 30_000;
    while (!/export KUBECONFIG=/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, new RegExp(`export KUBECONFIG=${join(dataDir, 'kubeconfig').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    assert.ok(url, out);
    const kc = parseYaml(readFileSync(join(dataDir, 'kubeconfig'), 'utf8'));
    assert.equal(kc.clusters[0].cluster.server, url);
    const ready = await new Promise<{ code?: number; body: string }>((resolve, reject) => {
      https.get(`${url}/readyz`, { ca: readFileSync(join(dataDir, 'pki', 'ca.crt')) }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ code: res.statusCode, body }));
      }).on('error', reject);
    });
    assert.deepEqual(ready, { code: 200, body: 'ok' });
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('`ordinal up --help` and bad flags', async () => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'ordinal');
  const run = (args: string[]) => new Promise<{ code: number | null; out: string }>((resolve) => {
    const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('exit', (code) => resolve({ code, out }));
  });
  const h = await run(['up', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /--data-dir DIR/);
  assert.match(h.out, /--storage sqlite\|etcd\|memory/);
  const bad = await run(['up', '--storage', 'floppy']);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /--storage must be sqlite, etcd or memory/);
});

test('a second cluster on the same data dir is refused while the first runs', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ordinal-lock-'));
  try {
    const a = await startTestCluster({ storage: 'sqlite', dataDir });
    try {
      await assert.rejects(startTestCluster({ storage: 'sqlite', dataDir }), /another ordinal \(pid \d+\) is running on data dir/);
    } finally {
      await a.stop();
    }
    const b = await startTestCluster({ storage: 'sqlite', dataDir });
    await b.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
