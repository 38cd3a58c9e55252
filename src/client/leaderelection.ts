// Leader election through a coordination.k8s.io/v1 Lease, as upstream's leaderelection package:
// the leader renews spec.renewTime every renewMs (upstream's retry period); a candidate takes the
// lease over only when it has seen the record unchanged for leaseDurationSeconds on its own clock
// (upstream's observedTime: no trust in the other server's clock), or the lease does not exist
// or was released. The leader steps down when it has not renewed for renewDeadlineMs, before any
// candidate may take over. All writes are compare-and-swap on resourceVersion, so two candidates
// never both believe they hold it.
import { randomUUID } from 'node:crypto';
import { isApiError } from '../machinery/errors.js';
import type { KubeObject } from '../machinery/object.js';
import type { Client } from './types.js';
import { R } from './types.js';

export interface LeaderElectionOptions {
  namespace?: string; // kube-system
  name: string; // lease name, e.g. 'ordinal-controller-manager'
  identity?: string;
  leaseDurationSeconds?: number; // 15
  /** The leader gives up after this long without a successful renewal (default 2/3 of the lease: upstream's 10 s of 15 s). */
  renewDeadlineMs?: number;
  renewMs?: number; // 2000 (how often the leader renews and a candidate retries)
  onStartedLeading(): void;
  onStoppedLeading(): void;
  now?: () => Date;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
type Lease = KubeObject & { spec?: LeaseSpec };

/** MicroTime as upstream serialises it (RFC 3339 with microseconds). */
const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  readonly identity: string;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly ns: string;
  private readonly duration: number;
  private readonly renewMs: number;
  private readonly now: () => Date;
  private readonly renewDeadlineMs: number;
  /** Last time (local clock) this elector successfully renewed. */
  private lastRenew = 0;
  /** The other holder's record as last seen, and when (local clock) it last changed. */
  private observedRecord = '';
  private observedAt = 0;

  constructor(private readonly client: Client, private readonly opts: LeaderElectionOptions) {
    this.identity = opts.identity ?? `ordinal-${randomUUID()}`;
    this.ns = opts.namespace ?? 'kube-system';
    this.duration = opts.leaseDurationSeconds ?? 15;
    this.renewMs = opts.renewMs ?? 2000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? (this.duration * 1000 * 2) / 3;
    if (this.renewDeadlineMs >= this.duration * 1000) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= this.renewMs * 1.2) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    this.now = opts.now ?? (() => new Date());
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops campaigning; if leading, releases the lease (clears the holder) so others take over fast. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      this.setLeading(false);
      try {
        const lease = await this.client.get<Lease>(R.leases, this.ns, this.opts.name);
        if (lease.spec?.holderIdentity === this.identity) {
          lease.spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: microTime(this.now()) };
          await this.client.update(R.leases, this.ns, lease);
        }
      } catch {
        /* best effort */
      }
    }
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    if (v) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    // The leader gives up after renewDeadline without a successful renewal, i.e. before any
    // other candidate may take the lease over.
    const renewDeadlineMs = this.renewDeadlineMs;
    try {
      const ok = await this.tryAcquireOrRenew();
      if (this.stopped) return;
      if (ok) {
        this.lastRenew = Date.now();
        this.setLeading(true);
      } else if (this.leading) {
        this.setLeading(false); // someone else holds the lease now
      }
    } catch {
      // API unreachable: keep leading only within the renew deadline.
      if (this.leading && Date.now() - this.lastRenew > renewDeadlineMs) this.setLeading(false);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.renewMs);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(R.leases, this.ns, this.opts.name);
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
      const fresh: Lease = {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.ns },
        spec: { holderIdentity: this.identity, leaseDurationSeconds: this.duration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      };
      try {
        await this.client.create(R.leases, this.ns, fresh);
        return true;
      } catch (e2) {
        if (isApiError(e2, 'AlreadyExists')) return false;
        throw e2;
      }
    }
    const spec = lease.spec ?? {};
    const held = spec.holderIdentity === this.identity;
    if (!held && spec.holderIdentity) {
      const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.acquireTime, spec.leaseTransitions]);
      if (record !== this.observedRecord) {
        this.observedRecord = record;
        this.observedAt = now.getTime();
      }
      const dur = (spec.leaseDurationSeconds ?? this.duration) * 1000;
      if (this.observedAt + dur > now.getTime()) return false; // someone else holds a live lease
    }
    lease.spec = {
      ...spec,
      holderIdentity: this.identity,
      leaseDurationSeconds: this.duration,
      renewTime: microTime(now),
      acquireTime: held ? spec.acquireTime : microTime(now),
      leaseTransitions: held ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      await this.client.update(R.leases, this.ns, lease);
      return true;
    } catch (e) {
      if (isApiError(e, 'Conflict')) return false;
      throw e;
    }
  }
}
