// Basic flows with other kubectl versions shipped in /usr/lib/google-cloud-sdk/bin: 1.27 (OpenAPI v2,
// aggregated discovery v2beta1 only, JSON bodies) and 1.33 (v2 discovery, protobuf typed writes).
// Each version works in its own namespace on one shared cluster.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startCluster, kubectlVersioned, tableRows, stsYaml, SVC_YAML, type Cluster, type RunResult } from './harness.js';

let c: Cluster;

function ok(r: RunResult): void {
  assert.equal(r.code, 0, `kubectl failed\n${r.all}`);
}

describe('other kubectl versions', () => {
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.cleanup();
  });

  for (const minor of [27, 33]) {
    const bin = kubectlVersioned(minor);
    const ns = `v1-${minor}`;
    const k = (args: string[], extra: { input?: string } = {}) => c.kubectl(args, { bin, ...extra });
    const skip = existsSync(bin) ? false : `${bin} not installed`;

    test(`kubectl 1.${minor}: version`, { skip }, async () => {
      const r = await k(['version']);
      ok(r);
      // 1.27 still prints the version.Info struct; 1.28+ the short form.
      assert.match(r.stdout, new RegExp(`^Client Version: (v1\\.${minor}\\.\\S+|version\\.Info\\{.*GitVersion:"v1\\.${minor}\\.[^"]+".*\\})$`, 'm'));
      assert.match(r.stdout, /^Server Version: (v1\.32\.\S+|version\.Info\{Major:"1", Minor:"32", GitVersion:"v1\.32\.[^"]+".*\})$/m);
    });

    test(`kubectl 1.${minor}: create namespace, create -f, get`, { skip }, async () => {
      let r = await k(['create', 'namespace', ns]);
      ok(r);
      assert.equal(r.stdout, `namespace/${ns} created\n`);
      r = await k(['create', '-n', ns, '-f', c.file(`${ns}/svc.yaml`, SVC_YAML)]);
      ok(r);
      assert.equal(r.stdout, 'service/nginx created\n');
      r = await k(['create', '-n', ns, '-f', c.file(`${ns}/sts.yaml`, stsYaml('web', 2))]);
      ok(r);
      assert.equal(r.stdout, 'statefulset.apps/web created\n');
      r = await k(['get', 'sts', '-n', ns]);
      ok(r);
      const rows = tableRows(r.stdout);
      assert.deepEqual(rows[0], ['NAME', 'READY', 'AGE'], r.stdout);
      assert.equal(rows[1][0], 'web', r.stdout);
      assert.match(rows[1][1], /^[0-2]\/2$/, r.stdout);
      r = await k(['get', 'svc', 'nginx', '-n', ns]);
      ok(r);
      assert.deepEqual(tableRows(r.stdout)[1].slice(0, 5), ['nginx', 'ClusterIP', 'None', '<none>', '80/TCP'], r.stdout);
      r = await k(['get', 'sts', 'web', '-n', ns, '-o', 'json']);
      ok(r);
      const o = JSON.parse(r.stdout);
      assert.equal(o.spec.podManagementPolicy, 'OrderedReady');
      assert.equal(o.spec.revisionHistoryLimit, 10);
    });

    test(`kubectl 1.${minor}: apply created / unchanged / configured`, { skip }, async () => {
      const f = c.file(`${ns}/applied.yaml`, stsYaml('applied', 1, { claims: false }));
      let r = await k(['apply', '-n', ns, '-f', f]);
      ok(r);
      assert.equal(r.stdout, 'statefulset.apps/applied created\n');
      r = await k(['apply', '-n', ns, '-f', f]);
      ok(r);
      assert.equal(r.stdout, 'statefulset.apps/applied unchanged\n');
      c.file(`${ns}/applied.yaml`, stsYaml('applied', 2, { claims: false }));
      r = await k(['apply', '-n', ns, '-f', f]);
      ok(r);
      assert.equal(r.stdout, 'statefulset.apps/applied configured\n');
      r = await k(['get', 'sts', 'applied', '-n', ns, '-o', 'jsonpath={.spec.replicas}']);
      ok(r);
      assert.equal(r.stdout, '2');
    });

    test(`kubectl 1.${minor}: patch, scale, label, get -w`, { skip }, async () => {
      const w = c.kubectlStream(['get', 'sts', '-w', '-n', ns], { bin });
      try {
        await w.waitFor(/^web\s+\d\/2\s+\S+\s*$/m);
        let r = await k(['patch', 'sts', 'web', '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"registry.k8s.io/nginx-slim:0.27"}]}}}}']);
        ok(r);
        assert.equal(r.stdout, 'statefulset.apps/web patched\n');
        r = await k(['scale', 'sts', 'web', '-n', ns, '--replicas=3']);
        ok(r);
        assert.equal(r.stdout, 'statefulset.apps/web scaled\n');
        await w.waitFor(/^web\s+\d\/3\s+\S+\s*$/m);
        r = await k(['label', 'sts', 'web', '-n', ns, 'version=1.' + minor]);
        ok(r);
        assert.equal(r.stdout, 'statefulset.apps/web labeled\n');
        r = await k(['get', 'sts', 'web', '-n', ns, '-o', 'json']);
        ok(r);
        const o = JSON.parse(r.stdout);
        assert.equal(o.spec.replicas, 3);
        assert.equal(o.spec.template.spec.containers[0].image, 'registry.k8s.io/nginx-slim:0.27');
        assert.equal(o.spec.template.spec.containers[0].volumeMounts[0].name, 'www');
        assert.equal(o.metadata.labels.version, `1.${minor}`);
      } finally {
        await w.stop();
      }
    });

    test(`kubectl 1.${minor}: delete`, { skip }, async () => {
      let r = await k(['delete', 'sts', 'web', 'applied', '-n', ns]);
      ok(r);
      assert.equal(r.stdout, 'statefulset.apps "web" deleted\nstatefulset.apps "applied" deleted\n');
      r = await k(['get', 'sts', 'web', '-n', ns]);
      assert.notEqual(r.code, 0);
      assert.equal(r.stderr.trim(), 'Error from server (NotFound): statefulsets.apps "web" not found');
    });
  }
});
