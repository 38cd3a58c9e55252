// StatefulSet updates with the real kubectl: the tutorial's rolling update, staging/canary/phased
// rollout with a partition and OnDelete (shared/spec/statefulset.md §6.2 steps 12–15), the upstream
// e2e "rolling updates and roll backs" / "canary updates and phased rolling updates" (also with a
// finalizer-held pod-0) / "legacy replacement when the update strategy is OnDelete" (§6.1 #5–#7, #9), `kubectl rollout
// status|history|undo`, and Ordinal's opt-in recovery of a rollout stuck on a broken template.
// One cluster; the tests run in order on one 3-replica set (no claims: updates do not touch them).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tableRows, type Cluster } from './harness.js';
import { startSetCluster, k, deletePods, getJson, waitFor, waitSetReady, pods, PodWatch, indexOf, SERVICE, setYaml, sleep, IMAGE_PATCH } from './statefulset-helpers.js';

let c: Cluster;
const SEL = 'app=nginx';
const NAMES = ['web-0', 'web-1', 'web-2'];
const IMG = (v: string) => `registry.k8s.io/nginx-slim:${v}`;

async function set(): Promise<any> {
  return getJson(c, 'sts', 'web');
}

/** Waits for the rollout to be complete: all Ready, currentRevision == updateRevision, every pod at it. */
async function waitRolledOut(image: string): Promise<{ set: any; pods: any[] }> {
  return waitFor(`rollout to ${image}`, async () => {
    const ps = await waitSetReady(c, 'web', SEL, NAMES);
    const s = await set();
    const rev = s.status.updateRevision;
    if (s.status.currentRevision !== rev || s.status.updatedReplicas !== 3 || s.status.currentReplicas !== 3) return false;
    if (!ps.every((p) => p.metadata.labels['controller-revision-hash'] === rev && p.spec.containers[0].image === image)) return false;
    return { set: s, pods: ps };
  }, 90_000);
}

/** ordinal → [image, revision label] */
const imageAndRev = (ps: any[]) => ps.map((p) => [p.spec.containers[0].image, p.metadata.labels['controller-revision-hash']]);

describe('StatefulSet updates with the real kubectl', () => {
  let rev1 = '';
  let rev2 = '';

  before(async () => {
    c = await startSetCluster();
    const manifest = c.file('web.yaml', `${SERVICE('nginx', 'nginx')}---\n${setYaml({ replicas: 3, claims: false })}`);
    await k(c, 'apply', '-f', manifest);
    const { set: s } = await waitRolledOut(IMG('0.21'));
    rev1 = s.status.updateRevision;
  });
  after(async () => {
    await c?.cleanup();
  });

  test('rolling update: pods replaced in reverse ordinal order, each after the previous is Ready', async () => {
    const before = await pods(c, SEL);
    const w = new PodWatch(c, SEL);
    try {
      await w.started();
      const out = await k(c, 'patch', 'statefulset', 'web', '--type=json', `-p=${IMAGE_PATCH(IMG('0.24'))}`);
      assert.equal(out, 'statefulset.apps/web patched\n');
      // Right after the patch the set has a new updateRevision and is not done yet.
      const mid = await waitFor('a new updateRevision', async () => {
        const s = await set();
        return s.status.observedGeneration === s.metadata.generation && s.status.updateRevision !== rev1 ? s : false;
      });
      rev2 = mid.status.updateRevision;
      assert.match(rev2, /^web-[0-9a-z]+$/);
      const status = await c.kubectl(['rollout', 'status', 'sts/web', '--timeout=90s'], { timeoutMs: 100_000 });
      assert.equal(status.code, 0, status.all);
      // apps/v1 defaults rollingUpdate.partition to 0, so kubectl takes its "partitioned" branch
      // (what real clusters print too); each line is one poll of the set.
      assert.ok(status.stdout.endsWith('partitioned roll out complete: 3 new pods have been updated...\n'), status.stdout);
      for (const line of status.stdout.trimEnd().split('\n').slice(0, -1)) {
        assert.match(line, /^(Waiting for statefulset spec update to be observed\.\.\.|Waiting for [12] pods to be ready\.\.\.|Waiting for partitioned roll out to finish: [0-2] out of 3 new pods have been updated\.\.\.)$/);
      }
      const { set: s, pods: after } = await waitRolledOut(IMG('0.24'));
      assert.equal(s.status.currentRevision, rev2);
      await sleep(300);
      const ev = w.events();
      // Each old pod starts terminating only once the previous replacement is Running and Ready.
      const old = new Set(before.map((p) => p.metadata.uid));
      const term = (n: string) => indexOf(ev, (e) => e.name === n && old.has(e.uid) && e.deleting);
      const readyNew = (n: string) => indexOf(ev, (e) => e.name === n && !old.has(e.uid) && e.phase === 'Running' && e.ready === 'True');
      assert.ok(term('web-2') >= 0 && readyNew('web-2') > term('web-2'), w.dump());
      assert.ok(term('web-1') > readyNew('web-2'), `web-1 terminated before new web-2 was Ready\n${w.dump()}`);
      assert.ok(term('web-0') > readyNew('web-1'), `web-0 terminated before new web-1 was Ready\n${w.dump()}`);
      for (const p of after) {
        assert.ok(!old.has(p.metadata.uid), `${p.metadata.name} was not replaced`);
        assert.equal(p.metadata.labels['controller-revision-hash'], rev2);
      }
    } finally {
      await w.stop();
    }
  });

  test('rollout history lists both revisions; rollout undo returns to the first revision’s name and image', async () => {
    const hist = await k(c, 'rollout', 'history', 'sts/web');
    assert.equal(hist, 'statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    const revs = tableRows(await k(c, 'get', 'controllerrevisions'));
    assert.deepEqual(revs.slice(1).map((r) => r.slice(0, 3)).sort((a, b) => a[2]!.localeCompare(b[2]!)), [
      [rev1, 'statefulset.apps/web', '1'],
      [rev2, 'statefulset.apps/web', '2'],
    ]);
    const detail = await k(c, 'rollout', 'history', 'sts/web', '--revision=1');
    assert.match(detail, /Image:\s+registry\.k8s\.io\/nginx-slim:0\.21/);

    assert.equal(await k(c, 'rollout', 'undo', 'sts/web'), 'statefulset.apps/web rolled back\n');
    const { set: s } = await waitRolledOut(IMG('0.21'));
    // Upstream e2e #5: rolling back reuses the prior revision's name (renumbered to 3).
    assert.equal(s.status.updateRevision, rev1);
    assert.equal(s.status.currentRevision, rev1);
    assert.equal(await k(c, 'rollout', 'history', 'sts/web'), 'statefulset.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    const cr = await getJson(c, 'controllerrevision', rev1);
    assert.equal(cr.revision, 3);
  });

  test('partition (staging): an image change with partition 3 changes no pod; a deleted pod comes back at the old revision', async () => {
    const before = await pods(c, SEL);
    await k(c, 'patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":3}}}}');
    await k(c, 'patch', 'statefulset', 'web', '--type=json', `-p=${IMAGE_PATCH(IMG('0.22'))}`);
    const s = await waitFor('the staged revision', async () => {
      const x = await set();
      return x.status.observedGeneration === x.metadata.generation && x.status.updateRevision !== rev1 ? x : false;
    });
    assert.equal(s.status.currentRevision, rev1);
    const status = await k(c, 'rollout', 'status', 'sts/web');
    assert.equal(status, 'partitioned roll out complete: 0 new pods have been updated...\n');
    await sleep(2000);
    let ps = await pods(c, SEL);
    assert.deepEqual(ps.map((p) => p.metadata.uid), before.map((p) => p.metadata.uid), 'a pod was replaced despite partition 3');
    assert.deepEqual(imageAndRev(ps), NAMES.map(() => [IMG('0.21'), rev1]));
    // Tutorial step 13: web-2 is below the partition, so it is recreated from the current revision.
    await deletePods(c, 'web-2');
    ps = await waitSetReady(c, 'web', SEL, NAMES);
    assert.notEqual(ps[2].metadata.uid, before[2].metadata.uid);
    assert.deepEqual(imageAndRev(ps), NAMES.map(() => [IMG('0.21'), rev1]));
  });

  test('canary then phased: partition 2 updates only web-2; deleted web-1 stays old; partition 0 completes', async () => {
    const rev3 = (await set()).status.updateRevision;
    await k(c, 'patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}');
    let ps = await waitFor('web-2 at the canary revision', async () => {
      const x = await waitSetReady(c, 'web', SEL, NAMES);
      return x[2].metadata.labels['controller-revision-hash'] === rev3 ? x : false;
    });
    assert.deepEqual(imageAndRev(ps), [[IMG('0.21'), rev1], [IMG('0.21'), rev1], [IMG('0.22'), rev3]]);
    let s = await waitFor('status updatedReplicas 1', async () => {
      const x = await set();
      return x.status.updatedReplicas === 1 && x.status.readyReplicas === 3 ? x : false;
    });
    assert.equal(s.status.currentRevision, rev1);
    assert.equal(s.status.updateRevision, rev3);
    assert.equal(await k(c, 'rollout', 'status', 'sts/web'), 'partitioned roll out complete: 1 new pods have been updated...\n');
    // Tutorial step 14: web-1 is below the partition and comes back with the old image.
    const web1 = ps[1].metadata.uid;
    await deletePods(c, 'web-1');
    ps = await waitSetReady(c, 'web', SEL, NAMES);
    assert.notEqual(ps[1].metadata.uid, web1);
    assert.deepEqual(imageAndRev(ps), [[IMG('0.21'), rev1], [IMG('0.21'), rev1], [IMG('0.22'), rev3]]);
    // Phased: partition 1, then 0.
    await k(c, 'patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1}}}}');
    ps = await waitFor('web-1 updated', async () => {
      const x = await waitSetReady(c, 'web', SEL, NAMES);
      return x[1].metadata.labels['controller-revision-hash'] === rev3 ? x : false;
    });
    assert.deepEqual(imageAndRev(ps), [[IMG('0.21'), rev1], [IMG('0.22'), rev3], [IMG('0.22'), rev3]]);
    await k(c, 'patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}}}}');
    const done = await waitRolledOut(IMG('0.22'));
    s = done.set;
    assert.equal(s.status.currentRevision, rev3);
    assert.equal(s.status.updatedReplicas, 3);
  });

  test('OnDelete: a template change touches no pod until the pod is deleted, which brings it back at updateRevision', async () => {
    const s0 = await set();
    const revBefore = s0.status.currentRevision;
    await k(c, 'patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}');
    const before = await pods(c, SEL);
    await k(c, 'patch', 'statefulset', 'web', '--type=json', `-p=${IMAGE_PATCH(IMG('0.23'))}`);
    const s = await waitFor('the OnDelete update revision', async () => {
      const x = await set();
      return x.status.observedGeneration === x.metadata.generation && x.status.updateRevision !== revBefore ? x : false;
    });
    const revNew = s.status.updateRevision;
    assert.equal(s.spec.updateStrategy.type, 'OnDelete');
    await sleep(2000);
    let ps = await pods(c, SEL);
    assert.deepEqual(ps.map((p) => p.metadata.uid), before.map((p) => p.metadata.uid), 'OnDelete replaced a pod by itself');
    assert.deepEqual(imageAndRev(ps), NAMES.map(() => [IMG('0.22'), revBefore]));
    const r = await c.kubectl(['rollout', 'status', 'sts/web']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /rollout status is only available for RollingUpdate strategy type/);
    await deletePods(c, 'web-1');
    ps = await waitSetReady(c, 'web', SEL, NAMES);
    assert.deepEqual(imageAndRev(ps), [[IMG('0.22'), revBefore], [IMG('0.23'), revNew], [IMG('0.22'), revBefore]]);
    assert.deepEqual([ps[0].metadata.uid, ps[2].metadata.uid], [before[0].metadata.uid, before[2].metadata.uid]);
    // Deleting the rest brings every pod to the new revision.
    await deletePods(c, 'web-0', 'web-2');
    ps = await waitFor('all pods at the OnDelete revision', async () => {
      const x = await waitSetReady(c, 'web', SEL, NAMES);
      return x.every((p) => p.metadata.labels['controller-revision-hash'] === revNew) ? x : false;
    });
    assert.deepEqual(imageAndRev(ps), NAMES.map(() => [IMG('0.23'), revNew]));
    await k(c, 'patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate"}}}');
    await waitRolledOut(IMG('0.23'));
  });

  test('a rollout stuck on a never-Ready template: reverting alone stays stuck; with ordinal.dev/recover-stuck-rollout it recovers without deleting the healthy pods', async () => {
    const good = (await set()).status.currentRevision;
    const before = await pods(c, SEL);
    // A broken template: its pods never pass readiness (upstream tests break an HTTP probe).
    await k(c, 'patch', 'statefulset', 'web', '--type=merge', '-p', '{"spec":{"template":{"metadata":{"annotations":{"sim.ordinal.dev/readiness":"false"}}}}}');
    const broken = await waitFor('web-2 recreated from the broken template', async () => {
      const ps = await pods(c, SEL);
      const w2 = ps.find((p) => p.metadata.name === 'web-2');
      return w2 && w2.metadata.uid !== before[2].metadata.uid && w2.status?.phase === 'Running' ? w2 : false;
    });
    const badRev = broken.metadata.labels['controller-revision-hash'];
    assert.notEqual(badRev, good);
    // The user reverts the template (as `rollout undo` would).
    await k(c, 'patch', 'statefulset', 'web', '--type=json', '-p', '[{"op":"remove","path":"/spec/template/metadata/annotations"}]');
    const stuck = await waitFor('the revert to be observed', async () => {
      const x = await set();
      return x.status.observedGeneration === x.metadata.generation && x.status.updateRevision === good ? x : false;
    });
    assert.equal(stuck.status.updateRevision, good);
    // Upstream behaviour (#67250): OrderedReady waits for the broken web-2 forever.
    await sleep(3000);
    let ps = await pods(c, SEL);
    assert.equal(ps[2].metadata.uid, broken.metadata.uid, 'the broken pod was replaced without the opt-in');
    assert.equal(ps[2].metadata.labels['controller-revision-hash'], badRev);
    const cond = (await set()).status.conditions?.find((x: any) => x.type === 'Waiting');
    assert.ok(cond, 'no Waiting condition on a stuck rollout');
    assert.match(cond.message, /web-2/);
    assert.match(cond.message, /ordinal\.dev\/recover-stuck-rollout/);
    // Opt in: the stuck pod is replaced from the reverted template; web-0 and web-1 are untouched.
    assert.equal(await k(c, 'annotate', 'sts', 'web', 'ordinal.dev/recover-stuck-rollout=true'), 'statefulset.apps/web annotated\n');
    const done = await waitRolledOut(IMG('0.23'));
    assert.equal(done.set.status.currentRevision, good);
    ps = done.pods;
    assert.notEqual(ps[2].metadata.uid, broken.metadata.uid);
    assert.deepEqual([ps[0].metadata.uid, ps[1].metadata.uid], [before[0].metadata.uid, before[1].metadata.uid]);
    assert.ok(!(done.set.status.conditions ?? []).some((x: any) => x.type === 'Waiting'));
  });

  test('partition 1 and a pod-0 held by a finalizer: it comes back at the old revision once released (#7)', async () => {
    const s0 = await set();
    const oldRev = s0.status.currentRevision;
    const oldImage = s0.spec.template.spec.containers[0].image;
    await k(c, 'patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1}}}}');
    await k(c, 'patch', 'pod', 'web-0', '--type=merge', '-p', '{"metadata":{"finalizers":["e2e.ordinal.dev/hold"]}}');
    await k(c, 'patch', 'statefulset', 'web', '--type=json', `-p=${IMAGE_PATCH(IMG('0.24'))}`);
    const s = await waitFor('updatedReplicas 2, ready 3', async () => {
      const x = await set();
      return x.status.observedGeneration === x.metadata.generation && x.status.updatedReplicas === 2 && x.status.readyReplicas === 3 && x.status.replicas === 3 ? x : false;
    }, 60_000);
    const newRev = s.status.updateRevision;
    let ps = await waitSetReady(c, 'web', SEL, NAMES);
    assert.deepEqual(imageAndRev(ps), [[oldImage, oldRev], [IMG('0.24'), newRev], [IMG('0.24'), newRev]]);
    const old0 = ps[0].metadata.uid;
    await k(c, 'delete', 'pod', 'web-0', '--wait=false');
    await waitFor('readyReplicas 2 while web-0 is held', async () => (await set()).status.readyReplicas === 2);
    const held = await getJson(c, 'pod', 'web-0');
    assert.equal(held.metadata.uid, old0);
    assert.ok(held.metadata.deletionTimestamp, 'web-0 is not terminating');
    await k(c, 'patch', 'pod', 'web-0', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]');
    ps = await waitFor('web-0 re-created', async () => {
      const x = await waitSetReady(c, 'web', SEL, NAMES);
      return x[0].metadata.uid !== old0 ? x : false;
    });
    // Below the partition: re-created from the current (old) revision.
    assert.deepEqual(imageAndRev(ps), [[oldImage, oldRev], [IMG('0.24'), newRev], [IMG('0.24'), newRev]]);
  });
});
