// Level-triggered: stop the whole cluster (API server, store, controller) in the middle of a
// bring-up, start it again on the same SQLite data dir with a fresh controller, and the set
// converges to the same result with no duplicate revisions or claims.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../../src/cli/up.js';
import { HttpClient } from '../../src/client/http.js';
import { R, type ResourceRef } from '../../src/client/types.js';
import { startControllers, type ControllerManager } from '../../src/controllers/manager.js';
import { isApiError } from '../../src/machinery/errors.js';
import type { KubeObject } from '../../src/machinery/object.js';

const NS = 'default';
const dir = mkdtempSync(join(tmpdir(), 'ordinal-sts-restart-'));
let running: { cluster: Cluster; client: HttpClient; manager: ControllerManager } | undefined;

async function up() {
  const cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'sqlite', components: [], log: () => undefined });
  const client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  const manager = startControllers(client, { log: () => undefined });
  await manager.ready;
  running = { cluster, client, manager };
  return client;
}
async function down() {
  if (!running) return;
  await running.manager.stop();
  running.client.close();
  await running.cluster.stop();
  running = undefined;
}
after(async () => {
  await down();
  rmSync(dir, { recursive: true, force: true });
});

const until = async (what: string, f: () => Promise<boolean>, ms = 15000) => {
  const end = Date.now() + ms;
  for (;;) {
    if (await f()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const names = async (c: HttpClient, r: ResourceRef = R.pods) => (await c.list(r, NS)).items.map((p) => p.metadata.name!).sort();
async function markReady(c: HttpClient, name: string) {
  for (let i = 0; ; i++) {
    const p = await c.get(R.pods, NS, name);
    try {
      await c.updateStatus(R.pods, NS, { ...p, status: { ...(p.status as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] } });
      return;
    } catch (e) {
      if (!isApiError(e, 'Conflict') || i > 5) throw e;
    }
  }
}

test('restart in the middle of a bring-up converges without duplicates', async () => {
  let c = await up();
  await c.create(R.statefulsets, NS, {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } }, serviceName: 'nginx', replicas: 3,
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx-slim:0.8' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  } as KubeObject);
  await until('web-0', async () => (await names(c)).includes('web-0'));
  await markReady(c, 'web-0');
  await until('web-1', async () => (await names(c)).includes('web-1'));
  const revBefore = await names(c, R.controllerrevisions);

  await down();
  c = await up();
  // The new controller picks up where the old one stopped: web-1 is still not Ready, so no web-2.
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await names(c), ['web-0', 'web-1']);
  await markReady(c, 'web-1');
  await until('web-2', async () => (await names(c)).includes('web-2'));
  await markReady(c, 'web-2');
  await until('all ready', async () => ((await c.get(R.statefulsets, NS, 'web')).status as Record<string, unknown>)?.readyReplicas === 3);
  assert.deepEqual(await names(c), ['web-0', 'web-1', 'web-2']);
  assert.deepEqual(await names(c, R.persistentvolumeclaims), ['www-web-0', 'www-web-1', 'www-web-2']);
  assert.deepEqual(await names(c, R.controllerrevisions), revBefore, 'the same single revision');
  const st = (await c.get(R.statefulsets, NS, 'web')).status as Record<string, unknown>;
  assert.equal(st.currentRevision, revBefore[0]);
  assert.equal(st.updateRevision, revBefore[0]);
});
