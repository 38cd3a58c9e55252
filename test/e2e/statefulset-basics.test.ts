// "StatefulSet Basics" (shared/spec/statefulset.md §6.2 steps 1–3, 6, 7, 9–11) and the upstream e2e
// scenarios "should provide basic identity" and "Scaling should happen in predictable order and
// halt if any stateful pod is unhealthy" (§6.1 #1, #10), with the real kubectl against
// `bin/ordinal up` (simulated runtime). One cluster; the tests run in order and build on each other.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableRows, run, type Cluster } from './harness.js';
import { startSetCluster, k, deletePods, getJson, waitFor, waitSetReady, pods, isReady, PodWatch, indexOf, creationOrder, SERVICE, setYaml, sleep } from './statefulset-helpers.js';

let c: Cluster;
let dnsPort = '';

/** The A records the cluster DNS gives for name (dig against 127.0.0.1 only). */
async function resolve(name: string): Promise<string[]> {
  const r = await run('dig', ['+short', '+time=2', '+tries=2', '-p', dnsPort, '@127.0.0.1', name, 'A']);
  assert.equal(r.code, 0, r.all);
  return r.stdout.trim().split('\n').filter(Boolean).sort();
}
const SEL = 'app=nginx';

describe('StatefulSet Basics with the real kubectl', () => {
  before(async () => {
    c = await startSetCluster();
    // The cluster DNS comes up alongside the API server; it says where it listens.
    const m = await waitFor('the cluster DNS address', async () => /cluster DNS listening on 127\.0\.0\.1:(\d+)/.exec(c.logs()), 30_000);
    dnsPort = m[1]!;
  });
  after(async () => {
    await c?.cleanup();
  });

  test('create: web-0 is Running and 1/1 before web-1 appears (kubectl get pods -w)', async () => {
    const w = c.kubectlStream(['get', 'pods', '-w', '-l', SEL]);
    try {
      await sleep(500);
      const manifest = c.file('web.yaml', `${SERVICE('nginx', 'nginx')}---\n${setYaml()}`);
      const out = await k(c, 'apply', '-f', manifest);
      assert.equal(out, 'service/nginx created\nstatefulset.apps/web created\n');
      await waitSetReady(c, 'web', SEL, ['web-0', 'web-1']);
      await w.waitFor(/^web-1\s+1\/1\s+Running/m, 20_000);
      const lines = w.stdout().split('\n');
      assert.match(lines[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/, w.stdout());
      const first = (re: RegExp) => lines.findIndex((l) => re.test(l));
      const web0Running = first(/^web-0\s+1\/1\s+Running\s/);
      const web1 = first(/^web-1\s/);
      assert.ok(web0Running > 0 && web1 > web0Running, `web-1 appeared before web-0 was Running 1/1:\n${w.stdout()}`);
      // web-0 went through Pending → ContainerCreating → Running, then web-1 the same.
      for (const pod of ['web-0', 'web-1']) {
        const p = first(new RegExp(`^${pod}\\s+0/1\\s+Pending\\s`));
        const cc = first(new RegExp(`^${pod}\\s+0/1\\s+ContainerCreating\\s`));
        const r = first(new RegExp(`^${pod}\\s+1/1\\s+Running\\s`));
        assert.ok(p >= 0 && cc > p && r > cc, `${pod}: Pending(${p}) → ContainerCreating(${cc}) → Running(${r})\n${w.stdout()}`);
      }
    } finally {
      await w.stop();
    }
    const svc = tableRows(await k(c, 'get', 'service', 'nginx'));
    assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.deepEqual(svc[1]!.slice(0, 5), ['nginx', 'ClusterIP', 'None', '<none>', '80/TCP']);
    const sts = tableRows(await k(c, 'get', 'statefulset', 'web'));
    assert.deepEqual(sts[0], ['NAME', 'READY', 'AGE']);
    assert.deepEqual(sts[1]!.slice(0, 2), ['web', '2/2']);
    const names = tableRows(await k(c, 'get', 'pods', '-l', SEL)).slice(1).map((r) => r[0]);
    assert.deepEqual(names, ['web-0', 'web-1']);
  });

  test('identity: hostname/subdomain, identity labels, controller ownerReference, one revision', async () => {
    const set = await getJson(c, 'sts', 'web');
    const ps = await pods(c, SEL);
    const rev = set.status.updateRevision;
    assert.equal(set.status.currentRevision, rev);
    assert.match(rev, /^web-[0-9a-z]+$/);
    for (const [i, p] of ps.entries()) {
      assert.equal(p.spec.hostname, `web-${i}`);
      assert.equal(p.spec.subdomain, 'nginx');
      assert.equal(p.metadata.labels['statefulset.kubernetes.io/pod-name'], `web-${i}`);
      assert.equal(p.metadata.labels['apps.kubernetes.io/pod-index'], String(i));
      assert.equal(p.metadata.labels['controller-revision-hash'], rev);
      assert.deepEqual(p.metadata.ownerReferences, [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      assert.deepEqual(p.spec.volumes.find((v: any) => v.name === 'www').persistentVolumeClaim, { claimName: `www-web-${i}` });
    }
    const revs = tableRows(await k(c, 'get', 'controllerrevisions'));
    assert.deepEqual(revs[0], ['NAME', 'CONTROLLER', 'REVISION', 'AGE']);
    assert.deepEqual(revs.slice(1).map((r) => r.slice(0, 3)), [[rev, 'statefulset.apps/web', '1']]);
    assert.equal(set.status.replicas, 2);
    assert.equal(set.status.readyReplicas, 2);
    assert.equal(set.status.currentReplicas, 2);
    assert.equal(set.status.updatedReplicas, 2);
    assert.equal(set.status.availableReplicas, 2);
    assert.equal(set.status.observedGeneration, set.metadata.generation);
  });

  test('stable storage: www-web-0 and www-web-1 Bound, 1Gi, RWO, labelled app=nginx', async () => {
    const rows = await waitFor('both claims Bound', async () => {
      const r = tableRows(await k(c, 'get', 'pvc', '-l', SEL));
      return r.length === 3 && r.slice(1).every((x) => x[1] === 'Bound') ? r : false;
    });
    assert.deepEqual(rows[0], ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
    for (const [i, r] of rows.slice(1).entries()) {
      assert.equal(r[0], `www-web-${i}`);
      assert.deepEqual([r[1], r[3], r[4], r[5], r[6]], ['Bound', '1Gi', 'RWO', 'local-path', '<unset>']);
      assert.match(r[2]!, /^pvc-[0-9a-f-]{36}$/);
    }
  });

  test('headless service: the EndpointSlice lists web-0 and web-1 with hostnames, ready', async () => {
    const ps = await pods(c, SEL);
    const slice = await waitFor('EndpointSlice with both pods', async () => {
      const l = await getJson(c, 'endpointslices', '-l', 'kubernetes.io/service-name=nginx');
      const s = l.items[0];
      return l.items.length === 1 && (s?.endpoints ?? []).filter((e: any) => e.conditions?.ready).length === 2 ? s : false;
    });
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(slice.metadata.labels['service.kubernetes.io/headless'], '');
    assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(slice.ports, [{ name: 'web', port: 80, protocol: 'TCP' }]);
    const eps = [...slice.endpoints].sort((a: any, b: any) => a.hostname.localeCompare(b.hostname));
    for (const [i, p] of ps.entries()) {
      assert.equal(eps[i].hostname, `web-${i}`);
      assert.deepEqual(eps[i].addresses, [p.status.podIP]);
      assert.deepEqual(eps[i].conditions, { ready: true, serving: true, terminating: false });
      assert.deepEqual(eps[i].targetRef, { kind: 'Pod', name: `web-${i}`, namespace: 'default', uid: p.metadata.uid });
    }
  });

  test('DNS: web-0.nginx and web-1.nginx resolve to the pod IPs; nginx to both', async () => {
    const ps = await pods(c, SEL);
    for (const p of ps) {
      const name = `${p.metadata.name}.nginx.default.svc.cluster.local`;
      assert.deepEqual(await waitFor(name, async () => {
        const a = await resolve(name);
        return a.length ? a : false;
      }, 20_000), [p.status.podIP]);
    }
    assert.deepEqual(await resolve('nginx.default.svc.cluster.local'), ps.map((p) => p.status.podIP).sort());
  });

  test('delete a pod: recreated with the same name and claim; data in its volume survives', async () => {
    const [web0] = await pods(c, SEL);
    const pvc = await getJson(c, 'pvc', 'www-web-0');
    const pv = await getJson(c, 'pv', pvc.spec.volumeName);
    const dir = pv.spec.hostPath.path as string;
    assert.equal(dir, join(c.dataDir, 'volumes', pv.metadata.name));
    assert.ok(existsSync(dir), `volume dir ${dir} missing`);
    writeFileSync(join(dir, 'index.html'), 'web-0\n');
    assert.equal(await deletePods(c, 'web-0'), 'pod "web-0" deleted\n');
    const after = await waitSetReady(c, 'web', SEL, ['web-0', 'web-1']);
    assert.notEqual(after[0].metadata.uid, web0.metadata.uid, 'web-0 was not recreated');
    assert.equal(after[0].spec.volumes.find((v: any) => v.name === 'www').persistentVolumeClaim.claimName, 'www-web-0');
    const pvc2 = await getJson(c, 'pvc', 'www-web-0');
    assert.equal(pvc2.metadata.uid, pvc.metadata.uid, 'the claim was recreated');
    assert.equal(pvc2.spec.volumeName, pv.metadata.name);
    assert.equal(readFileSync(join(dir, 'index.html'), 'utf8'), 'web-0\n');
  });

  test('delete all pods: both recreated, web-0 first, web-1 only after web-0 is Running and Ready', async () => {
    const before = await pods(c, SEL);
    const w = new PodWatch(c, SEL);
    try {
      await w.started();
      assert.equal(await deletePods(c, '-l', SEL), 'pod "web-0" deleted\npod "web-1" deleted\n');
      await waitSetReady(c, 'web', SEL, ['web-0', 'web-1']);
      await sleep(300);
      const ev = w.events();
      const old = new Set(before.map((p) => p.metadata.uid));
      assert.deepEqual(creationOrder(ev, new Set(old)), ['web-0', 'web-1'], w.dump());
      const add1 = indexOf(ev, (e) => e.type === 'ADDED' && e.name === 'web-1' && !before.some((p) => p.metadata.uid === e.uid));
      const ready0 = indexOf(ev, (e) => e.name === 'web-0' && !old.has(e.uid) && e.phase === 'Running' && e.ready === 'True');
      assert.ok(ready0 >= 0 && ready0 < add1, `new web-1 added (${add1}) before new web-0 Ready (${ready0})\n${w.dump()}`);
    } finally {
      await w.stop();
    }
    const after = await pods(c, SEL);
    for (const [i, p] of after.entries()) {
      assert.equal(p.spec.hostname, `web-${i}`);
      assert.notEqual(p.metadata.uid, before[i].metadata.uid);
    }
    // The DNS names stay; they now answer with the new pods' IPs.
    for (const p of after) {
      const name = `${p.metadata.name}.nginx.default.svc.cluster.local`;
      await waitFor(`${name} → ${p.status.podIP}`, async () => (await resolve(name)).join() === p.status.podIP, 20_000);
    }
  });

  test('scale up to 5: web-2, web-3, web-4 one at a time, each after its predecessor is Ready', async () => {
    const before = await pods(c, SEL);
    const w = new PodWatch(c, SEL);
    try {
      await w.started();
      assert.equal(await k(c, 'scale', 'sts', 'web', '--replicas=5'), 'statefulset.apps/web scaled\n');
      await waitSetReady(c, 'web', SEL, ['web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
      await sleep(300);
      const ev = w.events();
      assert.deepEqual(creationOrder(ev, new Set(before.map((p) => p.metadata.uid))), ['web-2', 'web-3', 'web-4'], w.dump());
      for (const [prev, next] of [['web-2', 'web-3'], ['web-3', 'web-4']]) {
        const ready = indexOf(ev, (e) => e.name === prev && e.phase === 'Running' && e.ready === 'True');
        const added = indexOf(ev, (e) => e.type === 'ADDED' && e.name === next);
        assert.ok(ready >= 0 && ready < added, `${next} added (${added}) before ${prev} Ready (${ready})\n${w.dump()}`);
      }
    } finally {
      await w.stop();
    }
  });

  test('scale down to 3: web-4 is gone before web-3 terminates; all 5 claims remain', async () => {
    const w = new PodWatch(c, SEL);
    try {
      await w.started();
      assert.equal(await k(c, 'patch', 'sts', 'web', '-p', '{"spec":{"replicas":3}}'), 'statefulset.apps/web patched\n');
      await waitSetReady(c, 'web', SEL, ['web-0', 'web-1', 'web-2']);
      await sleep(300);
      const ev = w.events();
      const gone4 = indexOf(ev, (e) => e.type === 'DELETED' && e.name === 'web-4');
      const term3 = indexOf(ev, (e) => e.name === 'web-3' && e.deleting);
      const gone3 = indexOf(ev, (e) => e.type === 'DELETED' && e.name === 'web-3');
      assert.ok(gone4 >= 0 && term3 > gone4 && gone3 > term3, `web-4 deleted at ${gone4}, web-3 terminating at ${term3}\n${w.dump()}`);
      assert.equal(indexOf(ev, (e) => e.deleting && !['web-3', 'web-4'].includes(e.name)), -1, w.dump());
    } finally {
      await w.stop();
    }
    const claims = tableRows(await k(c, 'get', 'pvc', '-l', SEL)).slice(1);
    assert.deepEqual(claims.map((r) => [r[0], r[1]]), [0, 1, 2, 3, 4].map((i) => [`www-web-${i}`, 'Bound']));
  });

  test('events: the upstream SuccessfulCreate/SuccessfulDelete messages for claims and pods', async () => {
    const ev = await k(c, 'get', 'events', '--field-selector', 'involvedObject.kind=StatefulSet,involvedObject.name=web', '-o', 'jsonpath={range .items[*]}{.type}|{.reason}|{.source.component}|{.message}{"\\n"}{end}');
    const lines = new Set(ev.trim().split('\n'));
    for (const want of [
      'Normal|SuccessfulCreate|statefulset-controller|create Claim www-web-0 Pod web-0 in StatefulSet web success',
      'Normal|SuccessfulCreate|statefulset-controller|create Pod web-0 in StatefulSet web successful',
      'Normal|SuccessfulCreate|statefulset-controller|create Claim www-web-4 Pod web-4 in StatefulSet web success',
      // the tenth SuccessfulCreate about the set differs from the nine before only by message, so
      // upstream's event correlation combines it (and any later ones) into one counted event
      'Normal|SuccessfulCreate|statefulset-controller|(combined from similar events): create Pod web-4 in StatefulSet web successful',
      'Normal|SuccessfulDelete|statefulset-controller|delete Pod web-4 in StatefulSet web successful',
      'Normal|SuccessfulDelete|statefulset-controller|delete Pod web-3 in StatefulSet web successful',
    ]) {
      assert.ok(lines.has(want), `missing event ${want}\n${ev}`);
    }
  });

  test('an unready pod halts scale-up; the Waiting condition and event say why; Ready again resumes', async () => {
    assert.equal(await k(c, 'annotate', 'pod', 'web-2', 'sim.ordinal.dev/readiness=false', '--overwrite'), 'pod/web-2 annotated\n');
    await waitFor('web-2 not Ready', async () => (await getJson(c, 'sts', 'web')).status.readyReplicas === 2);
    await k(c, 'scale', 'sts', 'web', '--replicas=5');
    const cond = await waitFor('the Waiting condition', async () => {
      const s = await getJson(c, 'sts', 'web');
      return s.status.observedGeneration === s.metadata.generation ? (s.status.conditions ?? []).find((x: any) => x.type === 'Waiting') : false;
    });
    assert.equal(cond.status, 'True');
    assert.match(cond.message, /^web-3 waits: web-2 is not Ready\b/);
    // Upstream's hard assertion: the pod count does not move while a pod is unhealthy.
    await sleep(3000);
    assert.deepEqual((await pods(c, SEL)).map((p) => p.metadata.name), ['web-0', 'web-1', 'web-2']);
    const rows = tableRows(await k(c, 'get', 'sts', 'web'));
    assert.deepEqual(rows[1]!.slice(0, 2), ['web', '2/5']);
    // A wait that lasts is reported where `kubectl describe` looks: the events.
    const desc = await waitFor('describe to show the wait', async () => {
      const d = await k(c, 'describe', 'sts', 'web');
      return /Normal\s+Waiting\s+.*statefulset-controller\s+web-3 waits: web-2 is not Ready/.test(d) ? d : false;
    }, 30_000, 1000);
    assert.match(desc, /^Replicas:\s+5 desired \| 3 total$/m);
    assert.match(desc, /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    // Readiness restored: web-3 and web-4 follow in order, and the condition goes away.
    assert.equal(await k(c, 'annotate', 'pod', 'web-2', 'sim.ordinal.dev/readiness-'), 'pod/web-2 annotated\n');
    await waitSetReady(c, 'web', SEL, ['web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
    const s = await waitFor('the Waiting condition to clear', async () => {
      const x = await getJson(c, 'sts', 'web');
      return (x.status.conditions ?? []).some((y: any) => y.type === 'Waiting') ? false : x;
    }, 20_000);
    assert.equal(s.status.readyReplicas, 5);
    assert.ok((await pods(c, SEL)).every(isReady));
  });
});
