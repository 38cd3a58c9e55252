// One informer per (resource, namespace, selectors) for every controller in a process, as
// upstream's SharedInformerFactory: one watch and one cache per resource instead of one per
// controller. Views hand out the informer's reads and handler registration; stopping a view does
// nothing — the factory stops them all.
import type { KubeObject } from '../machinery/object.js';
import type { Client, ResourceRef } from './types.js';
import { Informer, type InformerOptions } from './informer.js';

export type SharedInformer<T extends KubeObject = KubeObject> = Pick<Informer<T>, 'addHandlers' | 'start' | 'get' | 'list' | 'waitForSync' | 'hasSynced' | 'resource'> & {
  /** No-op for a shared informer (the factory owns its lifetime). */
  stop(): void;
};

export class SharedInformers {
  private readonly informers = new Map<string, Informer<KubeObject>>();

  constructor(readonly client: Client, private readonly defaults: Pick<InformerOptions, 'onError' | 'pageSize'> = {}) {}

  informer<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: Pick<InformerOptions, 'namespace' | 'labelSelector' | 'fieldSelector'> = {}): SharedInformer<T> {
    const key = JSON.stringify([ref.group, ref.version, ref.resource, opts.namespace ?? '', opts.labelSelector ?? '', opts.fieldSelector ?? '']);
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer<KubeObject>(this.client, ref, { ...this.defaults, ...opts });
      this.informers.set(key, inf);
    }
    const shared = inf as unknown as Informer<T>;
    return {
      resource: shared.resource,
      addHandlers: (h) => shared.addHandlers(h),
      start: () => shared.start(),
      stop: () => undefined,
      get: (ns, name) => shared.get(ns, name),
      list: (ns) => shared.list(ns),
      waitForSync: () => shared.waitForSync(),
      hasSynced: () => shared.hasSynced(),
    };
  }

  /** Number of distinct informers (for tests and metrics). */
  get size(): number {
    return this.informers.size;
  }

  stop(): void {
    for (const i of this.informers.values()) i.stop();
    this.informers.clear();
  }
}

/**
 * A shared informer seen through a filter — what an informer with a field selector (e.g. one
 * node's pods, `spec.nodeName=n1`) would hold and report, without a second watch and cache. An
 * object entering the view is reported as an add, one leaving it as a delete, as a filtered watch
 * reports them.
 */
export function filteredInformer<T extends KubeObject>(inf: SharedInformer<T>, keep: (o: T) => boolean): SharedInformer<T> {
  return {
    resource: inf.resource,
    addHandlers: (h) => inf.addHandlers({
      add: (o) => { if (keep(o)) h.add?.(o); },
      update: (o, n) => {
        const was = keep(o);
        const is = keep(n);
        if (was && is) h.update?.(o, n);
        else if (is) h.add?.(n);
        else if (was) h.delete?.(o);
      },
      delete: (o) => { if (keep(o)) h.delete?.(o); },
    }),
    start: () => inf.start(),
    stop: () => undefined,
    get: (ns, name) => {
      const o = inf.get(ns, name);
      return o && keep(o) ? o : undefined;
    },
    list: (ns) => inf.list(ns).filter(keep),
    waitForSync: () => inf.waitForSync(),
    hasSynced: () => inf.hasSynced(),
  };
}

/**
 * For a component that runs with or without the process's shared informers: the shared informer
 * of `ref` if there are any, else an informer of its own, which the component starts and stops.
 */
export function sharedOrOwn(shared: SharedInformers | undefined, client: Client, ref: ResourceRef, opts: InformerOptions = {}): SharedInformer {
  return shared ? shared.informer(ref) : new Informer(client, ref, opts);
}
