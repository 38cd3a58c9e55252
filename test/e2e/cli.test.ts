// The `bin/ordinal` command contract: help for every command, version, the kubeconfig written with
// mode 0600, `bin/ordinal kubectl` against the cluster, and a clean exit on SIGINT.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { startCluster, run, ORDINAL, ROOT, type Cluster } from './harness.js';

let c: Cluster;

describe('bin/ordinal', () => {
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.cleanup();
  });

  test('--help for every command, and version', async () => {
    for (const args of [['--help'], ['up', '--help'], ['kubectl', '--help']]) {
      const r = await run(ORDINAL, args, { cwd: ROOT });
      assert.equal(r.code, 0, r.all);
      assert.match(r.stdout, /Usage/, r.all);
    }
    const up = await run(ORDINAL, ['up', '--help'], { cwd: ROOT });
    for (const flag of ['--data-dir', '--listen', '--dns', '--runtime', '--storage', '--etcd-endpoints']) assert.ok(up.stdout.includes(flag), `up --help lacks ${flag}`);
    const v = await run(ORDINAL, ['version'], { cwd: ROOT });
    assert.equal(v.code, 0, v.all);
    assert.match(v.stdout, /v1\.32\./);
    const bad = await run(ORDINAL, ['up', '--no-such-flag'], { cwd: ROOT });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no-such-flag/);
  });

  test('up writes the kubeconfig with mode 0600 and says how to use it', async () => {
    assert.equal(statSync(c.kubeconfig).mode & 0o777, 0o600);
    assert.match(c.logs(), /KUBECONFIG=/);
  });

  test('bin/ordinal kubectl runs the real kubectl with the cluster kubeconfig', async () => {
    const r = await run(ORDINAL, ['kubectl', '--data-dir', c.dataDir, 'get', 'namespaces'], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: c.home } });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^NAME\s+STATUS\s+AGE$/m);
    assert.match(r.stdout, /^default\s+Active\s+\S+$/m);
    assert.match(r.stdout, /^kube-system\s+Active\s+\S+$/m);
  });

  test('SIGINT stops the cluster cleanly', async () => {
    const child = c.proc!;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    assert.equal(code, 0, `exit ${code}\n${c.logs()}`);
    // and it starts again on the same data dir
    await c.start();
    const r = await c.kubectl(['get', 'ns', 'default']);
    assert.equal(r.code, 0, r.all);
  });
});
