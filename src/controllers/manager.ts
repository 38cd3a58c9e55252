// The controller manager: starts the controllers over one Client, optionally only while holding
// a coordination.k8s.io Lease, so that two servers sharing one store never run two StatefulSet
// controllers at once. Other controllers register in `factories` below.
import type { Client } from '../client/types.js';
import type { SharedInformers } from '../client/shared-informers.js';
import { LeaderElector } from '../client/leaderelection.js';
import { StatefulSetController } from './statefulset/controller.js';
import type { Features } from './statefulset/reconcile.js';

export interface RunningController {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Upstream's --leader-elect-* settings: lease duration 15 s, renew deadline 10 s, retry period 2 s. */
export interface LeaderElectionConfig {
  name?: string;
  namespace?: string;
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  /** The retry period: how often the leader renews and a candidate tries. */
  renewMs?: number;
}

export interface ControllerManagerOptions {
  /** Hold this Lease while running (default: no leader election). */
  leaderElection?: LeaderElectionConfig;
  features?: Features;
  workers?: number;
  log?: (msg: string) => void;
  /** Only start these controllers (default: all). */
  only?: string[];
  /** The process's shared informers (over `client`), for controllers that can use them. */
  informers?: SharedInformers;
}

export type ControllerFactory = (client: Client, opts: ControllerManagerOptions) => RunningController;

/** Every controller the manager knows, by name. Others add theirs here. */
export const factories: Record<string, ControllerFactory> = {
  statefulset: (client, opts) => new StatefulSetController(client, { features: opts.features, workers: opts.workers, log: opts.log, informers: opts.informers }),
};

export interface ControllerManager {
  /** Resolves when every controller has synced its caches and started (or immediately when waiting for the lease). */
  ready: Promise<void>;
  isLeader(): boolean;
  stop(): Promise<void>;
}

export function startControllers(client: Client, opts: ControllerManagerOptions = {}): ControllerManager {
  const log = opts.log ?? ((m: string) => process.stderr.write(`controllers: ${m}\n`));
  let running: RunningController[] = [];
  let starting: Promise<void> = Promise.resolve();

  const startAll = () => {
    const names = Object.keys(factories).filter((n) => !opts.only || opts.only.includes(n));
    running = names.map((n) => factories[n]!(client, { ...opts, log }));
    starting = Promise.all(running.map((c) => c.start())).then(() => undefined);
    starting.catch((e) => log(`start failed: ${(e as Error).message}`));
    return starting;
  };
  const stopAll = async () => {
    const rs = running;
    running = [];
    await Promise.allSettled(rs.map((c) => c.stop()));
  };

  if (!opts.leaderElection) {
    const ready = startAll();
    return { ready, isLeader: () => true, stop: stopAll };
  }

  const le = opts.leaderElection;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const elector = new LeaderElector(client, {
    name: le.name ?? 'ordinal-controller-manager',
    namespace: le.namespace ?? 'kube-system',
    identity: le.identity,
    leaseDurationSeconds: le.leaseDurationSeconds ?? 15,
    renewDeadlineMs: le.renewDeadlineMs,
    renewMs: le.renewMs ?? 2000,
    onStartedLeading: () => {
      if (stopping) return;
      log(`${elector.identity} became leader`);
      void startAll().then(resolveReady);
    },
    onStoppedLeading: () => {
      if (!stopping) log(`${elector.identity} lost the lease; stopping controllers`);
      void stopAll();
    },
  });
  let stopping = false;
  elector.start();
  return {
    ready,
    isLeader: () => elector.isLeader(),
    stop: async () => {
      // Controllers stop before the Lease is released, so the next leader never overlaps with them.
      stopping = true;
      await stopAll();
      await elector.stop();
      await stopAll();
    },
  };
}
