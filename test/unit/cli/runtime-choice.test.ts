// The default runtime decision (src/cli/runtime-choice.ts) over hand-built probes: cri where the
// private containerd can run, else sim with one notice; an explicit --runtime always wins, and an
// explicit cri that cannot run is an error, never a silent fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRuntime, criUnavailable, probeRuntime, type RuntimeProbe } from '../../../src/cli/runtime-choice.js';

const capable: RuntimeProbe = {
  platform: 'linux', uid: 0,
  binaries: { containerd: '/usr/bin/containerd', ctr: '/usr/bin/ctr', runc: '/usr/sbin/runc' },
  missingCniPlugins: [], busybox: true, overlay: true, cgroups: true,
};
const probe = (p: Partial<RuntimeProbe>): RuntimeProbe => ({ ...capable, ...p });

test('default: cri on a machine that can run containerd, without a notice', () => {
  assert.deepEqual(chooseRuntime(undefined, capable), { runtime: 'cri' });
});

test('default: sim with one notice naming the missing packages when containerd is not installed', () => {
  const c = chooseRuntime(undefined, probe({ binaries: {}, missingCniPlugins: ['bridge', 'host-local', 'portmap', 'loopback'] }));
  assert.equal(c.runtime, 'sim');
  assert.equal(c.error, undefined);
  assert.match(c.notice!, /^containerd not found \(also missing ctr, runc, CNI plugins bridge, host-local, portmap, loopback in \/usr\/lib\/cni\)/);
  assert.match(c.notice!, /apt-get install containerd runc containernetworking-plugins busybox-static/);
  assert.match(c.notice!, /pass --runtime sim to silence this\.$/);
  assert.ok(!c.notice!.includes('\n'), 'one line');
});

test('default: sim with a notice for each other missing piece', () => {
  const cases: [Partial<RuntimeProbe>, RegExp][] = [
    [{ uid: 1000 }, /^real containers need root \(running as uid 1000\).*run it as root; or pass --runtime sim/],
    [{ platform: 'darwin', uid: 501 }, /^real containers need Linux \(this is darwin\)/],
    [{ binaries: { containerd: '/usr/bin/containerd', ctr: '/usr/bin/ctr' } }, /^missing runc: .*apt-get install/],
    [{ missingCniPlugins: ['portmap'] }, /^missing CNI plugins portmap in \/usr\/lib\/cni:/],
    [{ busybox: false }, /^missing \/bin\/busybox:/],
    [{ overlay: false }, /no overlay filesystem.*modprobe overlay/],
    [{ cgroups: false }, /no cgroup hierarchy/],
  ];
  for (const [p, re] of cases) {
    const c = chooseRuntime(undefined, probe(p));
    assert.equal(c.runtime, 'sim', JSON.stringify(p));
    assert.match(c.notice ?? '', re);
    assert.match(c.notice ?? '', /pods run on the simulated runtime/);
  }
});

test('explicit --runtime sim wins silently, even where cri could run', () => {
  assert.deepEqual(chooseRuntime('sim', capable), { runtime: 'sim' });
  assert.deepEqual(chooseRuntime('sim', probe({ uid: 1000, binaries: {} })), { runtime: 'sim' });
});

test('explicit --runtime cri: used when it can run, an error (not a fallback) when it cannot', () => {
  assert.deepEqual(chooseRuntime('cri', capable), { runtime: 'cri' });
  const c = chooseRuntime('cri', probe({ binaries: { ctr: '/usr/bin/ctr', runc: '/usr/sbin/runc' } }));
  assert.equal(c.notice, undefined);
  assert.match(c.error!, /^--runtime cri cannot run here: containerd not found; install them \(apt-get install containerd runc/);
  assert.match(c.error!, /or use --runtime sim$/);
});

test('criUnavailable: root is checked before binaries (installing them would not help a non-root user)', () => {
  assert.equal(criUnavailable(capable), undefined);
  assert.match(criUnavailable(probe({ uid: 1000, binaries: {} }))!.why, /need root/);
});

test('probeRuntime reads this machine without failing', () => {
  const p = probeRuntime();
  assert.equal(p.platform, process.platform);
  assert.equal(p.uid, process.getuid?.());
  assert.ok(Array.isArray(p.missingCniPlugins));
  // On this machine the decision is whatever the probe says; it is always a valid answer.
  assert.ok(['cri', 'sim'].includes(chooseRuntime(undefined, p).runtime));
});
