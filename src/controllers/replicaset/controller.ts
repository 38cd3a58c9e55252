// ReplicaSet controller shell: informers on replicasets and pods, a queue of set keys, the pure
// decisions of ./reconcile.ts applied through the client, events as upstream words them.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../machinery/object.js';
import { isApiError } from '../../machinery/errors.js';
import type { Client } from '../../client/types.js';
import { R } from '../../client/types.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { WorkQueue } from '../../client/workqueue.js';
import { runWorkers } from '../../client/worker.js';
import { EventRecorder } from '../../client/events.js';
import { reconcileReplicaSet } from './reconcile.js';

const as = <T>(o: KubeObject) => o as unknown as T;

export function startReplicaSetController(client: Client, opts: { informers?: SharedInformers; log?: (m: string) => void } = {}): { synced: Promise<void>; stop(): void } {
  const informers = opts.informers ?? new SharedInformers(client);
  const sets = informers.informer(R.replicasets);
  const pods = informers.informer(R.pods);
  const queue = new WorkQueue();
  const recorder = new EventRecorder(client, 'replicaset-controller');
  const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  sets.addHandlers({ add: (s) => queue.add(key(s)), update: (_o, s) => queue.add(key(s)), delete: () => undefined });
  const ownerOf = (p: KubeObject) => {
    const ref = (p.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'ReplicaSet');
    if (ref) queue.add(`${p.metadata.namespace}/${ref.name}`);
    else for (const s of sets.list(p.metadata.namespace)) queue.add(key(s)); // an orphan: someone may adopt it
  };
  pods.addHandlers({ add: ownerOf, update: (o, n) => { ownerOf(o); ownerOf(n); }, delete: ownerOf });

  async function sync(k: string): Promise<number | undefined> {
    const [ns, name] = k.split('/') as [string, string];
    const cur = sets.get(ns, name);
    if (!cur) return;
    const rs = as<ReplicaSet>(cur);
    const r = reconcileReplicaSet(rs, pods.list(ns).map((p) => as<Pod>(p)), new Date());
    for (const a of r.actions) {
      switch (a.type) {
        case 'createPod': {
          try {
            const created = await client.create(R.pods, ns, a.pod as unknown as KubeObject);
            recorder.event(cur, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
          } catch (e) {
            recorder.event(cur, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
            throw e;
          }
          break;
        }
        case 'deletePod':
          await client.delete(R.pods, ns, a.name, { preconditions: { uid: a.uid } }).then(
            () => recorder.event(cur, 'Normal', 'SuccessfulDelete', `Deleted pod: ${a.name}`),
            (e) => { if (!isApiError(e, 'NotFound')) throw e; },
          );
          break;
        case 'adoptPod':
        case 'releasePod':
          await client.patch(R.pods, ns, a.name, 'merge', { metadata: { ownerReferences: a.ownerReferences?.length ? a.ownerReferences : null, resourceVersion: a.resourceVersion } });
          break;
      }
    }
    if (JSON.stringify(rs.status ?? {}) !== JSON.stringify(r.status)) {
      await client.updateStatus(R.replicasets, ns, { ...cur, status: r.status });
    }
    // minReadySeconds: look again once the ready pods become available.
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (r.status.availableReplicas ?? 0) < (r.status.readyReplicas ?? 0)) return minReady * 1000;
    return undefined;
  }

  for (const i of [sets, pods]) i.start();
  let workers: { stop(): void } | undefined;
  const synced = Promise.all([sets.waitForSync(), pods.waitForSync()]).then(() => {
    workers = runWorkers(queue, sync, { name: 'replicaset', log: opts.log });
  });
  return { synced, stop: () => { if (!opts.informers) informers.stop(); workers?.stop(); queue.shutDown(); sets.stop(); pods.stop(); } };
}
