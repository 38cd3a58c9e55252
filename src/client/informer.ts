// Informer: keeps a local cache of one resource in sync through list+watch and tells handlers
// about adds, updates and deletes. The watch starts at the list's resourceVersion; when the watch
// fails with 410 Expired/Gone, errors, or simply ends, the informer relists and reconciles the
// cache against the fresh list (emitting the differences as events), then watches again.
import type { KubeObject } from '../machinery/object.js';
import { isApiError } from '../machinery/errors.js';
import type { Client, ResourceRef, WatchStream } from './types.js';

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  /** Called with the last state the informer knew. */
  delete?(obj: T): void;
}

export interface InformerOptions {
  /** Restrict to one namespace (undefined = all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size for the initial list (0 = unpaged). */
  pageSize?: number;
  /** Backoff after a failed list/watch, doubling up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onError?(err: unknown): void;
}

export const cacheKey = (o: KubeObject): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? '');

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly byNamespace = new Map<string, Map<string, T>>();
  /** Replaced, never changed in place, so removing a handler during a dispatch is safe. */
  private handlers: InformerHandlers<T>[] = [];
  private synced = false;
  private stopped = false;
  private started = false;
  private stream: WatchStream<T> | undefined;
  private syncWaiters: (() => void)[] = [];
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleep: (() => void) | undefined;
  /** resourceVersion the cache reflects. */
  lastResourceVersion = '';

  constructor(private readonly client: Client, readonly resource: ResourceRef, private readonly opts: InformerOptions = {}) {}

  /**
   * Registers handlers; a late registration first hears `add` for every object already cached.
   * Returns what removes them (a component stopping while a shared informer goes on).
   */
  addHandlers(h: InformerHandlers<T>): () => void {
    this.handlers = [...this.handlers, h];
    if (this.cache.size > 0 && h.add) {
      const existing = [...this.cache.values()];
      queueMicrotask(() => {
        for (const o of existing) if (this.handlers.includes(h) && this.cache.get(cacheKey(o)) === o) h.add!(o);
      });
    }
    return () => {
      this.handlers = this.handlers.filter((x) => x !== h);
    };
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Objects in one namespace (or all). The returned objects are shared: do not mutate them. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.cache.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** Starts the list/watch loop in the background. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.stream?.stop();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wakeSleep?.();
  }

  private async run(): Promise<void> {
    let backoff = this.opts.minBackoffMs ?? 100;
    const maxBackoff = this.opts.maxBackoffMs ?? 5_000;
    while (!this.stopped) {
      try {
        await this.relist();
        const started = Date.now();
        await this.watchLoop();
        // A watch that ends at once, again and again, must not turn into a relist busy-loop.
        if (Date.now() - started < 1000) {
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, maxBackoff);
        } else backoff = this.opts.minBackoffMs ?? 100;
      } catch (e) {
        if (this.stopped) break;
        this.opts.onError?.(e);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      this.wakeSleep = r;
      this.sleepTimer = setTimeout(r, ms);
    });
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list<T>(this.resource, this.opts.namespace, {
        labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
        limit: this.opts.pageSize || undefined, continue: cont,
      });
      items.push(...page.items);
      rv = page.metadata.resourceVersion ?? rv;
      cont = page.metadata.continue || undefined;
    } while (cont);
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const o of items) {
      seen.add(cacheKey(o));
      this.upsert(o);
    }
    for (const [k, o] of [...this.cache]) if (!seen.has(k)) this.remove(o);
    this.lastResourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Watches from lastResourceVersion until the stream ends or fails (then the caller relists). */
  private async watchLoop(): Promise<void> {
    const stream = await this.client.watch<T>(this.resource, this.opts.namespace, {
      labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
      resourceVersion: this.lastResourceVersion, allowWatchBookmarks: true,
    });
    this.stream = stream;
    if (this.stopped) stream.stop();
    try {
      for await (const ev of stream) {
        if (this.stopped) break;
        const rv = ev.object?.metadata?.resourceVersion;
        switch (ev.type) {
          case 'ADDED':
          case 'MODIFIED':
            this.upsert(ev.object);
            break;
          case 'DELETED': {
            const known = this.cache.get(cacheKey(ev.object));
            this.remove(known ?? ev.object, ev.object);
            break;
          }
          case 'BOOKMARK':
            break;
          case 'ERROR': {
            // 410 Expired/Gone (and any other error): stop watching; the caller relists.
            return;
          }
        }
        if (rv) this.lastResourceVersion = rv;
      }
    } catch (e) {
      if (!isApiError(e)) this.opts.onError?.(e);
    } finally {
      stream.stop();
      this.stream = undefined;
    }
  }

  private upsert(o: T): void {
    const k = cacheKey(o);
    const old = this.cache.get(k);
    if (old && old.metadata.resourceVersion === o.metadata.resourceVersion && old.metadata.uid === o.metadata.uid) return;
    this.cache.set(k, o);
    const ns = o.metadata.namespace ?? '';
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(o.metadata.name ?? '', o);
    for (const h of this.handlers) {
      try {
        if (old) h.update?.(old, o);
        else h.add?.(o);
      } catch (e) {
        this.opts.onError?.(e);
      }
    }
  }

  private remove(known: T, _final?: T): void {
    const k = cacheKey(known);
    if (!this.cache.has(k)) return;
    this.cache.delete(k);
    this.byNamespace.get(known.metadata.namespace ?? '')?.delete(known.metadata.name ?? '');
    for (const h of this.handlers) {
      try {
        h.delete?.(_final ?? known);
      } catch (e) {
        this.opts.onError?.(e);
      }
    }
  }
}
