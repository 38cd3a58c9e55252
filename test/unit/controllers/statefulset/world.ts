// A tiny simulated API for reconcile traces: applies a ReconcileResult's actions to in-memory
// objects the way the controller + API server would, so tests can step syncs and observe order.
import { reconcile, type ReconcileResult, type Features, type Action } from '../../../../src/controllers/statefulset/reconcile.js';
import type { StatefulSet, Pod, PersistentVolumeClaim, ControllerRevision } from '../../../../src/controllers/statefulset/types.js';

let uidSeq = 0;
export const uid = () => `uid-${++uidSeq}`;

export function webSet(over: Partial<StatefulSet['spec']> = {}, name = 'web'): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name, namespace: 'default', uid: uid(), generation: 1 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      serviceName: 'nginx',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx-slim:0.8', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...over,
    },
  };
}

export interface Log { line: string }

export class World {
  pods = new Map<string, Pod>();
  pvcs = new Map<string, PersistentVolumeClaim>();
  revisions = new Map<string, ControllerRevision>();
  log: string[] = [];
  events: string[] = [];
  now = new Date('2026-01-01T00:00:00Z');
  features: Features = {};
  /** When true, deleted pods linger as terminating until finishDeletes(). */
  graceful = false;
  last!: ReconcileResult;

  constructor(public set: StatefulSet) {}

  sync(): ReconcileResult {
    const r = reconcile({
      set: structuredClone(this.set), pods: [...this.pods.values()].map((p) => structuredClone(p)),
      pvcs: [...this.pvcs.values()].map((p) => structuredClone(p)), revisions: [...this.revisions.values()].map((p) => structuredClone(p)),
      now: this.now, features: this.features,
    });
    this.last = r;
    for (const e of r.events) this.events.push(`${e.reason}: ${e.message}`);
    const batches = [...new Set(r.actions.map((a) => a.batch))].sort((a, b) => a - b);
    let failed = false;
    for (const b of batches) {
      for (const a of r.actions.filter((x) => x.batch === b && (!failed || x.finally))) {
        try {
          this.apply(a);
        } catch (e) {
          this.log.push(`error ${(e as Error).message}`);
          failed = true;
        }
      }
    }
    if (r.statusChanged) this.set.status = r.status;
    return r;
  }

  /** Sync until nothing changes (no actions, no status change), at most n times. */
  settle(n = 50): void {
    for (let i = 0; i < n; i++) {
      const r = this.sync();
      if (!r.actions.length && !r.statusChanged) return;
    }
  }

  private apply(a: Action): void {
    const set = this.set.metadata.name!;
    switch (a.kind) {
      case 'createRevision':
        this.revisions.set(a.revision.metadata.name!, { ...structuredClone(a.revision), metadata: { ...a.revision.metadata, uid: uid(), creationTimestamp: this.now.toISOString() } });
        this.log.push(`create revision ${a.revision.metadata.name} ${a.revision.revision}`);
        break;
      case 'updateRevision':
        this.revisions.set(a.revision.metadata.name!, structuredClone(a.revision));
        this.log.push(`renumber revision ${a.revision.metadata.name} ${a.revision.revision}`);
        break;
      case 'deleteRevision':
        this.revisions.delete(a.revision.metadata.name!);
        this.log.push(`delete revision ${a.revision.metadata.name}`);
        break;
      case 'adoptRevision':
        this.revisions.get(a.revision.metadata.name!)!.metadata.ownerReferences = a.ownerReferences;
        break;
      case 'adoptPod':
      case 'releasePod':
        this.pods.get(a.pod.metadata.name!)!.metadata.ownerReferences = a.ownerReferences;
        this.log.push(`${a.kind === 'adoptPod' ? 'adopt' : 'release'} ${a.pod.metadata.name}`);
        break;
      case 'createPod': {
        for (const c of a.claims) this.createClaim(c, a.pod.metadata.name!);
        for (const c of a.claimUpdates) this.pvcs.set(c.metadata.name!, structuredClone(c));
        if (this.pods.has(a.pod.metadata.name!)) throw new Error(`AlreadyExists ${a.pod.metadata.name}`);
        const p = structuredClone(a.pod);
        p.metadata.uid = uid();
        p.status = { phase: 'Pending' };
        this.pods.set(p.metadata.name!, p);
        this.log.push(`create ${p.metadata.name} @${p.metadata.labels!['controller-revision-hash']}`);
        this.events.push(`SuccessfulCreate: create Pod ${p.metadata.name} in StatefulSet ${set} successful`);
        break;
      }
      case 'updatePod':
        for (const c of a.claims) this.createClaim(c, a.podName);
        for (const c of a.claimUpdates) this.pvcs.set(c.metadata.name!, structuredClone(c));
        if (a.pod) this.pods.set(a.pod.metadata.name!, structuredClone(a.pod));
        if (a.pod) this.log.push(`update ${a.podName}`);
        break;
      case 'deletePod': {
        const p = this.pods.get(a.pod.metadata.name!);
        if (!p) break;
        this.log.push(`delete ${a.pod.metadata.name}`);
        if (this.graceful) p.metadata.deletionTimestamp = this.now.toISOString();
        else this.pods.delete(a.pod.metadata.name!);
        break;
      }
    }
  }

  private createClaim(c: PersistentVolumeClaim, pod: string) {
    if (this.pvcs.has(c.metadata.name!)) return;
    this.pvcs.set(c.metadata.name!, { ...structuredClone(c), metadata: { ...c.metadata, uid: uid() } });
    this.log.push(`create claim ${c.metadata.name}`);
    this.events.push(`SuccessfulCreate: create Claim ${c.metadata.name} Pod ${pod} in StatefulSet ${this.set.metadata.name} success`);
  }

  finishDeletes(): void {
    for (const [k, p] of this.pods) if (p.metadata.deletionTimestamp) this.pods.delete(k);
  }

  ready(name: string, at = this.now): void {
    const p = this.pods.get(name)!;
    p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at.toISOString() }] };
  }

  unready(name: string, reason?: string): void {
    const p = this.pods.get(name)!;
    p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }], containerStatuses: reason ? [{ name: 'nginx', ready: false, state: { waiting: { reason } } }] : [] };
  }

  readyAll(): void {
    for (const n of this.pods.keys()) if (this.pods.get(n)!.status?.phase !== 'Running' || !this.pods.get(n)!.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) this.ready(n);
  }

  /** Bring up: sync, mark everything ready, repeat until stable. */
  converge(n = 100): void {
    for (let i = 0; i < n; i++) {
      this.finishDeletes();
      this.readyAll();
      const r = this.sync();
      if (!r.actions.length && !r.statusChanged) return;
    }
    throw new Error('did not converge');
  }

  names(): string[] {
    return [...this.pods.keys()].sort();
  }

  rev(name: string): string {
    return this.pods.get(name)!.metadata.labels!['controller-revision-hash']!;
  }
}
