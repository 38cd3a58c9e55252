// PodGC shell: watches pods and nodes, confirms a node's absence for `quarantineMs` before
// force-deleting its pods, and force-deletes terminating pods on out-of-service nodes.
import type { Pod, Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../machinery/object.js';
import { isApiError } from '../../machinery/errors.js';
import type { Client } from '../../client/types.js';
import { R } from '../../client/types.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { WorkQueue } from '../../client/workqueue.js';
import { runWorkers } from '../../client/worker.js';
import { reconcilePodGc, missingNodes } from './reconcile.js';

const as = <T>(o: KubeObject) => o as unknown as T;

export function startPodGcController(client: Client, opts: { informers?: SharedInformers; quarantineMs?: number; log?: (m: string) => void } = {}): { synced: Promise<void>; stop(): void } {
  const informers = opts.informers ?? new SharedInformers(client);
  const pods = informers.informer(R.pods);
  const nodes = informers.informer(R.nodes);
  const queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 5000 });
  const quarantine = opts.quarantineMs ?? 40_000;
  const firstMissing = new Map<string, number>();
  const poke = () => queue.add('all');
  nodes.addHandlers({ add: poke, update: () => poke(), delete: poke });
  // A pod matters only when it could be collected: bound to a node we do not know, or terminating
  // on a node that is out of service. Other pod events (every status write of a healthy pod) would
  // only rescan all pods to find nothing; node events still rescan everything.
  const mayCollect = (o: KubeObject) => {
    const p = as<Pod>(o);
    const nodeName = p.spec?.nodeName;
    if (!nodeName) return false;
    const node = nodes.get(undefined, nodeName);
    return !node || (!!p.metadata?.deletionTimestamp && reconcilePodGc({ pods: [p], nodes: [as<Node>(node)], confirmedMissing: new Set() }).length > 0);
  };
  pods.addHandlers({ add: (p) => mayCollect(p) && poke(), update: (_o, p) => mayCollect(p) && poke() });

  async function sync(): Promise<number | undefined> {
    const allPods = pods.list().map((p) => as<Pod>(p));
    const allNodes = nodes.list().map((n) => as<Node>(n));
    const missing = missingNodes(allPods, allNodes);
    const now = Date.now();
    for (const n of [...firstMissing.keys()]) if (!missing.has(n)) firstMissing.delete(n);
    const confirmed = new Set<string>();
    let recheck: number | undefined;
    for (const n of missing) {
      const since = firstMissing.get(n) ?? now;
      firstMissing.set(n, since);
      if (now - since >= quarantine) confirmed.add(n);
      else recheck = Math.min(recheck ?? Infinity, quarantine - (now - since) + 10);
    }
    for (const a of reconcilePodGc({ pods: allPods, nodes: allNodes, confirmedMissing: confirmed })) {
      opts.log?.(`podgc: force-deleting ${a.namespace}/${a.name}: ${a.reason}`);
      await client.delete(R.pods, a.namespace, a.name, { gracePeriodSeconds: 0, preconditions: { uid: a.uid } }).catch((e) => {
        if (!isApiError(e, 'NotFound') && !isApiError(e, 'Conflict')) throw e;
      });
    }
    return recheck;
  }

  let workers: { stop(): void } | undefined;
  pods.start();
  nodes.start();
  const synced = Promise.all([pods.waitForSync(), nodes.waitForSync()]).then(() => {
    workers = runWorkers(queue, () => sync(), { name: 'podgc', workers: 1, log: opts.log });
    poke();
  });
  return {
    synced,
    stop: () => {
      if (!opts.informers) informers.stop();
      workers?.stop();
      queue.shutDown();
    },
  };
}
