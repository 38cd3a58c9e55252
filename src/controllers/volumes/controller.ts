// The volume controller's shell: ensures the default `local-path` StorageClass, then reconciles
// claims and volumes (./reconcile.ts) whenever any of them, a class or a pod changes. Provisioned
// volumes are directories under <data dir>/volumes.
import { mkdirSync, rmSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { PersistentVolumeClaim, PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KubeObject } from '../../machinery/object.js';
import { isApiError } from '../../machinery/errors.js';
import type { Client } from '../../client/types.js';
import { R } from '../../client/types.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { WorkQueue } from '../../client/workqueue.js';
import { runWorkers } from '../../client/worker.js';
import { reconcileVolumes, PROVISIONER, DEFAULT_CLASS_ANNOTATION, type VolumeAction } from './reconcile.js';

const as = <T>(o: KubeObject) => o as unknown as T;

export const DEFAULT_STORAGE_CLASS = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
  allowVolumeExpansion: true,
};

export function startVolumeController(client: Client, opts: { informers?: SharedInformers; volumeRoot: string; log?: (m: string) => void }): { synced: Promise<void>; stop(): void } {
  const informers = opts.informers ?? new SharedInformers(client);
  const root = resolve(opts.volumeRoot);
  const pvcs = informers.informer(R.persistentvolumeclaims);
  const pvs = informers.informer(R.persistentvolumes);
  const classes = informers.informer(R.storageclasses);
  const pods = informers.informer(R.pods);
  // One global key: a conflict on any claim retries the pass soon, never minutes later.
  const queue = new WorkQueue({ baseDelayMs: 20, maxDelayMs: 500 });
  const KEY = 'all'; // one global pass: binding decisions look across every claim and volume
  const poke = () => queue.add(KEY);
  for (const i of [pvcs, pvs, classes]) i.addHandlers({ add: poke, update: () => poke(), delete: poke });
  // Pods matter only for pvc-protection (a claim in use) — react to pods with claims.
  const podHasClaim = (p: KubeObject) => (as<Pod>(p).spec?.volumes ?? []).some((v) => v.persistentVolumeClaim);
  pods.addHandlers({ add: (p) => podHasClaim(p) && poke(), update: (_o, p) => podHasClaim(p) && poke(), delete: (p) => podHasClaim(p) && poke() });

  const inRoot = (dir: string | undefined) => !!dir && resolve(dir).startsWith(root + sep);

  async function apply(a: VolumeAction): Promise<void> {
    switch (a.type) {
      case 'patchClaim':
        await client.patch(R.persistentvolumeclaims, a.namespace, a.name, 'merge', a.patch);
        return;
      case 'claimStatus':
        await client.patch(R.persistentvolumeclaims, a.namespace, a.name, 'merge', { status: a.status }, { subresource: 'status' });
        return;
      case 'createVolume':
        if (inRoot(a.dir)) mkdirSync(a.dir!, { recursive: true, mode: 0o777 });
        await client.create(R.persistentvolumes, undefined, a.object as unknown as KubeObject).catch((e) => {
          if (!isApiError(e, 'AlreadyExists')) throw e;
        });
        return;
      case 'patchVolume':
        await client.patch(R.persistentvolumes, undefined, a.name, 'merge', a.patch);
        return;
      case 'volumeStatus':
        await client.patch(R.persistentvolumes, undefined, a.name, 'merge', { status: a.status }, { subresource: 'status' });
        return;
      case 'deleteVolume':
        await client.delete(R.persistentvolumes, undefined, a.name).catch((e) => {
          if (!isApiError(e, 'NotFound')) throw e;
        });
        if (inRoot(a.dir)) rmSync(a.dir!, { recursive: true, force: true });
        return;
    }
  }

  async function sync(): Promise<void> {
    const actions = reconcileVolumes({
      pvcs: pvcs.list().map((o) => as<PersistentVolumeClaim>(o)),
      pvs: pvs.list().map((o) => as<PersistentVolume>(o)),
      classes: classes.list().map((o) => as<StorageClass>(o)),
      pods: pods.list().map((o) => as<Pod>(o)),
      volumeRoot: root,
    });
    let failed: unknown;
    for (const a of actions) {
      try {
        await apply(a);
      } catch (e) {
        failed ??= e; // keep going; the pass is retried
      }
    }
    if (failed) throw failed;
  }

  const all = [pvcs, pvs, classes, pods];
  for (const i of all) i.start();
  let workers: { stop(): void } | undefined;
  const synced = (async () => {
    await client.create(R.storageclasses, undefined, DEFAULT_STORAGE_CLASS as unknown as KubeObject).catch((e) => {
      if (!isApiError(e, 'AlreadyExists')) opts.log?.(`volumes: default StorageClass: ${(e as Error).message}`);
    });
    await Promise.all(all.map((i) => i.waitForSync()));
    poke();
    workers = runWorkers(queue, () => sync(), { name: 'volumes', workers: 1, log: opts.log });
  })();
  return {
    synced,
    stop: () => {
      if (!opts.informers) informers.stop();
      workers?.stop();
      queue.shutDown();
      for (const i of all) i.stop();
    },
  };
}
