// More of the upstream e2e StatefulSet scenarios (shared/spec/statefulset.md §6.1), driven with the
// real kubectl: adopt/release (#2), no deadlock when a predecessor fails (#3), scale-down halting on
// unhealthy pods (#10), failed-pod replacement (#12), the scale subresource (#13), list/patch/delete
// a collection (#14), the status subresource (#15), minReadySeconds and availableReplicas (#21),
// .spec.ordinals.start (#29, #30, #32), and the level-triggered rule: kill -9 the server
// mid scale-up, restart, no duplicates.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from './harness.js';
import { startSetCluster, startAgain, k, deletePods, getJson, waitFor, waitSetReady, pods, PodWatch, indexOf, SERVICE, setYaml, sleep } from './statefulset-helpers.js';

let c: Cluster;
const SEL = 'app=nginx';

const controllerRef = (p: any) => (p.metadata.ownerReferences ?? []).find((r: any) => r.controller);

describe('upstream StatefulSet e2e scenarios with the real kubectl', () => {
  before(async () => {
    c = await startSetCluster();
    await k(c, 'apply', '-f', c.file('web.yaml', `${SERVICE('nginx', 'nginx')}---\n${setYaml({ claims: false })}`));
    await waitSetReady(c, 'web', SEL, ['web-0', 'web-1']);
  });
  after(async () => {
    await c?.cleanup();
  });

  test('a Ready pod is left alone: its resourceVersion does not move', async () => {
    const [a] = await pods(c, SEL);
    await sleep(2000);
    const b = await getJson(c, 'pod', 'web-0');
    assert.equal(b.metadata.resourceVersion, a.metadata.resourceVersion, 'the Running, Ready pod was rewritten while nothing changed');
  });

  test('adopts matching orphans and releases pods whose labels no longer match (#2)', async () => {
    const set = await getJson(c, 'sts', 'web');
    const web0 = await getJson(c, 'pod', 'web-0');
    assert.deepEqual(
      [controllerRef(web0).kind, controllerRef(web0).name, controllerRef(web0).uid],
      ['StatefulSet', 'web', set.metadata.uid],
    );
    // Orphan it: the set adopts it again (same pod).
    await k(c, 'patch', 'pod', 'web-0', '--type=json', '-p', '[{"op":"remove","path":"/metadata/ownerReferences"}]');
    const adopted = await waitFor('re-adoption', async () => {
      const p = await getJson(c, 'pod', 'web-0');
      return controllerRef(p)?.uid === set.metadata.uid ? p : false;
    });
    assert.equal(adopted.metadata.uid, web0.metadata.uid);
    // Drop the selector label: released (no controllerRef), still the same pod.
    assert.equal(await k(c, 'label', 'pod', 'web-0', 'app-'), 'pod/web-0 unlabeled\n');
    const released = await waitFor('release', async () => {
      const p = await getJson(c, 'pod', 'web-0');
      return !controllerRef(p) ? p : false;
    });
    assert.equal(released.metadata.uid, web0.metadata.uid);
    // Restore it: adopted again.
    assert.equal(await k(c, 'label', 'pod', 'web-0', 'app=nginx'), 'pod/web-0 labeled\n');
    const back = await waitFor('re-adoption after relabel', async () => {
      const p = await getJson(c, 'pod', 'web-0');
      return controllerRef(p)?.uid === set.metadata.uid ? p : false;
    });
    assert.equal(back.metadata.uid, web0.metadata.uid);
    await waitSetReady(c, 'web', SEL, ['web-0', 'web-1']);
  });

  test('does not deadlock when a pod’s predecessor fails: deleting healthy web-0 while web-1 is unready (#3)', async () => {
    await k(c, 'annotate', 'pod', 'web-1', 'sim.ordinal.dev/readiness=false', '--overwrite');
    await waitFor('web-1 unready', async () => (await getJson(c, 'sts', 'web')).status.readyReplicas === 1);
    const old0 = (await getJson(c, 'pod', 'web-0')).metadata.uid;
    await deletePods(c, 'web-0');
    const p = await waitFor('web-0 recreated and Ready', async () => {
      const x = await getJson(c, 'pod', 'web-0').catch(() => undefined);
      return x && x.metadata.uid !== old0 && x.status?.conditions?.some((y: any) => y.type === 'Ready' && y.status === 'True') ? x : false;
    });
    assert.equal(p.status.phase, 'Running');
    const s = await waitFor('status 2 replicas, 1 ready', async () => {
      const x = await getJson(c, 'sts', 'web');
      return x.status.replicas === 2 && x.status.readyReplicas === 1 ? x : false;
    });
    assert.equal(s.status.replicas, 2);
    await k(c, 'annotate', 'pod', 'web-1', 'sim.ordinal.dev/readiness-');
    await waitSetReady(c, 'web', SEL, ['web-0', 'web-1']);
  });

  test('the scale subresource reports and sets replicas (#13)', async () => {
    const scale = JSON.parse(await k(c, 'get', '--raw', '/apis/apps/v1/namespaces/default/statefulsets/web/scale'));
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.deepEqual(scale.spec, { replicas: 2 });
    assert.deepEqual(scale.status, { replicas: 2, selector: 'app=nginx' });
    assert.equal(await k(c, 'scale', 'statefulset', 'web', '--current-replicas=2', '--replicas=3'), 'statefulset.apps/web scaled\n');
    assert.equal((await getJson(c, 'sts', 'web')).spec.replicas, 3);
    await waitSetReady(c, 'web', SEL, ['web-0', 'web-1', 'web-2']);
    const wrong = await c.kubectl(['scale', 'statefulset', 'web', '--current-replicas=2', '--replicas=4']);
    assert.notEqual(wrong.code, 0);
    assert.equal(wrong.stderr, "error: Expected replicas to be 2, was 3\n");
    await k(c, 'scale', 'statefulset', 'web', '--replicas=2');
    await waitSetReady(c, 'web', SEL, ['web-0', 'web-1']);
  });

  test('minReadySeconds: availableReplicas trails readyReplicas, and follows later changes of it (#21)', async () => {
    // Fresh pods under a 3 s minReadySeconds: Ready first, available 3 s later.
    await k(c, 'patch', 'sts', 'web', '-p', '{"spec":{"minReadySeconds":3}}');
    await deletePods(c, 'web-0', 'web-1');
    const t0 = Date.now();
    const ready = await waitFor('2 ready, 0 available', async () => {
      const x = await getJson(c, 'sts', 'web');
      return x.status.readyReplicas === 2 && x.status.replicas === 2 ? x : false;
    });
    if (Date.now() - t0 < 2500) assert.ok((ready.status.availableReplicas ?? 0) < 2, `available too early: ${JSON.stringify(ready.status)}`);
    await waitFor('2 available', async () => (await getJson(c, 'sts', 'web')).status.availableReplicas === 2, 30_000);
    // 3600 s: nothing has been Ready that long.
    await k(c, 'patch', 'sts', 'web', '-p', '{"spec":{"minReadySeconds":3600}}');
    await waitFor('0 available', async () => (await getJson(c, 'sts', 'web')).status.availableReplicas === 0, 30_000);
    assert.equal((await getJson(c, 'sts', 'web')).status.readyReplicas, 2);
    await k(c, 'patch', 'sts', 'web', '-p', '{"spec":{"minReadySeconds":0}}');
    await waitFor('2 available again', async () => (await getJson(c, 'sts', 'web')).status.availableReplicas === 2, 30_000);
    assert.match(await k(c, 'get', 'sts', 'web', '-o', 'yaml'), /^  availableReplicas: 2$/m);
  });

  test('.spec.ordinals.start: setting, increasing and removing it renames the slots (#29, #30, #32)', async () => {
    await k(c, 'patch', 'sts', 'web', '-p', '{"spec":{"ordinals":{"start":2},"replicas":3}}');
    let s = await waitFor('web-2..web-4', async () => {
      await waitSetReady(c, 'web', SEL, ['web-2', 'web-3', 'web-4']);
      return getJson(c, 'sts', 'web');
    }, 90_000);
    assert.equal(s.status.readyReplicas, 3);
    const ps = await pods(c, SEL);
    assert.deepEqual(ps.map((p) => p.metadata.labels['apps.kubernetes.io/pod-index']), ['2', '3', '4']);
    await k(c, 'patch', 'sts', 'web', '-p', '{"spec":{"ordinals":{"start":4},"replicas":2}}');
    await waitSetReady(c, 'web', SEL, ['web-4', 'web-5'], 90_000);
    await k(c, 'patch', 'sts', 'web', '-p', '{"spec":{"ordinals":null}}');
    await waitSetReady(c, 'web', SEL, ['web-0', 'web-1'], 90_000);
    s = await getJson(c, 'sts', 'web');
    assert.equal(s.spec.ordinals, undefined);
    assert.equal(s.status.replicas, 2);
  });

  test('scale-down halts while the condemned pods are unhealthy, then deletes in reverse order (#10)', async () => {
    for (const n of ['web-0', 'web-1']) await k(c, 'annotate', 'pod', n, 'sim.ordinal.dev/readiness=false', '--overwrite');
    await waitFor('both unready', async () => ((await getJson(c, 'sts', 'web')).status.readyReplicas ?? 0) === 0);
    const w = new PodWatch(c, SEL);
    try {
      await w.started();
      await k(c, 'scale', 'sts', 'web', '--replicas=0');
      await sleep(3000);
      assert.deepEqual((await pods(c, SEL)).map((p) => [p.metadata.name, !!p.metadata.deletionTimestamp]), [['web-0', false], ['web-1', false]]);
      // Restore web-1 first; web-0 is then the "first unhealthy" pod and may go even unready (§4.7),
      // so it may be gone by the time it would be restored.
      await k(c, 'annotate', 'pod', 'web-1', 'sim.ordinal.dev/readiness-');
      const r0 = await c.kubectl(['annotate', 'pod', 'web-0', 'sim.ordinal.dev/readiness-']);
      assert.ok(r0.code === 0 || /NotFound/.test(r0.stderr), r0.all);
      await waitFor('no pods', async () => (await pods(c, SEL)).length === 0 && (await getJson(c, 'sts', 'web')).status.replicas === 0);
      await sleep(300);
      const ev = w.events();
      const gone1 = indexOf(ev, (e) => e.type === 'DELETED' && e.name === 'web-1');
      const term0 = indexOf(ev, (e) => e.name === 'web-0' && e.deleting);
      assert.ok(gone1 >= 0 && term0 > gone1, `web-0 terminated before web-1 was gone\n${w.dump()}`);
    } finally {
      await w.stop();
    }
    await k(c, 'scale', 'sts', 'web', '--replicas=2');
    await waitSetReady(c, 'web', SEL, ['web-0', 'web-1']);
  });

  test('recreates a pod the node rejected (Failed), until it can run (#12)', async () => {
    const node = (await k(c, 'get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
    await k(c, 'apply', '-f', c.file('hostport.yaml', `apiVersion: v1
kind: Pod
metadata:
  name: hostport
spec:
  containers:
  - name: c
    image: registry.k8s.io/pause:3.10
    ports:
    - containerPort: 21017
      hostPort: 21017
`));
    await k(c, 'wait', '--for=condition=Ready', 'pod/hostport', '--timeout=60s');
    const w = new PodWatch(c, 'app=ss');
    try {
      await w.started();
      // Pinned to the node (no scheduler), so the node agent rejects it: phase Failed, reason NodePorts.
      const yaml = setYaml({ name: 'ss', app: 'ss', service: 'test', replicas: 1, claims: false })
        .replace('    spec:\n      containers:', `    spec:\n      nodeName: ${node}\n      containers:`)
        .replace('        - containerPort: 80\n', '        - containerPort: 21017\n          hostPort: 21017\n');
      await k(c, 'apply', '-f', c.file('ss.yaml', yaml));
      await waitFor('a Failed ss-0 deleted and re-created', async () => {
        const ev = w.events();
        const failed = indexOf(ev, (e) => e.name === 'ss-0' && e.phase === 'Failed');
        const del = indexOf(ev, (e) => e.type === 'DELETED' && e.name === 'ss-0', failed);
        return failed >= 0 && del > failed && indexOf(ev, (e) => e.type === 'ADDED' && e.name === 'ss-0', del) > del;
      }, 30_000);
      const firstUid = w.events()[0]!.uid;
      await deletePods(c, 'hostport');
      const [p] = await waitSetReady(c, 'ss', 'app=ss', ['ss-0']);
      assert.notEqual(p.metadata.uid, firstUid);
      assert.equal(p.status.phase, 'Running');
    } finally {
      await w.stop();
    }
    await k(c, 'delete', 'sts', 'ss');
  });

  test('list, patch and delete a collection of StatefulSets (#14)', async () => {
    await k(c, 'apply', '-f', c.file('coll.yaml', `${SERVICE('coll', 'coll')}---\n${setYaml({ name: 'coll', app: 'coll', service: 'coll', replicas: 1, claims: false })}`));
    await waitSetReady(c, 'coll', 'app=coll', ['coll-0']);
    const patch = { metadata: { labels: { 'e2e': 'patched' } }, spec: { replicas: 2, template: { spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'nginx', image: 'registry.k8s.io/pause:3.10' }] } } } };
    assert.equal(await k(c, 'patch', 'statefulset', 'coll', '-p', JSON.stringify(patch)), 'statefulset.apps/coll patched\n');
    const ps = await waitFor('2 pods on the patched image', async () => {
      const x = await waitSetReady(c, 'coll', 'app=coll', ['coll-0', 'coll-1']);
      return x.every((p) => p.spec.containers[0].image === 'registry.k8s.io/pause:3.10') ? x : false;
    }, 90_000);
    assert.equal(ps[0].spec.terminationGracePeriodSeconds, 1);
    const all = await getJson(c, 'statefulsets', '-A', '-l', 'e2e=patched');
    assert.deepEqual(all.items.map((x: any) => `${x.metadata.namespace}/${x.metadata.name}`), ['default/coll']);
    assert.equal(await k(c, 'delete', 'statefulsets', '-l', 'e2e=patched'), 'statefulset.apps "coll" deleted\n');
    assert.equal((await c.kubectl(['get', 'statefulsets', '-A', '-l', 'e2e=patched'])).stderr, 'No resources found\n');
    await waitFor('coll pods gone', async () => (await pods(c, 'app=coll')).length === 0);
  });

  test('the status subresource: read, merge-patched condition seen in a watch (#15)', async () => {
    const st = JSON.parse(await k(c, 'get', '--raw', '/apis/apps/v1/namespaces/default/statefulsets/web/status'));
    assert.equal(st.kind, 'StatefulSet');
    assert.equal(st.metadata.name, 'web');
    assert.equal(st.status.replicas, 2);
    const w = c.kubectlStream(['get', 'sts', 'web', '-w', '-o', 'jsonpath={.status.conditions[*].type}{"\\n"}']);
    try {
      await sleep(800);
      const out = await k(c, 'patch', 'sts', 'web', '--subresource=status', '--type=merge', '-p',
        JSON.stringify({ status: { conditions: [{ type: 'StatusPatched', status: 'True', reason: 'E2E', message: 'Set from e2e test' }] } }));
      assert.equal(out, 'statefulset.apps/web patched\n');
      await w.waitFor(/StatusPatched/, 20_000);
    } finally {
      await w.stop();
    }
    // The spec is untouched by a status write.
    const s = await getJson(c, 'sts', 'web');
    assert.equal(s.metadata.generation, s.status.observedGeneration);
  });

  test('kill -9 mid scale-up, restart: the set converges with no duplicate pods or claims', async () => {
    await k(c, 'apply', '-f', c.file('db.yaml', `${SERVICE('db', 'db')}---\n${setYaml({ name: 'db', app: 'db', service: 'db', replicas: 1 })}`));
    await waitSetReady(c, 'db', 'app=db', ['db-0']);
    await k(c, 'scale', 'sts', 'db', '--replicas=4');
    const early = await waitFor('db-1 exists', async () => {
      const x = await pods(c, 'app=db');
      return x.length >= 2 ? x : false;
    }, 30_000, 50);
    await c.kill9();
    await startAgain(c);
    const ps = await waitSetReady(c, 'db', 'app=db', ['db-0', 'db-1', 'db-2', 'db-3'], 90_000);
    // The pods that existed at the kill are still the same objects: no second db-0 or db-1.
    for (const e of early) {
      assert.equal(ps.find((p) => p.metadata.name === e.metadata.name)?.metadata.uid, e.metadata.uid, `${e.metadata.name} was re-created`);
    }
    const claims = ((await getJson(c, 'pvc', '-l', 'app=db')).items as any[]).map((x) => [x.metadata.name, x.status.phase]).sort();
    assert.deepEqual(claims, [0, 1, 2, 3].map((i) => [`www-db-${i}`, 'Bound']));
    const revs = ((await getJson(c, 'controllerrevisions')).items as any[]).filter((r) => r.metadata.ownerReferences?.[0]?.name === 'db');
    assert.equal(revs.length, 1, 'duplicate ControllerRevisions after restart');
    // Events are best-effort (one in flight at the kill may be lost), but none says a pod was created twice.
    const creates = (await k(c, 'get', 'events', '--field-selector', 'involvedObject.name=db,reason=SuccessfulCreate', '-o', 'jsonpath={range .items[*]}{.message}|{.count}{"\\n"}{end}')).trim().split('\n');
    for (const line of creates) assert.match(line, /\|1$/, `created more than once: ${creates.join('; ')}`);
  });
});
