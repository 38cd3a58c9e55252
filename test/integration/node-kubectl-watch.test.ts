// The seed's sequence with the real kubectl: `kubectl get pods -w -l app=nginx` while a pod is
// created prints Pending, Pending, ContainerCreating, Running 1/1 (sim runtime, in-process agent).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { startCluster, type Cluster } from '../../src/cli/cluster.js';
import { schedulerComponent } from '../../src/cli/components.js';
import { nodeAgentComponent } from '../../src/cli/agent.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/types.js';
import type { KubeObject } from '../../src/machinery/object.js';

let dir: string;
let cluster: Cluster;
let watcher: ChildProcess | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-node-kubectl-'));
  mkdirSync(join(dir, 'home'));
  cluster = await startCluster({
    dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', log: () => {},
    components: [schedulerComponent, nodeAgentComponent({ nodeName: 'node-1', nodeIP: '127.0.0.1' })],
  });
});

after(async () => {
  watcher?.kill('SIGKILL');
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('kubectl get pods -w -l app=nginx shows web-0 Pending → ContainerCreating → Running 1/1', async () => {
  let out = '';
  let err = '';
  watcher = spawn('kubectl', ['get', 'pods', '-w', '-l', 'app=nginx', '-v=6'], {
    env: { PATH: process.env.PATH, HOME: join(dir, 'home'), KUBECONFIG: cluster.kubeconfigPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  watcher.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  watcher.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  // -v=6 logs each request on stderr: create the pod once kubectl's watch request is answered.
  const waitFor = async (f: () => boolean, what: string, ms: number) => {
    const end = Date.now() + ms;
    while (!f()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stdout ${JSON.stringify(out)} stderr ${JSON.stringify(err)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitFor(() => /watch=true 200 OK/.test(err), 'kubectl to start watching', 20_000);
  const client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  await client.create(R.pods, 'default', {
    metadata: { name: 'web-0', namespace: 'default', labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.21', ports: [{ name: 'web', containerPort: 80 }] }] },
  } as KubeObject);
  await waitFor(() => /web-0\s+1\/1\s+Running/.test(out), 'Running', 20_000);
  const rows = out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  assert.deepEqual(rows.map((r) => `${r[0]} ${r[1]} ${r[2]} ${r[3]}`), [
    'web-0 0/1 Pending 0',
    'web-0 0/1 Pending 0',
    'web-0 0/1 ContainerCreating 0',
    'web-0 1/1 Running 0',
  ]);
  assert.match(out.split('\n')[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
});
