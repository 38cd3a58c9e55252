// A group of components that runs only while this process holds a coordination.k8s.io Lease, as
// upstream runs kube-controller-manager (every controller under one Lease) and kube-scheduler
// (its own Lease). Two `ordinal up` servers on one etcd then never run two copies of a controller:
// a second ReplicaSet controller would create a second set of pods for the same deficit, a second
// StatefulSet controller would fight over the same ordinals. Only a shared store (etcd) needs it:
// a SQLite or memory store belongs to one process (the data dir is locked), so there the children
// simply run.
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Component, ClusterContext } from './cluster.js';
import { LeaderElector } from '../client/leaderelection.js';
import { HttpClient } from '../client/http.js';
import type { LeaderElectionConfig } from '../controllers/manager.js';

/**
 * `children` start (in order) when this process becomes leader of Lease kube-system/`lease` and
 * stop (in reverse) when it loses the Lease or the cluster stops; they are released only after
 * the children have stopped, so the next leader never overlaps with this one.
 */
export function leaderElected(name: string, lease: string, children: Component[], le: LeaderElectionConfig & { always?: boolean } = {}): Component {
  return {
    name,
    garbageCollector: children.some((c) => c.garbageCollector),
    async start(ctx: ClusterContext) {
      if ((ctx.opts.storage ?? 'sqlite') !== 'etcd' && !le.always) return startChildren(name, children, ctx);
      const client = process.env.ORDINAL_COMPONENTS_OVER_HTTPS === '1'
        ? new HttpClient({ url: ctx.url, token: ctx.token, caPem: ctx.caPem, userAgent: `ordinal-${name}` })
        : ctx.inProcessClient();
      let running: { name: string; stop(): Promise<void> | void }[] = [];
      let stopping = false;
      // Start and stop transitions run one after another, never interleaved.
      let chain: Promise<void> = Promise.resolve();
      const startAll = () => (chain = chain.then(async () => {
        for (const c of children) {
          if (stopping || !elector.isLeader()) return;
          try {
            const h = await c.start(ctx);
            running.push({ name: c.name, stop: () => h.stop() });
          } catch (e) {
            ctx.log(`${name}: starting ${c.name}: ${(e as Error).message}`);
          }
        }
      }));
      const stopAll = () => (chain = chain.then(async () => {
        const rs = running.reverse();
        running = [];
        for (const r of rs) {
          try { await r.stop(); } catch (e) { ctx.log(`${name}: stopping ${r.name}: ${(e as Error).message}`); }
        }
      }));
      // One process per data dir (it is locked), so hostname + data dir names this member: a server
      // restarted on its data dir after a crash resumes its own Lease instead of waiting it out.
      const identity = le.identity ?? `${hostname()}_${createHash('sha256').update(resolve(ctx.dataDir)).digest('hex').slice(0, 12)}`;
      const elector: LeaderElector = new LeaderElector(client, {
        name: lease,
        namespace: le.namespace ?? 'kube-system',
        identity,
        leaseDurationSeconds: le.leaseDurationSeconds ?? 15,
        renewDeadlineMs: le.renewDeadlineMs,
        renewMs: le.renewMs ?? 2000,
        onStartedLeading: () => {
          ctx.log(`${name}: ${identity} became leader (Lease kube-system/${lease})`);
          void startAll();
        },
        onStoppedLeading: () => {
          if (!stopping) ctx.log(`${name}: ${identity} lost Lease kube-system/${lease}; stopping ${children.map((c) => c.name).join(', ')}`);
          void stopAll();
        },
      });
      elector.start();
      return {
        stop: async () => {
          stopping = true;
          await stopAll();
          await elector.stop(); // releases the Lease: the other server takes over at once
          await chain;
          client.close();
        },
      };
    },
  };
}

/** Without election: start every child now, stop them in reverse. */
async function startChildren(name: string, children: Component[], ctx: ClusterContext): Promise<{ stop(): Promise<void> }> {
  const running: { name: string; stop(): Promise<void> | void }[] = [];
  const stop = async () => {
    for (const r of running.reverse()) {
      try { await r.stop(); } catch (e) { ctx.log(`${name}: stopping ${r.name}: ${(e as Error).message}`); }
    }
  };
  try {
    for (const c of children) {
      const h = await c.start(ctx);
      running.push({ name: c.name, stop: () => h.stop() });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop };
}
