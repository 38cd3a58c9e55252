// The StatefulSet controller against a real in-process API server over HTTPS: the seed's web
// StatefulSet. Pods are marked Running/Ready through the status subresource, as upstream
// controller tests do (no node agent here).
import { test, before, after } from 'node:test';
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

let dir: string;
let cluster: Cluster;
let client: HttpClient;
let manager: ControllerManager;

const NS = 'default';
const until = async (what: string, f: () => Promise<boolean>, ms = 15000) => {
  const end = Date.now() + ms;
  for (;;) {
    if (await f()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const podNames = async () => (await client.list(R.pods, NS, { labelSelector: 'app=nginx' })).items.map((p) => p.metadata.name!).sort();
const exists = async (r: ResourceRef, name: string) => {
  try {
    await client.get(r, NS, name);
    return true;
  } catch (e) {
    if (isApiError(e, 'NotFound')) return false;
    throw e;
  }
};
/** Running + Ready through /status, like a kubelet would report it. */
async function markReady(name: string) {
  for (let i = 0; ; i++) {
    const p = await client.get(R.pods, NS, name);
    const status = { ...(p.status as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] };
    try {
      await client.updateStatus(R.pods, NS, { ...p, status });
      return;
    } catch (e) {
      if (!isApiError(e, 'Conflict') || i > 5) throw e;
    }
  }
}
const rev = async (name: string) => {
  try {
    return (await client.get(R.pods, NS, name)).metadata.labels?.['controller-revision-hash'];
  } catch (e) {
    if (isApiError(e, 'NotFound')) return undefined;
    throw e;
  }
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-sts-'));
  cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'memory', components: [], log: () => undefined });
  client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
  manager = startControllers(client, { log: () => undefined });
  await manager.ready;
});

after(async () => {
  await manager?.stop();
  client?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('seed StatefulSet: ordered creation, claims, scale down, recreate, reverse-order rolling update', async () => {
  await client.create(R.services, NS, {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', labels: { app: 'nginx' } },
    spec: { ports: [{ port: 80, name: 'web' }], clusterIP: 'None', selector: { app: 'nginx' } },
  } as KubeObject);
  await client.create(R.statefulsets, NS, {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } }, serviceName: 'nginx', replicas: 2, minReadySeconds: 0,
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { terminationGracePeriodSeconds: 10, containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.21', ports: [{ containerPort: 80, name: 'web' }], volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  } as KubeObject);

  await until('web-0', async () => (await podNames()).includes('web-0'));
  assert.ok(await exists(R.persistentvolumeclaims, 'www-web-0'), 'claim created before the pod');
  // web-1 must not appear while web-0 is not Ready.
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await podNames(), ['web-0']);
  const web0 = await client.get<KubeObject & { spec: Record<string, unknown> }>(R.pods, NS, 'web-0');
  assert.equal(web0.spec.hostname, 'web-0');
  assert.equal(web0.spec.subdomain, 'nginx');
  assert.equal(web0.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
  assert.equal(web0.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
  assert.equal(web0.metadata.ownerReferences?.[0]?.kind, 'StatefulSet');

  await markReady('web-0');
  await until('web-1', async () => (await podNames()).includes('web-1'));
  await markReady('web-1');
  assert.ok(await exists(R.persistentvolumeclaims, 'www-web-1'));
  await until('status ready 2', async () => {
    const s = (await client.get(R.statefulsets, NS, 'web')).status as Record<string, unknown> | undefined;
    return s?.readyReplicas === 2 && s?.availableReplicas === 2 && s?.currentRevision === s?.updateRevision;
  });
  const claimLabels = (await client.get(R.persistentvolumeclaims, NS, 'www-web-0')).metadata.labels;
  assert.equal(claimLabels?.app, 'nginx', 'selector labels copied onto claims');

  // Events recorded on the set, with the upstream messages.
  await until('events', async () => {
    const ev = (await client.list(R.events, NS)).items.map((e) => (e as { message?: string }).message);
    return ev.includes('create Pod web-0 in StatefulSet web successful') && ev.includes('create Claim www-web-1 Pod web-1 in StatefulSet web success');
  });

  // Scale down: web-1 is removed first (and only it); claims stay.
  await client.patch(R.statefulsets, NS, 'web', 'merge', { spec: { replicas: 1 } });
  await until('web-1 gone', async () => !(await podNames()).includes('web-1'));
  assert.deepEqual(await podNames(), ['web-0']);
  assert.ok(await exists(R.persistentvolumeclaims, 'www-web-1'));
  await client.patch(R.statefulsets, NS, 'web', 'merge', { spec: { replicas: 2 } });
  await until('web-1 back', async () => (await podNames()).includes('web-1'));
  await markReady('web-1');

  // Delete web-0: recreated with the same name and claim.
  const oldUid = (await client.get(R.pods, NS, 'web-0')).metadata.uid;
  await client.delete(R.pods, NS, 'web-0', { gracePeriodSeconds: 0 });
  await until('web-0 recreated', async () => {
    try {
      return (await client.get(R.pods, NS, 'web-0')).metadata.uid !== oldUid;
    } catch (e) {
      if (isApiError(e, 'NotFound')) return false;
      throw e;
    }
  });
  const again = await client.get<KubeObject & { spec: { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] } }>(R.pods, NS, 'web-0');
  assert.equal(again.spec.volumes.find((v) => v.name === 'www')?.persistentVolumeClaim?.claimName, 'www-web-0');
  await markReady('web-0');
  await until('ready again', async () => ((await client.get(R.statefulsets, NS, 'web')).status as Record<string, unknown>)?.readyReplicas === 2);

  // Template change: pods roll in reverse ordinal order, one at a time.
  const before = (await client.get(R.statefulsets, NS, 'web')).status as Record<string, string>;
  await client.patch(R.statefulsets, NS, 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.24', ports: [{ containerPort: 80, name: 'web' }], volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] } } } });
  let updateRevision = '';
  await until('new update revision', async () => {
    const s = (await client.get(R.statefulsets, NS, 'web')).status as Record<string, string>;
    updateRevision = s.updateRevision!;
    return !!updateRevision && updateRevision !== before.updateRevision;
  });
  const order: string[] = [];
  for (const name of ['web-1', 'web-0']) {
    await until(`${name} updated`, async () => (await rev(name)) === updateRevision);
    order.push(name);
    // The other pod is still at the old revision while this one is not Ready.
    if (name === 'web-1') {
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await rev('web-0'), before.updateRevision, 'web-0 waits until web-1 is Ready');
    }
    await markReady(name);
  }
  assert.deepEqual(order, ['web-1', 'web-0']);
  await until('rollout complete', async () => {
    const s = (await client.get(R.statefulsets, NS, 'web')).status as Record<string, unknown>;
    return s.currentRevision === updateRevision && s.updatedReplicas === 2 && s.readyReplicas === 2;
  });
  const revs = (await client.list(R.controllerrevisions, NS)).items.map((r) => r.metadata.name).sort();
  assert.deepEqual(revs, [before.updateRevision, updateRevision].sort());
});
