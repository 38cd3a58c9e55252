// The Client contract served by calling the API server's request handler directly: no TLS, no
// HTTP, no JSON text on the way in or out of watches. Same semantics as HttpClient (same handler,
// same validation, ApiError failures); bodies are copied on the way in so callers never see the
// server mutate their objects, and every object handed out is a fresh decode (watch events are
// parsed from the server's shared per-event JSON).
import type { KindDefinition } from '../api/kind.js';
import type { KubeObject, KubeList, WatchEvent } from '../machinery/object.js';
import { ApiError, errors } from '../machinery/errors.js';
import type { Client, ResourceRef, ListOpts, WatchOpts, WriteOpts, DeleteOpts, PatchType, WatchStream } from '../client/types.js';
import type { ResourceHandler, ApiResult } from '../apiserver/resources.js';
import { parseCommonQuery, type RequestInfo } from '../apiserver/request-info.js';

const copy = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export class InProcessClient implements Client {
  private readonly watches = new Set<{ stop(): void }>();
  private readonly byRef = new Map<string, KindDefinition>();

  constructor(private readonly handler: ResourceHandler, kinds: KindDefinition[]) {
    for (const k of kinds) this.byRef.set(`${k.group}/${k.version}/${k.plural}`, k);
  }

  /** Ends every open watch. */
  close(): void {
    for (const w of [...this.watches]) w.stop();
  }

  private kindOf(r: ResourceRef): KindDefinition {
    const k = this.byRef.get(`${r.group}/${r.version}/${r.resource}`);
    if (!k) throw errors.noResource();
    return k;
  }

  private async call(
    r: ResourceRef, namespace: string | undefined, verb: string,
    o: { name?: string; subresource?: string; query?: Record<string, string | undefined>; body?: unknown; patchType?: string } = {},
  ): Promise<ApiResult> {
    const kind = this.kindOf(r);
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined && v !== '') q.set(k, v);
    const info: RequestInfo = {
      isResourceRequest: true, prefix: r.group ? 'apis' : 'api', group: r.group, version: r.version,
      namespace: namespace || undefined, resource: r.resource, name: o.name, subresource: o.subresource, verb, parts: [], legacyWatch: false,
    };
    return this.handler.handle({ info, kind, query: parseCommonQuery(q), body: copy(o.body), patchType: o.patchType });
  }

  private async json<T>(p: Promise<ApiResult>): Promise<T> {
    const res = await p;
    if (res.type !== 'json') throw errors.internal('unexpected streaming response');
    return res.body as T;
  }

  get<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return this.json(this.call(r, namespace, 'get', { name }));
  }

  list<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, opts: ListOpts = {}): Promise<KubeList<T>> {
    return this.json(this.call(r, namespace, 'list', {
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit?.toString(), continue: opts.continue, resourceVersion: opts.resourceVersion },
    }));
  }

  create<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOpts = {}): Promise<T> {
    return this.json(this.call(r, namespace, 'create', { body: obj, query: writeQuery(opts) }));
  }

  update<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOpts = {}): Promise<T> {
    return this.json(this.call(r, namespace, 'update', { name: obj.metadata.name, body: obj, query: writeQuery(opts) }));
  }

  updateStatus<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOpts = {}): Promise<T> {
    return this.json(this.call(r, namespace, 'update', { name: obj.metadata.name, subresource: 'status', body: obj, query: writeQuery(opts) }));
  }

  patch<T extends KubeObject = KubeObject>(
    r: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOpts & { subresource?: string } = {},
  ): Promise<T> {
    return this.json(this.call(r, namespace, 'patch', { name, subresource: opts.subresource, body: patch, patchType: type, query: writeQuery(opts) }));
  }

  delete(r: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOpts = {}): Promise<KubeObject> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.dryRun) body.dryRun = ['All'];
    return this.json(this.call(r, namespace, 'delete', { name, body }));
  }

  createSubresource<T = unknown>(r: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<T> {
    return this.json(this.call(r, namespace, 'create', { name, subresource, body }));
  }

  async watch<T extends KubeObject = KubeObject>(r: ResourceRef, namespace: string | undefined, opts: WatchOpts = {}): Promise<WatchStream<T>> {
    const res = await this.call(r, namespace, 'watch', {
      query: {
        watch: 'true', labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion, allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      },
    });
    if (res.type !== 'watch') throw new ApiError(errors.internal('watch did not stream').status);
    const queue: WatchEvent<T>[] = [];
    let ended = false;
    let waiter: (() => void) | undefined;
    const wake = () => { const w = waiter; waiter = undefined; w?.(); };
    let stopServer: (() => void) | undefined;
    const handle = {
      stop: () => {
        if (ended) return;
        ended = true;
        this.watches.delete(handle);
        stopServer?.();
        wake();
      },
    };
    this.watches.add(handle);
    stopServer = res.start({
      send: (ev) => { if (!ended) { queue.push(ev as WatchEvent<T>); wake(); } },
      // Offering JSON lets the server decode each event once for all watchers and filter it by
      // their selectors before anything reaches us: a watcher parses only the events it receives
      // (an agent's spec.nodeName watch skips every other node's pods), and the parse is its copy.
      sendJson: (line) => { if (!ended) { queue.push(JSON.parse(line) as WatchEvent<T>); wake(); } },
      end: () => { ended = true; this.watches.delete(handle); wake(); },
    });
    if (ended) stopServer();
    return {
      stop: handle.stop,
      [Symbol.asyncIterator]: (): AsyncIterator<WatchEvent<T>> => ({
        next: async () => {
          for (;;) {
            const e = queue.shift();
            if (e) return { value: e, done: false };
            if (ended) return { value: undefined, done: true };
            await new Promise<void>((res2) => (waiter = res2));
          }
        },
        return: async () => {
          handle.stop();
          return { value: undefined, done: true };
        },
      }),
    };
  }
}

function writeQuery(opts: WriteOpts): Record<string, string | undefined> {
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager };
}
