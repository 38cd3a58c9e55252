// The Endpoints + EndpointSlice controller's shell: informers feed a work queue of Service keys;
// each key is reconciled (pure, ./reconcile.ts) and the actions applied through the client.
import type { Service, Pod, Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../machinery/object.js';
import { isApiError } from '../../machinery/errors.js';
import { selectorFromSet } from '../../machinery/labels.js';
import type { Client } from '../../client/types.js';
import { R } from '../../client/types.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { WorkQueue } from '../../client/workqueue.js';
import { runWorkers } from '../../client/worker.js';
import { reconcileEndpoints, SERVICE_NAME_LABEL, type EndpointsAction } from './reconcile.js';

const as = <T>(o: KubeObject) => o as unknown as T;

export interface Controller {
  synced: Promise<void>;
  stop(): void;
}

export function startEndpointsController(client: Client, opts: { informers?: SharedInformers; workers?: number; log?: (m: string) => void } = {}): Controller {
  const informers = opts.informers ?? new SharedInformers(client);
  const services = informers.informer(R.services);
  const pods = informers.informer(R.pods);
  const endpoints = informers.informer(R.endpoints);
  const slices = informers.informer(R.endpointslices);
  const nodes = informers.informer(R.nodes);
  const queue = new WorkQueue();
  const key = (ns: string | undefined, name: string | undefined) => `${ns ?? 'default'}/${name ?? ''}`;

  /** Services in the pod's namespace whose selector matches any of these label sets. */
  const servicesFor = (ns: string | undefined, ...labelSets: (Record<string, string> | undefined)[]) => {
    for (const s of services.list(ns)) {
      const sel = as<Service>(s).spec?.selector;
      if (!sel || Object.keys(sel).length === 0) continue;
      const m = selectorFromSet(sel);
      if (labelSets.some((l) => l && m.matches(l))) queue.add(key(s.metadata.namespace, s.metadata.name));
    }
  };
  services.addHandlers({
    add: (s) => queue.add(key(s.metadata.namespace, s.metadata.name)),
    update: (_o, s) => queue.add(key(s.metadata.namespace, s.metadata.name)),
    delete: (s) => queue.add(key(s.metadata.namespace, s.metadata.name)),
  });
  pods.addHandlers({
    add: (p) => servicesFor(p.metadata.namespace, p.metadata.labels),
    update: (o, p) => servicesFor(p.metadata.namespace, o.metadata.labels, p.metadata.labels),
    delete: (p) => servicesFor(p.metadata.namespace, p.metadata.labels),
  });
  // Our own objects changed by someone else: reconcile the owning service again.
  endpoints.addHandlers({ delete: (e) => queue.add(key(e.metadata.namespace, e.metadata.name)), update: (_o, e) => queue.add(key(e.metadata.namespace, e.metadata.name)) });
  slices.addHandlers({
    delete: (s) => s.metadata.labels?.[SERVICE_NAME_LABEL] && queue.add(key(s.metadata.namespace, s.metadata.labels[SERVICE_NAME_LABEL])),
    update: (_o, s) => s.metadata.labels?.[SERVICE_NAME_LABEL] && queue.add(key(s.metadata.namespace, s.metadata.labels[SERVICE_NAME_LABEL])),
  });

  async function apply(ns: string, a: EndpointsAction): Promise<void> {
    switch (a.type) {
      case 'createEndpoints': return void (await client.create(R.endpoints, ns, a.object as unknown as KubeObject));
      case 'updateEndpoints': return void (await client.update(R.endpoints, ns, a.object as unknown as KubeObject));
      case 'deleteEndpoints': return void (await client.delete(R.endpoints, ns, a.name).catch((e) => { if (!isApiError(e, 'NotFound')) throw e; }));
      case 'createSlice': return void (await client.create(R.endpointslices, ns, a.object as unknown as KubeObject));
      case 'updateSlice': return void (await client.update(R.endpointslices, ns, a.object as unknown as KubeObject));
      case 'deleteSlice': return void (await client.delete(R.endpointslices, ns, a.name).catch((e) => { if (!isApiError(e, 'NotFound')) throw e; }));
    }
  }

  async function sync(k: string): Promise<void> {
    const [ns, name] = k.split('/') as [string, string];
    const svc = services.get(ns, name);
    const actions = reconcileEndpoints({
      service: svc ? as<Service>(svc) : undefined,
      pods: pods.list(ns).map((p) => as<Pod>(p)),
      endpoints: endpoints.get(ns, name) ? as<Endpoints>(endpoints.get(ns, name)!) : undefined,
      slices: slices.list(ns).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name).map((s) => as<EndpointSlice>(s)),
      nodeExists: (n) => nodes.get(undefined, n) !== undefined,
    });
    for (const a of actions) await apply(ns, a);
  }


  const all = [services, pods, endpoints, slices, nodes];
  for (const i of all) i.start();
  let workers: { stop(): void } | undefined;
  const synced = Promise.all(all.map((i) => i.waitForSync())).then(() => {
    // Orphans: Endpoints whose Service is gone get one pass at start-up.
    for (const e of endpoints.list()) queue.add(key(e.metadata.namespace, e.metadata.name));
    workers = runWorkers(queue, sync, { name: 'endpoints', workers: opts.workers, log: opts.log });
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
