// StatefulSet lifecycle with the real kubectl: Parallel pod management (tutorial step 21, upstream
// e2e "Burst scaling should run to completion even with unhealthy pods", §6.1 #11), orphaning
// delete and re-adoption, cascading delete, and persistentVolumeClaimRetentionPolicy (§6.1 #22, #23;
// Retain keeps claims; #24 a claim another controller owns is left alone; #26 after adopting an
// orphan; #27 foreign and stale references). One cluster; each test uses its own set and app label.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { tableRows, type Cluster } from './harness.js';
import { startSetCluster, k, deletePods, getJson, waitFor, waitSetReady, pods, PodWatch, indexOf, SERVICE, setYaml, sleep } from './statefulset-helpers.js';

let c: Cluster;

async function claims(selector: string): Promise<string[]> {
  return ((await getJson(c, 'pvc', '-l', selector)).items as any[]).map((x) => x.metadata.name).sort();
}

describe('StatefulSet lifecycle with the real kubectl', () => {
  before(async () => {
    c = await startSetCluster();
  });
  after(async () => {
    await c?.cleanup();
  });

  test('Parallel: unready pods do not hold back creation or scale-down', async () => {
    const sel = 'app=par';
    const w = new PodWatch(c, sel);
    try {
      await w.started();
      // Every pod of this template fails readiness (upstream breaks the HTTP probe).
      const manifest = c.file('par.yaml', `${SERVICE('par', 'par')}---\n${setYaml({
        name: 'par', app: 'par', service: 'par', replicas: 2, claims: false, podManagementPolicy: 'Parallel',
        podAnnotations: { 'sim.ordinal.dev/readiness': 'false' },
      })}`);
      assert.equal(await k(c, 'apply', '-f', manifest), 'service/par created\nstatefulset.apps/par created\n');
      await waitFor('2 running unready pods', async () => {
        const ps = await pods(c, sel);
        return ps.length === 2 && ps.every((p) => p.status?.phase === 'Running') ? ps : false;
      });
      let ev = w.events();
      // Both were created without waiting: par-1 exists before par-0 is Running.
      const add1 = indexOf(ev, (e) => e.type === 'ADDED' && e.name === 'par-1');
      const run0 = indexOf(ev, (e) => e.name === 'par-0' && e.phase === 'Running');
      assert.ok(add1 >= 0 && add1 < run0, w.dump());
      assert.equal(indexOf(ev, (e) => e.ready === 'True'), -1, 'a pod became Ready');
      assert.equal(await k(c, 'scale', 'statefulset/par', '--replicas=4'), 'statefulset.apps/par scaled\n');
      const ps = await waitFor('4 pods', async () => {
        const x = await pods(c, sel);
        return x.length === 4 ? x : false;
      });
      assert.deepEqual(ps.map((p) => p.metadata.name), ['par-0', 'par-1', 'par-2', 'par-3']);
      const s = await waitFor('status replicas 4', async () => {
        const x = await getJson(c, 'sts', 'par');
        return x.status.replicas === 4 && x.status.observedGeneration === x.metadata.generation ? x : false;
      });
      assert.equal(s.status.readyReplicas ?? 0, 0);
      assert.deepEqual(tableRows(await k(c, 'get', 'sts', 'par'))[1]!.slice(0, 2), ['par', '0/4']);
      // Scale to 0 with every pod unready: all go.
      await k(c, 'scale', 'statefulset/par', '--replicas=0');
      await waitFor('no pods and status.replicas 0', async () => {
        const x = await getJson(c, 'sts', 'par');
        return x.status.replicas === 0 && (await pods(c, sel)).length === 0;
      });
      await sleep(300);
      ev = w.events();
      // Terminated concurrently: par-0 started terminating before par-3 was gone.
      const term0 = indexOf(ev, (e) => e.name === 'par-0' && e.deleting);
      const gone3 = indexOf(ev, (e) => e.type === 'DELETED' && e.name === 'par-3');
      assert.ok(term0 >= 0 && gone3 >= 0 && term0 < gone3, w.dump());
    } finally {
      await w.stop();
    }
    await k(c, 'delete', 'sts', 'par');
  });

  test('delete --cascade=orphan keeps the pods; re-creating the set with 2 replicas adopts web-1, creates web-0, removes web-2', async () => {
    // Tutorial steps 17 and 18, with three pods.
    const sel = 'app=nginx';
    const manifest3 = c.file('web3.yaml', `${SERVICE('nginx', 'nginx')}---\n${setYaml({ replicas: 3 })}`);
    await k(c, 'apply', '-f', manifest3);
    const before = await waitSetReady(c, 'web', sel, ['web-0', 'web-1', 'web-2']);
    const oldSet = await getJson(c, 'sts', 'web');
    assert.equal(await k(c, 'delete', 'statefulset', 'web', '--cascade=orphan'), 'statefulset.apps "web" deleted\n');
    const orphans = await waitFor('ownerReferences removed', async () => {
      const ps = await pods(c, sel);
      return ps.length === 3 && ps.every((p) => !p.metadata.ownerReferences?.length) ? ps : false;
    });
    assert.deepEqual(orphans.map((p) => p.metadata.uid), before.map((p) => p.metadata.uid));
    const nf = await c.kubectl(['get', 'sts', 'web']);
    assert.equal(nf.code, 1);
    assert.equal(nf.stderr, 'Error from server (NotFound): statefulsets.apps "web" not found\n');
    // Without its set, a deleted pod is not re-created.
    assert.equal(await deletePods(c, 'web-0'), 'pod "web-0" deleted\n');
    await sleep(1500);
    assert.deepEqual((await pods(c, sel)).map((p) => p.metadata.uid), before.slice(1).map((p) => p.metadata.uid));

    const manifest = c.file('web.yaml', `${SERVICE('nginx', 'nginx')}---\n${setYaml()}`);
    assert.equal(await k(c, 'apply', '-f', manifest), 'service/nginx unchanged\nstatefulset.apps/web created\n');
    const set = await getJson(c, 'sts', 'web');
    assert.notEqual(set.metadata.uid, oldSet.metadata.uid);
    const after = await waitSetReady(c, 'web', sel, ['web-0', 'web-1']);
    assert.notEqual(after[0].metadata.uid, before[0].metadata.uid, 'web-0 was not created anew');
    assert.equal(after[1].metadata.uid, before[1].metadata.uid, 'web-1 was replaced instead of adopted');
    for (const p of after) {
      assert.deepEqual(p.metadata.ownerReferences, [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    assert.equal(after[0].spec.volumes.find((v: any) => v.name === 'www').persistentVolumeClaim.claimName, 'www-web-0');
  });

  test('cascading delete removes the pods, keeps the Service and (Retain) the claims; re-creating finds the data', async () => {
    const sel = 'app=nginx';
    const pvc0 = await getJson(c, 'pvc', 'www-web-0');
    const pv0 = await getJson(c, 'pv', pvc0.spec.volumeName);
    writeFileSync(join(pv0.spec.hostPath.path, 'index.html'), 'web-0\n');
    assert.equal(await k(c, 'delete', 'statefulset', 'web'), 'statefulset.apps "web" deleted\n');
    await waitFor('the pods to go', async () => (await pods(c, sel)).length === 0);
    assert.deepEqual(await claims(sel), ['www-web-0', 'www-web-1', 'www-web-2']);
    const pvc = await getJson(c, 'pvc', 'www-web-0');
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(pvc.metadata.ownerReferences, undefined);
    assert.equal((await getJson(c, 'svc', 'nginx')).metadata.name, 'nginx');
    // Tutorial step 20: apply again; the pods mount the same claims, and the data is still there.
    await k(c, 'apply', '-f', c.file('web-again.yaml', `${SERVICE('nginx', 'nginx')}---\n${setYaml()}`));
    await waitSetReady(c, 'web', sel, ['web-0', 'web-1']);
    const again = await getJson(c, 'pvc', 'www-web-0');
    assert.equal(again.metadata.uid, pvc0.metadata.uid);
    assert.equal(again.spec.volumeName, pv0.metadata.name);
    assert.equal(readFileSync(join(pv0.spec.hostPath.path, 'index.html'), 'utf8'), 'web-0\n');
    await k(c, 'delete', 'statefulset', 'web');
    await waitFor('the pods to go', async () => (await pods(c, sel)).length === 0);
  });

  test('persistentVolumeClaimRetentionPolicy Delete: scale-down deletes the condemned claims, set deletion the rest', async () => {
    const sel = 'app=ret';
    const manifest = c.file('ret.yaml', `${SERVICE('ret', 'ret')}---\n${setYaml({
      name: 'ret', app: 'ret', service: 'ret', replicas: 3, retention: { whenDeleted: 'Delete', whenScaled: 'Delete' },
    })}`);
    await k(c, 'apply', '-f', manifest);
    await waitSetReady(c, 'ret', sel, ['ret-0', 'ret-1', 'ret-2']);
    const set = await getJson(c, 'sts', 'ret');
    assert.deepEqual(set.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Delete', whenScaled: 'Delete' });
    assert.deepEqual(await claims(sel), ['www-ret-0', 'www-ret-1', 'www-ret-2']);
    // whenDeleted=Delete: every claim is owned by the set.
    for (const name of await claims(sel)) {
      const pvc = await getJson(c, 'pvc', name);
      assert.ok(
        (pvc.metadata.ownerReferences ?? []).some((r: any) => r.kind === 'StatefulSet' && r.name === 'ret' && r.uid === set.metadata.uid),
        `${name} has no ownerReference to the set: ${JSON.stringify(pvc.metadata.ownerReferences)}`,
      );
    }
    await k(c, 'scale', 'sts', 'ret', '--replicas=1');
    await waitSetReady(c, 'ret', sel, ['ret-0']);
    await waitFor('claims of ret-1 and ret-2 deleted', async () => (await claims(sel)).join() === 'www-ret-0');
    await k(c, 'delete', 'sts', 'ret');
    await waitFor('every claim deleted', async () => (await claims(sel)).length === 0 && (await pods(c, sel)).length === 0);
  });

  test('persistentVolumeClaimRetentionPolicy Retain: claims survive scale-down and set deletion', async () => {
    const sel = 'app=keep';
    const manifest = c.file('keep.yaml', `${SERVICE('keep', 'keep')}---\n${setYaml({
      name: 'keep', app: 'keep', service: 'keep', replicas: 2, retention: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    })}`);
    await k(c, 'apply', '-f', manifest);
    await waitSetReady(c, 'keep', sel, ['keep-0', 'keep-1']);
    await k(c, 'scale', 'sts', 'keep', '--replicas=1');
    await waitSetReady(c, 'keep', sel, ['keep-0']);
    await k(c, 'delete', 'sts', 'keep');
    await waitFor('the pods to go', async () => (await pods(c, sel)).length === 0);
    await sleep(1000);
    assert.deepEqual(await claims(sel), ['www-keep-0', 'www-keep-1']);
    const rows = tableRows(await k(c, 'get', 'pvc', '-l', sel)).slice(1);
    assert.deepEqual(rows.map((r) => [r[0], r[1]]), [['www-keep-0', 'Bound'], ['www-keep-1', 'Bound']]);
  });

  test('whenScaled=Delete after adopting an orphaned pod: scale to 1 leaves only claim 0 (#26)', async () => {
    const sel = 'app=adopt';
    const manifest = c.file('adopt.yaml', `${SERVICE('adopt', 'adopt')}---\n${setYaml({
      name: 'adopt', app: 'adopt', service: 'adopt', replicas: 3, retention: { whenDeleted: 'Retain', whenScaled: 'Delete' },
    })}`);
    await k(c, 'apply', '-f', manifest);
    await waitSetReady(c, 'adopt', sel, ['adopt-0', 'adopt-1', 'adopt-2']);
    await k(c, 'patch', 'pod', 'adopt-2', '--type=json', '-p', '[{"op":"remove","path":"/metadata/ownerReferences"}]');
    await k(c, 'scale', 'sts', 'adopt', '--replicas=1');
    await waitSetReady(c, 'adopt', sel, ['adopt-0'], 90_000);
    await waitFor('only www-adopt-0 left', async () => (await claims(sel)).join() === 'www-adopt-0');
    await k(c, 'delete', 'sts', 'adopt');
    await waitFor('the pods to go', async () => (await pods(c, sel)).length === 0);
    assert.deepEqual(await claims(sel), ['www-adopt-0']);
  });

  test('whenScaled=Delete leaves a claim another controller owns (#24)', async () => {
    const sel = 'app=foreign';
    const yaml = (whenScaled: 'Retain' | 'Delete', replicas: number) => `${SERVICE('foreign', 'foreign')}---\n${setYaml({
      name: 'foreign', app: 'foreign', service: 'foreign', replicas, retention: { whenDeleted: 'Retain', whenScaled },
    })}`;
    await k(c, 'apply', '-f', c.file('foreign.yaml', yaml('Retain', 3)));
    await waitSetReady(c, 'foreign', sel, ['foreign-0', 'foreign-1', 'foreign-2']);
    await k(c, 'create', 'configmap', 'owner');
    const cm = await getJson(c, 'configmap', 'owner');
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: cm.metadata.uid, controller: true };
    await k(c, 'patch', 'pvc', 'www-foreign-1', '--type=merge', '-p', JSON.stringify({ metadata: { ownerReferences: [ref] } }));
    await k(c, 'apply', '-f', c.file('foreign0.yaml', yaml('Delete', 0)));
    await waitFor('no pods', async () => (await pods(c, sel)).length === 0 && (await getJson(c, 'sts', 'foreign')).status.replicas === 0, 90_000);
    await waitFor('claims 0 and 2 deleted', async () => (await claims(sel)).join() === 'www-foreign-1');
    await sleep(1000);
    assert.deepEqual(await claims(sel), ['www-foreign-1']);
    const pvc1 = await getJson(c, 'pvc', 'www-foreign-1');
    assert.deepEqual(pvc1.metadata.ownerReferences, [ref]);
    // The foreign reference removed: scaling to 2 gives claims 0 and 1; scaling to 1 deletes claim 1.
    await k(c, 'patch', 'pvc', 'www-foreign-1', '--type=json', '-p', '[{"op":"remove","path":"/metadata/ownerReferences"}]');
    await k(c, 'scale', 'sts', 'foreign', '--replicas=2');
    await waitSetReady(c, 'foreign', sel, ['foreign-0', 'foreign-1']);
    assert.deepEqual(await claims(sel), ['www-foreign-0', 'www-foreign-1']);
    await k(c, 'scale', 'sts', 'foreign', '--replicas=1');
    await waitSetReady(c, 'foreign', sel, ['foreign-0']);
    await waitFor('claim 1 deleted', async () => (await claims(sel)).join() === 'www-foreign-0');
  });

  test('whenDeleted=Delete with foreign and stale references on claims (#27)', async () => {
    const sel = 'app=stale';
    const yaml = (whenDeleted: 'Retain' | 'Delete') => `${SERVICE('stale', 'stale')}---\n${setYaml({
      name: 'stale', app: 'stale', service: 'stale', replicas: 4, retention: { whenDeleted, whenScaled: 'Retain' },
    })}`;
    await k(c, 'apply', '-f', c.file('stale.yaml', yaml('Retain')));
    await waitSetReady(c, 'stale', sel, ['stale-0', 'stale-1', 'stale-2', 'stale-3']);
    const set = await getJson(c, 'sts', 'stale');
    await k(c, 'create', 'configmap', 'stale-owner');
    const cm = await getJson(c, 'configmap', 'stale-owner');
    const cmRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'stale-owner', uid: cm.metadata.uid };
    const staleRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'unknown', uid: '00000000-0000-0000-0000-000000000001', controller: true };
    await k(c, 'patch', 'pvc', 'www-stale-1', '--type=merge', '-p', JSON.stringify({ metadata: { ownerReferences: [cmRef] } }));
    await k(c, 'patch', 'pvc', 'www-stale-3', '--type=merge', '-p', JSON.stringify({ metadata: { ownerReferences: [staleRef], finalizers: ['kubernetes.io/pvc-protection', 'e2e.ordinal.dev/keep'] } }));
    const pvc3 = await getJson(c, 'pvc', 'www-stale-3');
    await k(c, 'apply', '-f', c.file('stale-delete.yaml', yaml('Delete')));
    const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'stale', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true };
    const refs = async (n: number) => (await getJson(c, 'pvc', `www-stale-${n}`)).metadata.ownerReferences;
    await waitFor('claims 0 and 2 owned by the set', async () => isDeepStrictEqual(await refs(0), [setRef]) && isDeepStrictEqual(await refs(2), [setRef]));
    await waitFor('claim 1 owned by the set too', async () => isDeepStrictEqual(await refs(1), [cmRef, setRef]));
    await sleep(1000);
    // Someone else's controller reference is never touched.
    const pvc3After = await getJson(c, 'pvc', 'www-stale-3');
    assert.deepEqual(pvc3After.metadata.ownerReferences, [staleRef]);
    assert.equal(pvc3After.metadata.resourceVersion, pvc3.metadata.resourceVersion);
    // controller: false on claim 0's reference is put back to true.
    await k(c, 'patch', 'pvc', 'www-stale-0', '--type=merge', '-p', JSON.stringify({ metadata: { ownerReferences: [{ ...setRef, controller: false }] } }));
    await k(c, 'annotate', 'sts', 'stale', 'e2e.ordinal.dev/poke=1');
    await waitFor('claim 0 controller ref restored', async () => isDeepStrictEqual(await refs(0), [setRef]));
    // Deleting the set removes claims 0 and 2 only (1 still has a live owner; 3 is not ours).
    await k(c, 'delete', 'sts', 'stale');
    await waitFor('claims 0 and 2 deleted', async () => (await claims(sel)).join() === 'www-stale-1,www-stale-3');
    await sleep(1000);
    assert.deepEqual(await claims(sel), ['www-stale-1', 'www-stale-3']);
  });
});
