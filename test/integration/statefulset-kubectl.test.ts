// The "StatefulSet Basics" tutorial (spec §6.2) with the real kubectl against the whole cluster
// in-process (scheduler, simulated node agent, volumes, GC, …): ordered creation, stable names
// and claims, scale up/down order, rolling update, partition staging/canary/phased rollout,
// OnDelete, orphaning delete and re-adoption, cascading delete, Parallel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCluster, type Cluster } from '../../src/cli/up.js';
import { defaultComponents } from '../../src/cli/components.js';
import { findKubectl } from '../../src/cli/kubectl.js';
import { HttpClient } from '../../src/client/http.js';
import { R, type WatchStream } from '../../src/client/types.js';
import type { KubeObject } from '../../src/machinery/object.js';

const exec = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KUBECTL = findKubectl() ?? '/usr/bin/kubectl';
const NS = 'default';
let dir: string;
let cluster: Cluster;
let client: HttpClient;
let watch: WatchStream;

/** Every pod event seen, with whether the pod was Ready at that moment. */
const seen: { type: string; name: string; uid: string }[] = [];
const readyNow = new Map<string, boolean>();
const readyAtAdd = new Map<string, Map<string, boolean>>(); // pod → snapshot of others' readiness when it was added
const isReady = (p: KubeObject) => !!(p.status as { conditions?: { type: string; status: string }[] })?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

// Deletions of pods the set re-creates pass --wait=false and wait here for the new uid: kubectl's
// wait (GET, then LIST+WATCH by name) never returns when the pod is deleted and re-created between
// its GET and its LIST, which a node that stops pods in milliseconds hits under load.
async function k(...args: string[]): Promise<string> {
  try {
    const r = await exec(KUBECTL, ['--kubeconfig', cluster.kubeconfigPath, ...args], { timeout: 60_000 });
    return r.stdout;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${x.stderr || x.message}`);
  }
}
/** The tutorial step in progress (named in failures). */
let step = '';
const until = async (what: string, f: () => Promise<boolean>, ms = 90_000) => {
  const end = Date.now() + ms;
  for (;;) {
    if (await f()) return;
    if (Date.now() > end) throw new Error(`step "${step}": timed out waiting for ${what}; pods: ${(await pods()).map((p) => `${p.metadata.name}${p.metadata.deletionTimestamp ? '(terminating)' : ''}=${(p.status as { phase?: string })?.phase}/${isReady(p)}`).join(' ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const pods = async () => (await client.list(R.pods, NS, { labelSelector: 'app=nginx' })).items;
const names = async () => (await pods()).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
const readyCount = async () => (await pods()).filter((p) => !p.metadata.deletionTimestamp && isReady(p)).length;
const settled = (n: number) => until(`${n} pods Running and Ready`, async () => (await names()).length === n && (await readyCount()) === n);
/** The pod's image, or '' while it does not exist (the controller may be replacing it). */
const imageOf = async (name: string) => {
  const p = (await pods()).find((x) => x.metadata.name === name && !x.metadata.deletionTimestamp);
  return p ? (await k('get', 'pod', name, '-o', 'jsonpath={.spec.containers[0].image}').catch(() => '')).trim() : '';
};
const uidOf = async (name: string) => (await pods()).find((x) => x.metadata.name === name)?.metadata.uid;
const mark = () => seen.length;
const since = (m: number, type: string) => seen.slice(m).filter((e) => e.type === type).map((e) => e.name);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-sts-kubectl-'));
  cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'sqlite', components: defaultComponents(), log: () => undefined });
  client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  const list = await client.list(R.pods, NS);
  watch = await client.watch(R.pods, NS, { labelSelector: 'app=nginx', resourceVersion: list.metadata.resourceVersion });
  void (async () => {
    for await (const e of watch) {
      const name = e.object.metadata.name!;
      if (e.type === 'ADDED') readyAtAdd.set(name, new Map(readyNow));
      if (e.type === 'DELETED') readyNow.delete(name);
      else readyNow.set(name, isReady(e.object) && !e.object.metadata.deletionTimestamp);
      seen.push({ type: e.type, name, uid: e.object.metadata.uid ?? '' });
    }
    seen.push({ type: 'END', name: '', uid: '' });
  })().catch((e) => seen.push({ type: `FAILED ${(e as Error).message}`, name: '', uid: '' }));
});
after(async () => {
  watch?.stop();
  client?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Pods added since mark m, in order, each added only when its predecessor was Ready. */
function assertOrderedAdds(m: number, expected: string[]) {
  assert.deepEqual(since(m, 'ADDED'), expected, `step "${step}": pod events ${JSON.stringify(seen.slice(m).map((e) => `${e.type} ${e.name}`))}`);
  for (const n of expected) {
    const ord = Number(n.split('-')[1]);
    if (ord === 0) continue;
    assert.equal(readyAtAdd.get(n)?.get(`web-${ord - 1}`), true, `${n} was created only after web-${ord - 1} was Ready`);
  }
}

test('StatefulSet Basics with kubectl', async () => {
  // 1–3: create, ordered creation, ordinal names
  step = '1–3: create, ordered creation, ordinal names';
  let m = mark();
  assert.equal((await k('create', '-f', join(ROOT, 'examples/svc.yaml'))).trim(), 'service/nginx created');
  assert.equal((await k('create', '-f', join(ROOT, 'examples/statefulset.yaml'))).trim(), 'statefulset.apps/web created');
  await settled(2);
  assertOrderedAdds(m, ['web-0', 'web-1']);
  assert.deepEqual((await k('get', 'pods', '-l', 'app=nginx', '-o', 'name')).trim().split('\n'), ['pod/web-0', 'pod/web-1']);
  await until('READY 2/2', async () => /web\s+2\/2/.test(await k('get', 'statefulset', 'web')));
  assert.equal((await k('get', 'pod', 'web-0', '-o', 'jsonpath={.spec.hostname}.{.spec.subdomain}')), 'web-0.nginx');

  // 7: stable storage, claims labelled with the selector
  step = '7: stable storage, claims labelled with the selector';
  await until('claims bound', async () => {
    const out = await k('get', 'pvc', '-l', 'app=nginx', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase} {end}');
    return out.trim() === 'www-web-0=Bound www-web-1=Bound';
  });

  // 6: delete all pods → recreated in order with the same names and claims
  step = '6: delete all pods → recreated in order with the same names and claims';
  m = mark();
  await k('delete', 'pod', '-l', 'app=nginx', '--wait=false');
  await until('both recreated', async () => since(m, 'ADDED').length === 2);
  await settled(2);
  assertOrderedAdds(m, ['web-0', 'web-1']);
  assert.equal(await k('get', 'pod', 'web-1', '-o', 'jsonpath={.spec.volumes[0].persistentVolumeClaim.claimName}'), 'www-web-1');

  // 10: scale up, one at a time
  step = '10: scale up, one at a time';
  m = mark();
  assert.equal((await k('scale', 'sts', 'web', '--replicas=5')).trim(), 'statefulset.apps/web scaled');
  await settled(5);
  assertOrderedAdds(m, ['web-2', 'web-3', 'web-4']);

  // 11: scale down, highest first; claims stay
  step = '11: scale down, highest first; claims stay';
  m = mark();
  await k('patch', 'sts', 'web', '-p', '{"spec":{"replicas":3}}');
  await settled(3);
  await until('deletions observed', async () => since(m, 'DELETED').length === 2);
  assert.deepEqual(since(m, 'DELETED'), ['web-4', 'web-3']);
  assert.equal((await k('get', 'pvc', '-l', 'app=nginx', '-o', 'name')).trim().split('\n').length, 5);

  // 12: rolling update in reverse ordinal order; rollout status reports completion
  step = '12: rolling update in reverse ordinal order; rollout status reports completion';
  m = mark();
  await k('patch', 'statefulset', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.k8s.io/nginx-slim:0.24"}]');
  const rollout = await k('rollout', 'status', 'sts/web', '--timeout=60s');
  // The defaulted rollingUpdate.partition (0) makes kubectl print its "partitioned" wording.
  assert.match(rollout, /partitioned roll out complete: 3 new pods have been updated\.\.\.\n$/);
  assert.deepEqual(since(m, 'DELETED'), ['web-2', 'web-1', 'web-0']);
  for (const n of ['web-0', 'web-1', 'web-2']) assert.equal(await imageOf(n), 'registry.k8s.io/nginx-slim:0.24');

  // 13: staging with partition 3: a deleted pod comes back at the previous image
  step = '13: staging with partition 3: a deleted pod comes back at the previous image';
  await k('patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":3}}}}');
  await k('patch', 'statefulset', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.k8s.io/nginx-slim:0.21"}]');
  await new Promise((r) => setTimeout(r, 500));
  let uid = await uidOf('web-2');
  await k('delete', 'pod', 'web-2', '--wait=false');
  await until('web-2 back', async () => (await names()).includes('web-2') && (await uidOf('web-2')) !== uid);
  await settled(3);
  assert.equal(await imageOf('web-2'), 'registry.k8s.io/nginx-slim:0.24');

  // 14: canary with partition 2; web-1 deleted comes back at the old image
  step = '14: canary with partition 2; web-1 deleted comes back at the old image';
  await k('patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}');
  await until('web-2 updated', async () => (await names()).includes('web-2') && (await imageOf('web-2')) === 'registry.k8s.io/nginx-slim:0.21');
  await settled(3);
  uid = await uidOf('web-1');
  await k('delete', 'pod', 'web-1', '--wait=false');
  await until('web-1 back', async () => (await names()).includes('web-1') && (await uidOf('web-1')) !== uid);
  await settled(3);
  assert.equal(await imageOf('web-1'), 'registry.k8s.io/nginx-slim:0.24');
  assert.equal(await imageOf('web-0'), 'registry.k8s.io/nginx-slim:0.24');

  // 15: phased rollout: partition 0 updates the rest
  step = '15: phased rollout: partition 0 updates the rest';
  await k('patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}}}}');
  await until('all at 0.21', async () => {
    const imgs = await k('get', 'pods', '-l', 'app=nginx', '-o', 'jsonpath={.items[*].spec.containers[0].image}');
    return imgs.trim().split(' ').filter((i) => i === 'registry.k8s.io/nginx-slim:0.21').length === 3;
  });
  await settled(3);

  // 16: OnDelete: template changes wait for manual deletion
  step = '16: OnDelete: template changes wait for manual deletion';
  await k('patch', 'statefulset', 'web', '-p', '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}');
  await k('patch', 'statefulset', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.k8s.io/nginx-slim:0.22"}]');
  await new Promise((r) => setTimeout(r, 1000));
  for (const n of ['web-0', 'web-1', 'web-2']) assert.equal(await imageOf(n), 'registry.k8s.io/nginx-slim:0.21');
  uid = await uidOf('web-0');
  await k('delete', 'pod', 'web-0', '--wait=false');
  await until('web-0 back', async () => (await names()).includes('web-0') && (await uidOf('web-0')) !== uid);
  assert.equal(await imageOf('web-0'), 'registry.k8s.io/nginx-slim:0.22');
  await settled(3);

  // 17: non-cascading delete: pods stay, and are no longer replaced
  step = '17: non-cascading delete: pods stay, and are no longer replaced';
  const uids = new Map(await Promise.all(['web-1', 'web-2'].map(async (n) => [n, await uidOf(n)] as const)));
  await k('delete', 'statefulset', 'web', '--cascade=orphan');
  await until('set gone', async () => !(await k('get', 'statefulsets', '-o', 'name')).includes('web'));
  assert.deepEqual(await names(), ['web-0', 'web-1', 'web-2']);
  await k('delete', 'pod', 'web-0');
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await names(), ['web-1', 'web-2']);

  // 18: re-create (replicas 2): web-0 created, web-1 adopted, web-2 (surplus) removed
  step = '18: re-create (replicas 2): web-0 created, web-1 adopted, web-2 (surplus) removed';
  const applied = (await k('apply', '-f', join(ROOT, 'examples/statefulset.yaml'))).trim();
  assert.equal(applied, 'statefulset.apps/web created');
  await until('web-0 created and web-2 removed', async () => (await names()).join() === 'web-0,web-1');
  await settled(2);
  assert.deepEqual(await names(), ['web-0', 'web-1']);
  assert.equal(await uidOf('web-1'), uids.get('web-1'), 'web-1 was adopted, not replaced');
  const owner = JSON.parse(await k('get', 'pod', 'web-1', '-o', 'jsonpath={.metadata.ownerReferences[0]}'));
  assert.equal(owner.kind, 'StatefulSet');
  assert.equal(owner.controller, true);

  // 19: cascading delete removes the pods; the Service stays
  step = '19: cascading delete removes the pods; the Service stays';
  await k('delete', 'statefulset', 'web');
  await until('pods gone', async () => (await names()).length === 0);
  assert.match(await k('get', 'service', 'nginx', '-o', 'name'), /service\/nginx/);

  // 21: Parallel: pods start together, and scaling does not wait
  step = '21: Parallel: pods start together, and scaling does not wait';
  const yaml = readFileSync(join(ROOT, 'examples/statefulset.yaml'), 'utf8').replace('serviceName: "nginx"', 'serviceName: "nginx"\n  podManagementPolicy: "Parallel"');
  const file = join(dir, 'web-parallel.yaml');
  writeFileSync(file, yaml);
  m = mark();
  await k('apply', '-f', file);
  await until('2 added', async () => since(m, 'ADDED').length === 2);
  assert.equal(readyAtAdd.get('web-1')?.get('web-0') ?? false, false, 'web-1 did not wait for web-0');
  await settled(2);
  m = mark();
  await k('scale', 'statefulset/web', '--replicas=4');
  await until('4 added', async () => since(m, 'ADDED').length === 2);
  assert.equal(readyAtAdd.get('web-3')?.get('web-2') ?? false, false, 'web-3 did not wait for web-2');
  await settled(4);
  // PVCs survived every deletion of pods and sets: the same claims were re-used.
  assert.deepEqual((await k('get', 'pvc', '-l', 'app=nginx', '-o', 'name')).trim().split('\n').sort(), [0, 1, 2, 3, 4].map((i) => `persistentvolumeclaim/www-web-${i}`));
});
