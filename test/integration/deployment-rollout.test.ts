// Deployments with the real kubectl: create, rollout status/history/undo, scale, pause/resume.
// A stand-in kubelet marks pods Running and Ready through the status subresource.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCluster, type Cluster } from '../../src/cli/cluster.js';
import { replicaSetComponent, deploymentComponent, gcComponent } from '../../src/cli/components.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/types.js';
import { Informer } from '../../src/client/informer.js';

const run = promisify(execFile);
let dir: string;
let cluster: Cluster;
let client: HttpClient;
let kubelet: Informer;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath }, timeout: 60_000 });
  return stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-deploy-'));
  cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', components: [gcComponent, replicaSetComponent, deploymentComponent], log: () => {} });
  client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  // Stand-in kubelet: every new pod becomes Running and Ready.
  let ip = 10;
  kubelet = new Informer(client, R.pods);
  kubelet.addHandlers({
    add: (p) => {
      if ((p.status as { phase?: string } | undefined)?.phase === 'Running') return;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      void client.updateStatus(R.pods, p.metadata.namespace, { ...p, status: { phase: 'Running', podIP: `10.244.0.${ip++}`, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now }] } }).catch(() => undefined);
    },
  });
  kubelet.start();
  await kubelet.waitForSync();
});

after(async () => {
  kubelet?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('create, roll out, history, undo, scale', async () => {
  assert.equal((await kubectl('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3')).trim(), 'deployment.apps/web created');
  const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  assert.match(status, /deployment "web" successfully rolled out/);
  const rs1 = JSON.parse(await kubectl('get', 'rs', '-o', 'json')).items;
  assert.equal(rs1.length, 1);
  assert.equal(rs1[0].metadata.annotations['deployment.kubernetes.io/revision'], '1');
  assert.match(rs1[0].metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  const pods = JSON.parse(await kubectl('get', 'pods', '-o', 'json')).items;
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p: { metadata: { labels: Record<string, string> } }) => p.metadata.labels['pod-template-hash'] === rs1[0].metadata.labels['pod-template-hash']));

  assert.match(await kubectl('set', 'image', 'deployment/web', 'nginx=nginx:1.26'), /deployment.apps\/web image updated/);
  assert.match(await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s'), /successfully rolled out/);
  const history = await kubectl('rollout', 'history', 'deployment/web');
  assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  const d = JSON.parse(await kubectl('get', 'deploy', 'web', '-o', 'json'));
  assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '2');
  assert.deepEqual([d.status.replicas, d.status.updatedReplicas, d.status.readyReplicas, d.status.availableReplicas], [3, 3, 3, 3]);
  assert.equal(d.status.conditions.find((c: { type: string }) => c.type === 'Progressing').reason, 'NewReplicaSetAvailable');

  assert.match(await kubectl('rollout', 'undo', 'deployment/web'), /deployment.apps\/web rolled back/);
  assert.match(await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s'), /successfully rolled out/);
  const back = JSON.parse(await kubectl('get', 'deploy', 'web', '-o', 'json'));
  assert.equal(back.spec.template.spec.containers[0].image, 'nginx:1.25');
  assert.equal(back.metadata.annotations['deployment.kubernetes.io/revision'], '3');

  assert.equal((await kubectl('scale', 'deployment/web', '--replicas=5')).trim(), 'deployment.apps/web scaled');
  await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
  const table = await kubectl('get', 'deployment', 'web');
  assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+5\/5\s+5\s+5\s+/);
});

test('pause stops the rollout; resume finishes it; delete cascades', async () => {
  await kubectl('rollout', 'pause', 'deployment/web');
  await kubectl('set', 'image', 'deployment/web', 'nginx=nginx:1.27');
  await new Promise((r) => setTimeout(r, 500));
  const rsPaused = JSON.parse(await kubectl('get', 'rs', '-o', 'json')).items;
  assert.ok(!rsPaused.some((r: { spec: { template: { spec: { containers: { image: string }[] } } } }) => r.spec.template.spec.containers[0]!.image === 'nginx:1.27'), 'no new ReplicaSet while paused');
  await kubectl('rollout', 'resume', 'deployment/web');
  assert.match(await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s'), /successfully rolled out/);
  assert.match(await kubectl('delete', 'deployment', 'web'), /deployment.apps "web" deleted/);
  for (let i = 0; i < 100; i++) {
    const left = JSON.parse(await kubectl('get', 'rs,pods', '-o', 'json')).items.filter((o: { metadata: { deletionTimestamp?: string } }) => !o.metadata.deletionTimestamp);
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('ReplicaSets and pods were not garbage-collected');
});
