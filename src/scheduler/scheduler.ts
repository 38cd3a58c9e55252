// The scheduler's shell: pending pods in, a binding or an Unschedulable condition + FailedScheduling
// event out. Decisions live in ./predicates.ts. WaitForFirstConsumer claims are given the chosen
// node (annotation volume.kubernetes.io/selected-node, as upstream) so the volume controller
// provisions where the pod lands.
import type { Pod, Node, PersistentVolumeClaim, PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KubeObject } from '../machinery/object.js';
import { isApiError } from '../machinery/errors.js';
import type { Client } from '../client/types.js';
import { R } from '../client/types.js';
import { SharedInformers } from '../client/shared-informers.js';
import { WorkQueue } from '../client/workqueue.js';
import { runWorkers } from '../client/worker.js';
import { EventRecorder } from '../client/events.js';
import { schedule, type VolumeCheck } from './predicates.js';

export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const as = <T>(o: KubeObject | undefined) => o as unknown as T;

export interface Scheduler {
  synced: Promise<void>;
  stop(): void;
}

const needsScheduling = (p: Pod) =>
  !p.spec?.nodeName && !p.metadata?.deletionTimestamp && (p.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler' &&
  p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

export function startScheduler(client: Client, opts: { informers?: SharedInformers; log?: (m: string) => void; retryMs?: number } = {}): Scheduler {
  const informers = opts.informers ?? new SharedInformers(client);
  const pods = informers.informer(R.pods);
  const nodes = informers.informer(R.nodes);
  const pvcs = informers.informer(R.persistentvolumeclaims);
  const pvs = informers.informer(R.persistentvolumes);
  const classes = informers.informer(R.storageclasses);
  const queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000 });
  const recorder = new EventRecorder(client, 'default-scheduler');
  const key = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`;
  const enqueueAllPending = () => {
    for (const p of pods.list()) if (needsScheduling(as<Pod>(p))) queue.add(key(p));
  };
  pods.addHandlers({
    add: (p) => needsScheduling(as<Pod>(p)) && queue.add(key(p)),
    update: (_o, p) => needsScheduling(as<Pod>(p)) && queue.add(key(p)),
    // A pod leaving frees room: others may fit now.
    delete: (p) => as<Pod>(p).spec?.nodeName && enqueueAllPending(),
  });
  nodes.addHandlers({ add: enqueueAllPending, update: enqueueAllPending });
  pvcs.addHandlers({ add: enqueueAllPending, update: enqueueAllPending });

  const defaultClassName = () =>
    classes.list().find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')?.metadata.name;

  function volumeCheck(pod: Pod): VolumeCheck {
    const ns = pod.metadata?.namespace ?? 'default';
    const claims = (pod.spec?.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter(Boolean) as string[];
    const nodeAffinityOf: PersistentVolume[] = [];
    for (const name of claims) {
      const pvc = as<PersistentVolumeClaim | undefined>(pvcs.get(ns, name));
      if (!pvc) return { podLevel: `persistentvolumeclaim "${name}" not found` };
      if (pvc.metadata?.deletionTimestamp) return { podLevel: `persistentvolumeclaim "${name}" is being deleted` };
      if (pvc.spec?.volumeName) {
        const pv = as<PersistentVolume | undefined>(pvs.get(undefined, pvc.spec.volumeName));
        if (pv) nodeAffinityOf.push(pv);
        continue;
      }
      // A claim without a class is about to get the default one (admission/volume controller).
      const className = pvc.spec?.storageClassName ?? defaultClassName();
      const sc = className ? as<StorageClass | undefined>(classes.get(undefined, className)) : undefined;
      if (!sc || (sc.volumeBindingMode ?? 'Immediate') === 'Immediate') return { podLevel: 'pod has unbound immediate PersistentVolumeClaims' };
    }
    return {
      nodeReason: (node: Node) => {
        for (const pv of nodeAffinityOf) {
          const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
          if (!terms?.length) continue;
          const labels = node.metadata?.labels ?? {};
          const ok = terms.some((t) => (t.matchExpressions ?? []).every((r) => {
            const v = labels[r.key];
            if (r.operator === 'In') return v !== undefined && (r.values ?? []).includes(v);
            if (r.operator === 'NotIn') return v === undefined || !(r.values ?? []).includes(v);
            if (r.operator === 'Exists') return v !== undefined;
            if (r.operator === 'DoesNotExist') return v === undefined;
            return true;
          }));
          if (!ok) return 'node(s) had volume node affinity conflict';
        }
        return undefined;
      },
    };
  }

  async function sync(k: string): Promise<void> {
    const [ns, name] = k.split('/') as [string, string];
    const cur = pods.get(ns, name);
    if (!cur || !needsScheduling(as<Pod>(cur))) return;
    const pod = as<Pod>(cur);
    const readyNodes = nodes.list().map((n) => as<Node>(n));
    const result = schedule({ pod, nodes: readyNodes, assigned: pods.list().map((p) => as<Pod>(p)).filter((p) => p.spec?.nodeName), volumes: volumeCheck(pod) });
    if ('unschedulable' in result && /^persistentvolumeclaim ".*" not found$/.test(volumeCheck(pod).podLevel ?? '')) {
      // Our cache may trail the StatefulSet controller's claim create: ask the API before saying so.
      const claim = /"(.*)"/.exec(volumeCheck(pod).podLevel!)![1]!;
      const exists = await client.get(R.persistentvolumeclaims, ns, claim).then(() => true, () => false);
      if (exists) {
        queue.addAfter(k, 50);
        return;
      }
    }
    if ('unschedulable' in result) {
      const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
      if (!cond || cond.status !== 'False' || cond.message !== result.unschedulable) {
        const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: result.unschedulable, lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }];
        await client.patch(R.pods, ns, name, 'strategic', { status: { conditions } }, { subresource: 'status' }).catch((e) => {
          if (!isApiError(e, 'NotFound')) throw e;
        });
        recorder.event(cur, 'Warning', 'FailedScheduling', result.unschedulable);
      }
      queue.addAfter(k, opts.retryMs ?? 5000); // periodic retry, as upstream's unschedulable queue flush
      return;
    }
    // WaitForFirstConsumer: tell the volume controller where to provision.
    for (const v of pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const pvc = as<PersistentVolumeClaim | undefined>(pvcs.get(ns, claim));
      if (pvc && !pvc.spec?.volumeName && pvc.metadata?.annotations?.[SELECTED_NODE] !== result.node) {
        await client.patch(R.persistentvolumeclaims, ns, claim, 'merge', { metadata: { annotations: { [SELECTED_NODE]: result.node } } });
      }
    }
    await client.createSubresource(R.pods, ns, name, 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace: ns, uid: pod.metadata?.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: result.node },
    });
    recorder.event(cur, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${result.node}`);
  }

  const all = [pods, nodes, pvcs, pvs, classes];
  for (const i of all) i.start();
  let workers: { stop(): void } | undefined;
  const synced = Promise.all(all.map((i) => i.waitForSync())).then(() => {
    enqueueAllPending();
    workers = runWorkers(queue, sync, { name: 'scheduler', workers: 1, log: opts.log, drop: (e) => isApiError(e, 'NotFound') });
  });
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
