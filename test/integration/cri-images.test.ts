// The pure parts of the CRI runtime, no containerd needed: the offline OCI image tar (checked
// with GNU tar and by re-hashing every blob), the generated containerd config and CNI conflist
// (the settings shared/spec/cri-notes.md found necessary), and the stream status → exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { buildImagesTar, BUSYBOX } from '../../src/node/runtime/images.js';
import { containerdConfig, cniConflist, bridgeNameFor, PAUSE_IMAGE } from '../../src/node/runtime/containerd.js';
import { exitCodeOf, rpcMessage } from '../../src/node/runtime/cri.js';

const noBusybox = !existsSync(BUSYBOX) && process.getuid?.() !== 0 ? `${BUSYBOX} missing (Debian package busybox-static)` : false;

test('images: an OCI layout tar with busybox and the pause image, reproducible', { skip: noBusybox }, () => {
  const a = buildImagesTar();
  const b = buildImagesTar();
  assert.ok(a.tar.equals(b.tar), 'two builds differ');
  assert.deepEqual(a.images.slice(0, 1), ['docker.io/library/busybox:latest']);
  assert.ok(a.images.includes(PAUSE_IMAGE));
  const dir = mkdtempSync(join(tmpdir(), 'ordinal-img-'));
  try {
    const file = join(dir, 'images.tar');
    writeFileSync(file, a.tar);
    const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(names.includes('oci-layout') && names.includes('index.json'));
    execFileSync('tar', ['-xf', file, '-C', dir]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    assert.equal(index.schemaVersion, 2);
    const named = index.manifests.map((m: any) => m.annotations['io.containerd.image.name']);
    assert.deepEqual(named, a.images);
    const blob = (d: { digest: string; size: number }) => {
      const data = readFileSync(join(dir, 'blobs', 'sha256', d.digest.slice(7)));
      assert.equal(data.length, d.size, `size of ${d.digest}`);
      assert.equal(`sha256:${createHash('sha256').update(data).digest('hex')}`, d.digest);
      return data;
    };
    for (const m of index.manifests) {
      const manifest = JSON.parse(blob(m).toString());
      assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      const config = JSON.parse(blob(manifest.config).toString());
      assert.equal(config.os, 'linux');
      assert.equal(manifest.layers.length, 1);
      const layer = blob(manifest.layers[0]);
      assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0].digest]); // uncompressed layer
      const name = m.annotations['io.containerd.image.name'];
      if (name === PAUSE_IMAGE) assert.deepEqual(config.config.Entrypoint, ['/bin/sleep', '2147483647']);
      else assert.deepEqual(config.config.Cmd, ['sh']);
      writeFileSync(join(dir, 'layer.tar'), layer);
    }
    const listing = execFileSync('tar', ['-tvf', join(dir, 'layer.tar')], { encoding: 'utf8' });
    assert.match(listing, /^-rwxr-xr-x root\/root +\d+ 1970-01-01 00:00 bin\/busybox$/m);
    assert.match(listing, /^lrwxrwxrwx root\/root +0 1970-01-01 00:00 bin\/sh -> \/bin\/busybox$/m);
    assert.match(listing, /^l\S+ root\/root +0 1970-01-01 00:00 usr\/bin\/wget -> \/bin\/busybox$/m);
    assert.match(listing, /^drwxrwxrwt root\/root +0 1970-01-01 00:00 tmp\/$/m);
    assert.match(listing, / etc\/passwd$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('containerd config: private paths and the settings this machine kind needs', () => {
  const cfg = containerdConfig('/data/node/containerd');
  assert.match(cfg, /^version = 2$/m);
  assert.match(cfg, /^root = "\/data\/node\/containerd\/root"$/m);
  assert.match(cfg, /^state = "\/data\/node\/containerd\/state"$/m);
  assert.match(cfg, /^\s+address = "\/data\/node\/containerd\/containerd.sock"$/m);
  assert.match(cfg, /^\s+restrict_oom_score_adj = true$/m);
  assert.match(cfg, /^\s+SystemdCgroup = false$/m);
  assert.match(cfg, /^\s+stream_server_address = "127\.0\.0\.1"$/m);
  assert.match(cfg, /^\s+stream_server_port = "0"$/m);
  assert.match(cfg, new RegExp(`^\\s+sandbox_image = "${PAUSE_IMAGE.replace(/\./g, '\\.')}"$`, 'm'));
  assert.match(cfg, /^\s+conf_dir = "\/data\/node\/containerd\/net.d"$/m);
  assert.doesNotMatch(cfg, /\/var\/lib\/containerd|\/run\/containerd\/containerd\.sock|\/etc\/cni/);

  const conf = JSON.parse(cniConflist('10.244.3.0/24', bridgeNameFor('10.244.3.0/24'), '/data/ipam'));
  assert.deepEqual(conf.plugins.map((p: any) => p.type), ['bridge', 'portmap']); // no loopback: containerd adds lo
  assert.equal(conf.plugins[0].bridge, 'ordinal3');
  assert.equal(conf.plugins[0].ipam.dataDir, '/data/ipam');
  assert.deepEqual(conf.plugins[0].ipam.ranges, [[{ subnet: '10.244.3.0/24', gateway: '10.244.3.1' }]]);
  assert.equal(bridgeNameFor('10.244.0.0/24'), 'ordinal0');
});

test('cri: exit codes from the v4 status frame, kubelet-style rpc errors', () => {
  assert.equal(exitCodeOf({ status: 'Success' }), 0);
  assert.equal(exitCodeOf(undefined), 0);
  assert.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } }), 7);
  assert.throws(() => exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'boom' }), /boom/);
  assert.equal(rpcMessage(Object.assign(new Error('5 NOT_FOUND: x'), { code: 5, details: 'an image with name "x" not found' })), 'rpc error: code = NotFound desc = an image with name "x" not found');
});
