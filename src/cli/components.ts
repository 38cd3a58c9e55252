// The components `ordinal up` runs next to the API server, each talking to it through the client
// exactly as an external process would.
import type { Component, ClusterContext } from './cluster.js';
import { HttpClient } from '../client/http.js';
import type { Client } from '../client/types.js';
import { SharedInformers } from '../client/shared-informers.js';
import { R } from '../client/types.js';
import { isApiError } from '../machinery/errors.js';
import { serviceIP } from '../apiserver/service-ips.js';

/** The tenth address of the default service range (10.96.0.0/12), as kubeadm picks it. */
export const KUBE_DNS_IP = '10.96.0.10';
/** The kube-dns ClusterIP for a service range: its tenth address. */
export const kubeDnsIP = (serviceCIDR?: string): string => (serviceCIDR ? serviceIP(serviceCIDR, 10) : KUBE_DNS_IP);
import { startEndpointsController } from '../controllers/endpoints/controller.js';
import { startScheduler } from '../scheduler/scheduler.js';
import { DnsServer } from '../dns/server.js';
import { feedIndex } from '../dns/feed.js';
import { publishLocalDns } from '../dns/local.js';
import { parseHostPort } from './cluster.js';
import { startGarbageCollector } from '../controllers/gc/controller.js';
import { startVolumeController } from '../controllers/volumes/controller.js';
import { startControllers, type LeaderElectionConfig } from '../controllers/manager.js';
import { leaderElected } from './leader-elected.js';
import { join } from 'node:path';
import { startReplicaSetController } from '../controllers/replicaset/controller.js';
import { startDeploymentController } from '../controllers/deployment/controller.js';
import { startServiceAccountController } from '../controllers/serviceaccounts/controller.js';
import { startNodeLifecycleController } from '../controllers/nodelifecycle/controller.js';
import { startPodGcController } from '../controllers/podgc/controller.js';
import { nodeAgentComponent } from './agent.js';
import { remoteNodeStreamsComponent, durationEnv } from './agent-streams.js';

/**
 * The client in-process components use: the API server's handler called directly (same
 * admission, validation and watch semantics as over HTTPS, without TLS and JSON framing).
 * ORDINAL_COMPONENTS_OVER_HTTPS=1 sends them over the wire instead, as a remote agent would.
 */
export function clientFor(ctx: ClusterContext): Client {
  if (process.env.ORDINAL_COMPONENTS_OVER_HTTPS === '1') return new HttpClient({ url: ctx.url, token: ctx.token, caPem: ctx.caPem });
  return ctx.inProcessClient();
}

/**
 * One client and one set of shared informers per cluster for every in-process controller,
 * reference-counted so the last component to stop stops the informers.
 */
const sharedByCluster = new WeakMap<ClusterContext, { informers: SharedInformers; users: number }>();
export function acquireInformers(ctx: ClusterContext): SharedInformers {
  let s = sharedByCluster.get(ctx);
  if (!s) {
    s = { informers: new SharedInformers(clientFor(ctx), { onError: (e) => ctx.log(`informer: ${(e as Error).message}`) }), users: 0 };
    sharedByCluster.set(ctx, s);
  }
  s.users++;
  return s.informers;
}
export function releaseInformers(ctx: ClusterContext): void {
  const s = sharedByCluster.get(ctx);
  if (s && --s.users <= 0) {
    s.informers.stop();
    sharedByCluster.delete(ctx);
  }
}

/** A component that runs one controller over the cluster's shared informers; `run` returns what stops it. */
function controller(name: string, run: (client: Client, ctx: ClusterContext, informers: SharedInformers) => { stop(): void | Promise<void> }, extra: Partial<Component> = {}): Component {
  return {
    name,
    ...extra,
    async start(ctx) {
      const informers = acquireInformers(ctx);
      const c = run(informers.client, ctx, informers);
      return {
        stop: async () => {
          await c.stop();
          releaseInformers(ctx);
        },
      };
    },
  };
}

export const endpointsComponent = controller('endpoints-controller', (client, ctx, informers) => startEndpointsController(client, { informers, log: ctx.log }));

export const schedulerComponent = controller('scheduler', (client, ctx, informers) => startScheduler(client, { informers, log: ctx.log }));

/**
 * The `kube-dns` Service users expect in kube-system (the tenth address of the service range,
 * ports 53/UDP `dns` and 53/TCP `dns-tcp`), as kubeadm installs it.
 */
export async function ensureKubeDnsService(client: Client, log: (m: string) => void, clusterIP = KUBE_DNS_IP): Promise<void> {
  try {
    await client.create(R.services, 'kube-system', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        clusterIP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
        selector: { 'k8s-app': 'kube-dns' },
      },
    });
  } catch (e) {
    if (!isApiError(e, 'AlreadyExists')) log(`dns: creating the kube-dns Service: ${(e as Error).message}`);
  }
}

/** Cluster DNS on --dns HOST:PORT (default 127.0.0.1 on a free port), fed by informers. */
export const dnsComponent: Component = {
  name: 'dns',
  async start(ctx) {
    const { host, port } = ctx.opts.dns ? parseHostPort(ctx.opts.dns, 53) : { host: '127.0.0.1', port: 0 };
    const server = new DnsServer({ host, port, log: ctx.log, ttl: ctx.opts.dnsTtl, udpWorkers: ctx.opts.dnsWorkers ?? 0, upstreams: process.env.ORDINAL_DNS_UPSTREAMS !== undefined ? process.env.ORDINAL_DNS_UPSTREAMS.split(',').filter(Boolean) : undefined });
    await server.start();
    await ensureKubeDnsService(clientFor(ctx), ctx.log, kubeDnsIP(ctx.opts.serviceCIDR));
    const shared = acquireInformers(ctx);
    const feed = feedIndex(shared.client, server.index, undefined, shared);
    ctx.log(`cluster DNS listening on ${server.address.host}:${server.address.port} (udp+tcp)`);
    publishLocalDns(ctx, server.address);
    return {
      stop: async () => {
        feed.stop();
        releaseInformers(ctx);
        await server.stop();
      },
    };
  },
};

/** The controller manager (the StatefulSet controller), on the shared informers like the rest. */
export const controllerManagerComponent = controller('controller-manager', (client, ctx, informers) => startControllers(client, { informers, log: (s) => ctx.log(`controllers: ${s}`) }));

export const gcComponent = controller('garbage-collector', (client, ctx, informers) => startGarbageCollector(client, ctx.kinds, { informers, log: ctx.log }), { garbageCollector: true });

export const volumesComponent = controller('volume-controller', (client, ctx, informers) => startVolumeController(client, { informers, volumeRoot: join(ctx.dataDir, 'volumes'), log: ctx.log }));

export const replicaSetComponent = controller('replicaset-controller', (client, ctx, informers) => startReplicaSetController(client, { informers, log: ctx.log }));

export const deploymentComponent = controller('deployment-controller', (client, ctx, informers) => startDeploymentController(client, { informers, log: ctx.log }));

export const serviceAccountsComponent = controller('serviceaccount-controller', (client, ctx, informers) => startServiceAccountController(client, { informers, caPem: ctx.caPem, log: ctx.log }));

// ORDINAL_NODE_MONITOR_GRACE_PERIOD / ORDINAL_NODE_MONITOR_PERIOD (e.g. "3s", "200ms"): shorter than
// upstream's 40 s / 5 s, for tests that kill a node agent process.
export const nodeLifecycleComponent = controller('node-lifecycle-controller', (client, ctx, informers) => startNodeLifecycleController(client, {
  informers, log: ctx.log, gracePeriodMs: durationEnv('ORDINAL_NODE_MONITOR_GRACE_PERIOD'), monitorPeriodMs: durationEnv('ORDINAL_NODE_MONITOR_PERIOD'),
}));

export const podGcComponent = controller('pod-garbage-collector', (client, ctx, informers) => startPodGcController(client, { informers, log: ctx.log }));

/**
 * Everything `ordinal up` runs by default, in start order; `agent: false` = `--no-agent`. On a
 * shared store (etcd) the controllers run only while holding Lease kube-system/ordinal-controller-manager
 * and the scheduler only while holding kube-system/ordinal-scheduler (upstream's two Leases);
 * `leaderElection` sets their timings. `omit` leaves out components by name (a test's own copy).
 */
export function defaultComponents(opts: { agent?: boolean; leaderElection?: LeaderElectionConfig; omit?: string[] } = {}): Component[] {
  const keep = (cs: Component[]) => cs.filter((c) => !opts.omit?.includes(c.name));
  return [
    leaderElected('controllers', 'ordinal-controller-manager', keep([
      gcComponent,
      serviceAccountsComponent,
      volumesComponent,
      endpointsComponent,
      replicaSetComponent,
      deploymentComponent,
      controllerManagerComponent,
      nodeLifecycleComponent,
      podGcComponent,
    ]), opts.leaderElection),
    leaderElected('scheduler', 'ordinal-scheduler', keep([schedulerComponent]), opts.leaderElection),
    dnsComponent,
    remoteNodeStreamsComponent,
    ...(opts.agent === false ? [] : [nodeAgentComponent()]),
  ];
}
