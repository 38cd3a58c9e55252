import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, ConfigMap, Secret, PersistentVolumeClaim, PersistentVolume } from 'kubernetes-types/core/v1.js';
import { setUpPodVolumes, tearDownPodVolumes, VolumeNotReady, podDir, type VolumeSources } from '../../../src/node/volumes.js';

const dir = mkdtempSync(join(tmpdir(), 'ordinal-vol-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cms: Record<string, ConfigMap> = { 'default/cfg': { metadata: { name: 'cfg' }, data: { 'app.conf': 'x=1\n', other: 'o' } } };
const secrets: Record<string, Secret> = { 'default/db': { metadata: { name: 'db' }, data: { password: Buffer.from('pw').toString('base64') } } };
const pvPath = join(dir, 'pv-data');
const pvcs: Record<string, PersistentVolumeClaim> = {
  'default/data-web-0': { metadata: { name: 'data-web-0' }, spec: { volumeName: 'pvc-1' }, status: { phase: 'Bound' } },
  'default/pending': { metadata: { name: 'pending' }, spec: {}, status: { phase: 'Pending' } },
};
const pvs: Record<string, PersistentVolume> = { 'pvc-1': { metadata: { name: 'pvc-1' }, spec: { hostPath: { path: pvPath, type: 'DirectoryOrCreate' } } } };
const src: VolumeSources = {
  configMap: (ns, n) => cms[`${ns}/${n}`], secret: (ns, n) => secrets[`${ns}/${n}`], pvc: (ns, n) => pvcs[`${ns}/${n}`], pv: (n) => pvs[n],
};

const pod = (volumes: NonNullable<Pod['spec']>['volumes'], uid = 'uid-1'): Pod => ({
  metadata: { name: 'web-0', namespace: 'default', uid, labels: { app: 'nginx', b: '2' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', resources: { limits: { memory: '64Mi' } } }], volumes },
});

test('emptyDir, hostPath, PVC, configMap (items, mode), secret, downwardAPI, projected; mounts with subPath', () => {
  const hp = join(dir, 'host', 'logs');
  const p = pod([
    { name: 'scratch', emptyDir: {} },
    { name: 'logs', hostPath: { path: hp, type: 'DirectoryOrCreate' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
    { name: 'conf', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'sub/app.conf', mode: 0o600 }] } },
    { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } },
    { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } }] } },
    { name: 'all', projected: { sources: [{ configMap: { name: 'cfg' } }, { secret: { name: 'db' } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
  ]);
  const vols = setUpPodVolumes(p, dir, src);
  const base = join(podDir(dir, 'uid-1'), 'volumes');
  assert.equal(vols.paths.scratch, join(base, 'kubernetes.io~empty-dir', 'scratch'));
  assert.ok(statSync(vols.paths.scratch!).isDirectory());
  assert.equal(vols.paths.logs, hp);
  assert.ok(statSync(hp).isDirectory());
  assert.equal(vols.paths.data, pvPath);
  assert.ok(existsSync(pvPath));
  assert.equal(readFileSync(join(vols.paths.conf!, 'sub/app.conf'), 'utf8'), 'x=1\n');
  assert.equal(statSync(join(vols.paths.conf!, 'sub/app.conf')).mode & 0o777, 0o600);
  assert.equal(existsSync(join(vols.paths.conf!, 'other')), false);
  assert.equal(readFileSync(join(vols.paths.creds!, 'password'), 'utf8'), 'pw');
  assert.equal(statSync(join(vols.paths.creds!, 'password')).mode & 0o777, 0o400);
  assert.equal(readFileSync(join(vols.paths.info!, 'labels'), 'utf8'), 'app="nginx"\nb="2"');
  assert.equal(readFileSync(join(vols.paths.info!, 'name'), 'utf8'), 'web-0');
  assert.equal(readFileSync(join(vols.paths.info!, 'mem'), 'utf8'), '64');
  assert.deepEqual(['app.conf', 'ns', 'other', 'password'].map((f) => existsSync(join(vols.paths.all!, f))), [true, true, true, true]);
  const mounts = vols.mounts({ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/usr/share/nginx/html' }, { name: 'scratch', mountPath: '/tmp/x', subPath: 'a/b', readOnly: true }] });
  assert.deepEqual(mounts, [
    { containerPath: '/usr/share/nginx/html', hostPath: pvPath, readonly: false },
    { containerPath: '/tmp/x', hostPath: join(vols.paths.scratch!, 'a/b'), readonly: true },
  ]);
  assert.ok(existsSync(join(vols.paths.scratch!, 'a/b')));
  writeFileSync(join(pvPath, 'index.html'), 'kept');
  tearDownPodVolumes(dir, 'uid-1');
  assert.equal(existsSync(podDir(dir, 'uid-1')), false);
  assert.equal(readFileSync(join(pvPath, 'index.html'), 'utf8'), 'kept', 'PV data outlives the pod');
});

test('unbound claims, missing configMaps and failed hostPath checks are VolumeNotReady; optional sources are fine', () => {
  assert.throws(() => setUpPodVolumes(pod([{ name: 'data', persistentVolumeClaim: { claimName: 'pending' } }], 'u2'), dir, src),
    (e: Error) => e instanceof VolumeNotReady && e.message === 'unmounted volumes=[data]: PVC default/pending is not bound');
  assert.throws(() => setUpPodVolumes(pod([{ name: 'c', configMap: { name: 'nope' } }], 'u3'), dir, src), /configmap "nope" not found/);
  assert.throws(() => setUpPodVolumes(pod([{ name: 'h', hostPath: { path: join(dir, 'absent'), type: 'Directory' } }], 'u4'), dir, src), /is not a directory/);
  const ok = setUpPodVolumes(pod([{ name: 'c', configMap: { name: 'nope', optional: true } }, { name: 's', secret: { secretName: 'nope', optional: true } }], 'u5'), dir, src);
  assert.ok(existsSync(ok.paths.c!));
  assert.throws(() => ok.mounts({ name: 'c', volumeMounts: [{ name: 'c', mountPath: '/x', subPath: '../../escape' }] }), /escapes the volume/);
});
