// The node lifecycle controller's shell: watches Nodes, their Leases and pods; every monitor period
// it marks nodes whose heartbeat stopped (Unknown), keeps the unreachable/not-ready taints in step
// with the Ready condition, marks pods on a not-ready node NotReady, and evicts pods whose
// NoExecute tolerations ran out. Decisions: ./reconcile.ts. Heartbeats are judged by when this
// controller saw them change (its own clock), as upstream does, so node clock skew does not matter.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../machinery/object.js';
import { isApiError } from '../../machinery/errors.js';
import type { Client } from '../../client/types.js';
import { R } from '../../client/types.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { EventRecorder } from '../../client/events.js';
import { staleConditions, desiredTaints, taintsEqual, evictionTime, markNotReady, disruptionCondition } from './reconcile.js';

export interface NodeLifecycleOptions {
  /** Heartbeat age after which a node is Unknown (upstream node-monitor-grace-period 40 s). */
  gracePeriodMs?: number;
  /** How often nodes are checked (upstream node-monitor-period 5 s). */
  monitorPeriodMs?: number;
  log?: (m: string) => void;
  now?: () => number;
  /** The process's shared informers (one pod cache for every controller); else its own. */
  informers?: SharedInformers;
}

export interface NodeLifecycleController {
  synced: Promise<void>;
  stop(): void;
}

const as = <T>(o: unknown) => o as T;

export function startNodeLifecycleController(client: Client, opts: NodeLifecycleOptions = {}): NodeLifecycleController {
  const grace = opts.gracePeriodMs ?? 40_000;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const own = opts.informers ? undefined : new SharedInformers(client);
  const informers = opts.informers ?? own!;
  const nodes = informers.informer(R.nodes);
  const leases = informers.informer(R.leases, { namespace: 'kube-node-lease' });
  const pods = informers.informer(R.pods);
  const recorder = new EventRecorder(client, 'node-controller');
  // node name → [heartbeat fingerprint, when we saw it change]
  const seen = new Map<string, { mark: string; at: number }>();
  const evicted = new Set<string>();
  let busy = false;

  const heartbeat = (n: Node) => {
    const name = n.metadata?.name ?? '';
    const lease = as<{ spec?: { renewTime?: string } } | undefined>(leases.get('kube-node-lease', name));
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    return `${lease?.spec?.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}|${ready?.status ?? ''}`;
  };

  async function monitor(): Promise<void> {
    const t = now();
    for (const obj of nodes.list()) {
      const node = as<Node>(obj);
      const name = node.metadata!.name!;
      const mark = heartbeat(node);
      const s = seen.get(name);
      if (!s || s.mark !== mark) seen.set(name, { mark, at: t });
      const lastSeen = seen.get(name)!.at;
      let cur = node;
      const conds = staleConditions(cur, lastSeen, t, grace);
      if (conds) {
        cur = as<Node>(await client.updateStatus(R.nodes, undefined, { ...cur, status: { ...cur.status, conditions: conds } } as unknown as KubeObject));
        seen.set(name, { mark: heartbeat(cur), at: lastSeen });
        log(`node ${name}: heartbeat not seen for ${Math.round((t - lastSeen) / 1000)}s, status Unknown`);
        recorder.event(as<KubeObject>({ ...cur, apiVersion: 'v1', kind: 'Node' }), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      }
      const taints = desiredTaints(cur, t);
      if (!taintsEqual(taints, cur.spec?.taints)) {
        cur = as<Node>(await client.update(R.nodes, undefined, { ...cur, spec: { ...cur.spec, taints } } as unknown as KubeObject));
      }
      const notReady = cur.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True';
      for (const p of pods.list()) {
        const pod = as<Pod>(p);
        if (pod.spec?.nodeName !== name || pod.metadata?.deletionTimestamp) continue;
        if (notReady) {
          const st = markNotReady(pod, t);
          if (st) await client.updateStatus(R.pods, pod.metadata!.namespace, { ...p, status: st } as KubeObject).catch(() => {});
        }
        const at = evictionTime(pod, cur.spec?.taints ?? [], t);
        if (at === undefined || at > t) continue;
        const key = pod.metadata!.uid!;
        if (evicted.has(key)) continue;
        evicted.add(key);
        await evict(pod);
      }
    }
  }

  async function evict(pod: Pod): Promise<void> {
    const ns = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    try {
      const fresh = as<Pod>(await client.get(R.pods, ns, name));
      const conds = (fresh.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
      await client.updateStatus(R.pods, ns, { ...fresh, status: { ...fresh.status, conditions: [...conds, disruptionCondition(now())] } } as unknown as KubeObject);
      recorder.event(as<KubeObject>({ ...fresh, apiVersion: 'v1', kind: 'Pod' }), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
      await client.delete(R.pods, ns, name, { preconditions: { uid: pod.metadata!.uid } });
      log(`evicted pod ${ns}/${name} from node ${pod.spec?.nodeName}`);
    } catch (e) {
      if (!(isApiError(e) && (e.code === 404 || e.code === 409))) {
        evicted.delete(pod.metadata!.uid!);
        log(`evicting ${ns}/${name}: ${(e as Error).message}`);
      }
    }
  }

  for (const i of [nodes, leases, pods]) i.start();
  const synced = Promise.all([nodes, leases, pods].map((i) => i.waitForSync())).then(() => {});
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    monitor().catch((e) => log(`node lifecycle: ${(e as Error).message}`)).finally(() => { busy = false; });
  }, opts.monitorPeriodMs ?? 5000);
  timer.unref?.();
  return {
    synced,
    stop() {
      clearInterval(timer);
      own?.stop();
    },
  };
}
