// Deployment controller shell: informers on deployments, replicasets and pods; decisions in
// ./reconcile.ts; adoption of orphaned ReplicaSets; events (ScalingReplicaSet) as upstream.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../machinery/object.js';
import { isApiError } from '../../machinery/errors.js';
import type { Client } from '../../client/types.js';
import { R } from '../../client/types.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { WorkQueue } from '../../client/workqueue.js';
import { runWorkers } from '../../client/worker.js';
import { EventRecorder } from '../../client/events.js';
import { reconcileDeployment, adoptable } from './reconcile.js';

const as = <T>(o: KubeObject) => o as unknown as T;

export function startDeploymentController(client: Client, opts: { informers?: SharedInformers; log?: (m: string) => void } = {}): { synced: Promise<void>; stop(): void } {
  const informers = opts.informers ?? new SharedInformers(client);
  const deployments = informers.informer(R.deployments);
  const sets = informers.informer(R.replicasets);
  const pods = informers.informer(R.pods);
  const queue = new WorkQueue();
  const recorder = new EventRecorder(client, 'deployment-controller');
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  deployments.addHandlers({ add: (d) => queue.add(key(d)), update: (_o, d) => queue.add(key(d)) });
  const ownerOf = (rs: KubeObject) => {
    const ref = (rs.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'Deployment');
    if (ref) queue.add(`${rs.metadata.namespace}/${ref.name}`);
    else for (const d of deployments.list(rs.metadata.namespace)) queue.add(key(d));
  };
  sets.addHandlers({ add: ownerOf, update: (_o, n) => ownerOf(n), delete: ownerOf });

  async function sync(k: string): Promise<number | undefined> {
    const [ns, name] = k.split('/') as [string, string];
    const cur = deployments.get(ns, name);
    if (!cur || cur.metadata.deletionTimestamp) return;
    const d = as<Deployment>(cur);
    const all = sets.list(ns).map((s) => as<ReplicaSet>(s));
    for (const orphan of adoptable(d, all)) {
      await client.patch(R.replicasets, ns, orphan.metadata!.name!, 'merge', {
        metadata: { ownerReferences: [...(orphan.metadata?.ownerReferences ?? []), { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata!.uid, controller: true, blockOwnerDeletion: true }], resourceVersion: orphan.metadata?.resourceVersion },
      });
      return 1; // re-read after adoption
    }
    const r = reconcileDeployment(d, all, pods.list(ns).map((p) => as<Pod>(p)), new Date());
    for (const a of r.actions) {
      if (a.type === 'createReplicaSet') {
        await client.create(R.replicasets, ns, a.rs as unknown as KubeObject).catch(async (e) => {
          // A name collision with a set we don't own: bump collisionCount so the hash changes.
          if (!isApiError(e, 'AlreadyExists')) throw e;
          const existing = sets.get(ns, a.rs.metadata!.name!);
          if (existing && !(existing.metadata.ownerReferences ?? []).some((o) => o.uid === d.metadata!.uid)) {
            await client.updateStatus(R.deployments, ns, { ...cur, status: { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 } } as KubeObject);
          }
          throw e;
        });
      } else if (a.type === 'updateReplicaSet') {
        await client.update(R.replicasets, ns, a.rs as unknown as KubeObject);
      } else {
        await client.delete(R.replicasets, ns, a.name, { preconditions: { uid: a.uid } }).catch((e) => { if (!isApiError(e, 'NotFound')) throw e; });
      }
    }
    for (const e of r.events) recorder.event(cur, e.type, e.reason, e.message);
    // The revision annotation mirrors the newest ReplicaSet's.
    const newest = Math.max(0, ...all.filter((s) => (s.metadata?.ownerReferences ?? []).some((o) => o.uid === d.metadata!.uid)).map((s) => Number(s.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0)),
      ...r.actions.filter((a) => a.type !== 'deleteReplicaSet').map((a) => Number((a as { rs: ReplicaSet }).rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0)));
    if (newest > 0 && d.metadata?.annotations?.['deployment.kubernetes.io/revision'] !== String(newest)) {
      await client.patch(R.deployments, ns, name, 'merge', { metadata: { annotations: { 'deployment.kubernetes.io/revision': String(newest) } } });
    }
    const statusNow = { ...r.status };
    if (JSON.stringify(d.status ?? {}) !== JSON.stringify(statusNow)) await client.updateStatus(R.deployments, ns, { ...cur, status: statusNow });
    return r.requeueAfterMs;
  }

  const all = [deployments, sets, pods];
  for (const i of all) i.start();
  let workers: { stop(): void } | undefined;
  const synced = Promise.all(all.map((i) => i.waitForSync())).then(() => { workers = runWorkers(queue, sync, { name: 'deployment', log: opts.log }); });
  return { synced, stop: () => { if (!opts.informers) informers.stop(); workers?.stop(); queue.shutDown(); for (const i of all) i.stop(); } };
}
