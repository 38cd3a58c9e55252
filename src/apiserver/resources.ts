// Generic REST semantics for every kind in the registry, over the Store: get, list, watch, create,
// update, patch, delete, deletecollection, and the status / scale subresources. Kind-specific
// behaviour comes from the KindDefinition (defaults, prepare, validate, table, field selectors,
// graceful deletion). HTTP-agnostic: takes a parsed request, returns an ApiResult.
import { randomUUID, randomBytes } from 'node:crypto';
import type { KindDefinition } from '../api/kind.js';
import type { KubeObject, WatchEvent } from '../machinery/object.js';
import { clone } from '../machinery/object.js';
import { ApiError, errors, field, type FieldError, type GroupResource, type Status } from '../machinery/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate, deepEqual } from '../machinery/validation.js';
import { StoreError, type KeyValue, type Store, type StoreEvent } from '../storage/store.js';
import { WatchCache } from '../storage/watch-cache.js';
import type { CommonQuery, RequestInfo } from './request-info.js';
import { compileSelectors, formatLabelSelector, matchAll, pinnedName, type Matcher } from './selectors.js';
import { toTable, tableRow } from './table.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../machinery/patch/index.js';
import { patchSchemaFor, unknownFields } from '../api/openapi/index.js';
import { inspectBody, pruneUnknownFields, typeError } from './prune.js';
import { NamespaceLifecycle } from './namespace-lifecycle.js';
import type { ServiceAdmission } from './service-alloc.js';
import type { ServiceAccountTokens } from './tokens.js';

/** Hooks supplied by other modules (OpenAPI-backed checks, protobuf, strategic merge). */
export interface ApiHooks {
  /** Paths (`spec.foo`) of fields the kind's schema does not know. */
  unknownFields?(openapiName: string, obj: unknown): string[];
  /** Strategic merge patch of `original` with `patch` for the kind. */
  strategicMerge?(openapiName: string, original: unknown, patch: unknown): unknown;
}

export interface ApiContext {
  store: Store;
  kinds: KindDefinition[];
  now(): Date;
  /**
   * True when a garbage collector honours the `orphan` / `foregroundDeletion` finalizers. Without
   * one, adding them would leave objects terminating forever, so deletion is immediate instead.
   */
  garbageCollector: boolean;
  hooks: ApiHooks;
  /** ServiceAccount token issuing (serviceaccounts/{name}/token). */
  tokens?: ServiceAccountTokens;
  /** ClusterIP allocation for Services (absent: Services keep what the client sent). */
  services?: ServiceAdmission;
  /** Serve LIST (latest) and WATCH from one in-memory watch cache per resource (default true). */
  watchCache?: boolean;
  /** Events kept per watch cache for watch-from-revision (default 1000). */
  watchCacheWindow?: number;
  log?(msg: string): void;
}

export type ApiResult =
  | { type: 'json'; code: number; body: unknown; warnings?: string[] }
  | { type: 'watch'; start(sink: WatchSink): () => void };

export interface WatchSink {
  send(ev: WatchEvent<unknown>): void;
  /**
   * Optional: takes an event already serialised as one JSON line (`{"type":…,"object":…}`, no
   * newline). A sink that only writes JSON offers it, so that an event reaching many watchers is
   * decoded and serialised once, not once per watcher; objects are then never handed out.
   */
  sendJson?(line: string): void;
  end(): void;
}

/** One store event as every watcher of its kind shares it (read-only); each part is made on first use. */
interface SharedDecode { cur?: KubeObject; prev?: KubeObject; curJson?: string; prevJson?: string }

export interface ResourceRequest {
  info: RequestInfo;
  kind: KindDefinition;
  query: CommonQuery;
  /** Decoded request body (object, patch, DeleteOptions). */
  body?: unknown;
  /** Raw body text (JSON) for duplicate-field detection; absent for YAML/protobuf. */
  bodyText?: string;
  /** For PATCH: 'json' | 'merge' | 'strategic' | 'apply'. */
  patchType?: string;
  /** Table conversion requested (v1 or v1beta1). */
  table?: 'v1' | 'v1beta1';
  /** Duplicate fields found in a JSON body (paths). */
  duplicates?: string[];
}

const gr = (k: KindDefinition): GroupResource => ({ group: k.group, resource: k.plural });

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---- keys and (de)serialization -----------------------------------------------------------------

export class ObjectCodec {
  private readonly heads = new Map<KindDefinition, string>();

  constructor(private readonly kinds: KindDefinition[]) {}

  /** The kind whose shape is stored (itself unless storedAs). */
  storedKind(k: KindDefinition): KindDefinition {
    if (!k.storedAs) return k;
    return this.kinds.find((x) => x.group === k.storedAs!.group && x.version === k.storedAs!.version && x.kind === k.kind) ?? k;
  }

  /** Key prefixes by kind and namespace ('' = all): built on every request otherwise. */
  private readonly prefixes = new Map<KindDefinition, Map<string, string>>();

  prefix(k: KindDefinition, namespace?: string): string {
    const ns = k.namespaced && namespace ? namespace : '';
    let m = this.prefixes.get(k);
    if (!m) this.prefixes.set(k, (m = new Map()));
    let p = m.get(ns);
    if (p === undefined) {
      const s = this.storedKind(k);
      const base = `/registry/${s.storagePrefix ?? s.plural}/`;
      p = ns ? `${base}${ns}/` : base;
      if (m.size >= 10_000) m.clear(); // namespaces come and go; keep it bounded
      m.set(ns, p);
    }
    return p;
  }

  key(k: KindDefinition, namespace: string | undefined, name: string): string {
    return k.namespaced ? `${this.prefix(k, namespace)}${name}` : `${this.prefix(k)}${name}`;
  }

  decode(k: KindDefinition, kv: { value: string; modRevision: number }): KubeObject {
    let obj = JSON.parse(kv.value) as KubeObject;
    obj.metadata = obj.metadata ?? {};
    (obj.metadata as { resourceVersion?: string }).resourceVersion = String(kv.modRevision);
    if (k.storedAs) obj = k.storedAs.fromStored(obj);
    obj.apiVersion = k.group ? `${k.group}/${k.version}` : k.version;
    obj.kind = k.kind;
    return obj;
  }

  /**
   * The JSON decode() then JSON.stringify() would give for a stored value, made by splicing the
   * resourceVersion into the stored text, when the text starts the way encode() writes objects
   * of this kind (`{"apiVersion":…,"kind":…,"metadata":{`); undefined otherwise (decode then).
   */
  watchJson(k: KindDefinition, value: string, modRevision: number): string | undefined {
    if (k.storedAs) return undefined;
    let head = this.heads.get(k);
    if (head === undefined) this.heads.set(k, (head = `{"apiVersion":${JSON.stringify(k.group ? `${k.group}/${k.version}` : k.version)},"kind":${JSON.stringify(k.kind)},"metadata":{`));
    if (!value.startsWith(head)) return undefined;
    const rv = `"resourceVersion":"${modRevision}"`;
    return value.charCodeAt(head.length) === 125 /* } */ ? `${head}${rv}${value.slice(head.length)}` : `${head}${rv},${value.slice(head.length)}`;
  }

  encode(k: KindDefinition, obj: KubeObject): string {
    if (!k.storedAs) {
      // Stringify without the resourceVersion, without copying the object first (hot path).
      const m = obj.metadata as { resourceVersion?: string };
      const rv = m.resourceVersion;
      if (rv === undefined) return JSON.stringify(obj);
      delete m.resourceVersion;
      try {
        return JSON.stringify(obj);
      } finally {
        m.resourceVersion = rv;
      }
    }
    let o = clone(obj);
    delete (o.metadata as { resourceVersion?: string }).resourceVersion;
    {
      o = k.storedAs.toStored(o);
      o.apiVersion = k.storedAs.group ? `${k.storedAs.group}/${k.storedAs.version}` : k.storedAs.version;
    }
    return JSON.stringify(o);
  }
}

type Meta = Record<string, any>;
const metaOf = (o: KubeObject) => o.metadata as Meta;

function randomSuffix(): string {
  // upstream utilrand.String(5): consonants and digits that avoid bad words.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const b = randomBytes(5);
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[b[i]! % alphabet.length];
  return s;
}

function storeErr(e: unknown): never {
  if (e instanceof StoreError && (e.code === 'Unavailable' || e.code === 'Closed')) throw errors.serviceUnavailable(`storage unavailable: ${e.message}`);
  throw e;
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}|${e.field}|${e.detail ?? ''}|${JSON.stringify(e.value ?? null)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface ContinueToken { rv: number; start: string }

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof t.rv === 'number' && typeof t.start === 'string' && Number.isSafeInteger(t.rv) && t.rv > 0) return { rv: t.rv, start: t.start };
  } catch { /* fall through */ }
  throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

const CONTINUE_EXPIRED = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

// ---- the handler ---------------------------------------------------------------------------------

export class ResourceHandler {
  readonly codec: ObjectCodec;

  private readonly caches = new Map<string, WatchCache>();
  /** Whether a namespace (by key) is terminating, as of a modRevision (saves a JSON.parse per create). */
  private readonly nsTerminating = new Map<string, { rev: number; yes: boolean }>();

  readonly namespaces: NamespaceLifecycle;

  constructor(private readonly ctx: ApiContext) {
    this.codec = new ObjectCodec(ctx.kinds);
    this.namespaces = new NamespaceLifecycle({
      store: ctx.store, kinds: ctx.kinds, codec: this.codec, log: ctx.log,
      deleteObject: async (k, ns, name) => { await this.deleteOne(k, ns, name, { dryRun: false }); },
    });
  }

  /**
   * Per kind: decoded store events, shared by that kind's JSON watchers during one fan-out. The
   * watch cache feeds watchers in microtasks, so by the next turn of the event loop every watcher
   * fed with an event has used its decode; then they are dropped. (Tied to the event instead, they
   * lived as long as the watch cache's window — two parsed objects and their JSON per event, about
   * 20 MB for pods at 1,000 pods.) A watcher fed later, e.g. one resuming from the window, decodes
   * again.
   */
  private readonly decodes = new Map<KindDefinition, Map<StoreEvent, SharedDecode>>();
  private decodesSweep?: NodeJS.Immediate;

  private sharedDecodes(kind: KindDefinition): Map<StoreEvent, SharedDecode> {
    let m = this.decodes.get(kind);
    if (!m) this.decodes.set(kind, (m = new Map()));
    return m;
  }

  private shareDecode(m: Map<StoreEvent, SharedDecode>, e: StoreEvent, d: SharedDecode): void {
    m.set(e, d);
    if (this.decodesSweep) return;
    this.decodesSweep = setImmediate(() => {
      this.decodesSweep = undefined;
      for (const x of this.decodes.values()) x.clear();
    });
    this.decodesSweep.unref();
  }

  /** The watch cache of a kind's storage prefix (created on first use), or undefined when disabled. */
  cacheFor(kind: KindDefinition): WatchCache | undefined {
    if (this.ctx.watchCache === false) return undefined;
    const prefix = this.codec.prefix(kind);
    let c = this.caches.get(prefix);
    if (!c) {
      c = new WatchCache(this.store, prefix, { windowSize: this.ctx.watchCacheWindow, log: this.ctx.log });
      this.caches.set(prefix, c);
    }
    return c;
  }

  /** Creates and primes the watch caches of every kind (for /readyz). */
  async primeCaches(): Promise<void> {
    await Promise.all(this.ctx.kinds.map((k) => this.cacheFor(k)?.ready));
    await this.namespaces.resume();
  }

  get cachesReady(): boolean {
    for (const c of this.caches.values()) if (!c.isReady) return false;
    return true;
  }

  async close(): Promise<void> {
    this.namespaces.close();
    await Promise.all([...this.caches.values()].map((c) => c.close()));
    this.caches.clear();
  }

  private get store(): Store { return this.ctx.store; }

  async handle(r: ResourceRequest): Promise<ApiResult> {
    const { info, kind } = r;
    const sub = info.subresource;
    if (kind.namespaced && !info.namespace && info.name !== undefined) {
      // e.g. /api/v1/pods/foo — upstream 404s (no cluster-scoped route for a namespaced name).
      throw errors.noResource();
    }
    if (!kind.namespaced && info.namespace) throw errors.noResource();
    if (sub) return this.subresource(r, sub);
    // PUT/PATCH need a name; POST must not have one (upstream: 405 MethodNotAllowed).
    if ((info.verb === 'update' || info.verb === 'patch') && info.name === undefined) throw errors.methodNotAllowed();
    // Verbs a kind does not serve (e.g. deletecollection on namespaces) are 405, as upstream.
    if (kind.verbs && !kind.verbs.includes(info.verb)) throw errors.methodNotAllowed();
    if (info.verb === 'create' && info.name !== undefined) throw errors.methodNotAllowed();
    switch (info.verb) {
      case 'get': return this.json(200, await this.getForRead(r));
      case 'list': return this.list(r);
      case 'watch': return this.watch(r);
      case 'create': return this.create(r);
      case 'update': return this.update(r);
      case 'patch': return this.patch(r);
      case 'delete': return this.delete(r);
      case 'deletecollection': return this.deleteCollection(r);
      default: throw errors.methodNotAllowed();
    }
  }

  private isService(kind: KindDefinition): boolean {
    return kind.group === '' && kind.kind === 'Service';
  }

  private json(code: number, body: unknown, warnings?: string[]): ApiResult {
    return { type: 'json', code, body, warnings };
  }

  // ---- reads ----

  async getObject(kind: KindDefinition, namespace: string | undefined, name: string): Promise<{ obj: KubeObject; kv: KeyValue }> {
    const kv = await this.store.get(this.codec.key(kind, namespace, name)).catch(storeErr);
    if (!kv) throw errors.notFound(gr(kind), name);
    return { obj: this.codec.decode(kind, kv), kv };
  }

  private async getForRead(r: ResourceRequest): Promise<unknown> {
    const { obj } = await this.getObject(r.kind, r.info.namespace, r.info.name!);
    if (r.table) return toTable(r.kind, [obj], { include: r.query.includeObject, tableVersion: r.table, resourceVersion: obj.metadata.resourceVersion });
    return obj;
  }

  /** Lists matching objects at one revision, paged. */
  async listObjects(kind: KindDefinition, namespace: string | undefined, q: CommonQuery, matcher?: Matcher) {
    const match = matcher ?? compileSelectors(kind, q.labelSelector, q.fieldSelector);
    const prefix = this.codec.prefix(kind, namespace);
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (q.continue) {
      const t = decodeContinue(q.continue);
      revision = t.rv;
      startAfter = prefix + t.start;
    } else if (q.resourceVersion && q.resourceVersion !== '0') {
      const want = Number(q.resourceVersion);
      if (q.resourceVersionMatch === 'Exact') {
        // A revision the store has not reached yet: wait (up to 3 s) as upstream, then 504.
        if (want > (await this.store.currentRevision().catch(storeErr))) await this.waitForRevision(want);
        revision = want;
      } else {
        const cache = this.cacheFor(kind);
        if (cache) {
          await cache.waitForRevision(want).catch((e) => {
            if (e instanceof ApiError && e.code === 504) e.status.details = { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 };
            throw e;
          });
        } else await this.waitForRevision(want);
      }
    }
    const items: KubeObject[] = [];
    const limit = q.limit;
    let more = false;
    let lastKey: string | undefined;
    let rev = 0;
    for (;;) {
      let page;
      const pageLimit = limit ? Math.max(limit - items.length, Math.min(500, limit * 2)) : 0;
      try {
        const cache = revision === undefined ? this.cacheFor(kind) : undefined;
        if (cache) {
          // Latest state from memory: a consistent read for resourceVersion="", any state for "0".
          const o = { prefix, startAfter, limit: pageLimit };
          page = q.resourceVersion === '0' && !q.continue ? await cache.list(o) : await cache.listConsistent(o);
        } else {
          page = await this.store.list(prefix, { revision, startAfter, limit: pageLimit });
        }
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Compacted') {
          if (q.continue) throw errors.expired(CONTINUE_EXPIRED);
          throw errors.expired(`too old resource version: ${revision} (${await this.store.compactedRevision().catch(() => 0)})`);
        }
        storeErr(e);
      }
      rev = page.revision;
      revision = page.revision;
      let i = 0;
      for (; i < page.items.length; i++) {
        const kv = page.items[i]!;
        lastKey = kv.key;
        const obj = this.codec.decode(kind, kv);
        if (!match(obj)) continue;
        items.push(obj);
        if (limit && items.length >= limit) { i++; break; }
      }
      if (limit && items.length >= limit) {
        more = i < page.items.length || page.more;
        break;
      }
      if (!page.more) break;
      startAfter = lastKey;
    }
    let cont: string | undefined;
    if (more && lastKey) cont = encodeContinue({ rv: rev, start: lastKey.slice(prefix.length) });
    return { items, revision: rev, continue: cont };
  }

  /** resourceVersion=N (NotOlderThan): wait briefly for the store to reach N, else 504 as upstream. */
  private async waitForRevision(want: number): Promise<void> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const cur = await this.store.currentRevision().catch(storeErr);
      if (cur >= want) return;
      if (Date.now() > deadline) {
        const e = errors.timeout(`Too large resource version: ${want}, current: ${cur}`);
        e.status.details = { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 };
        throw e;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  private async list(r: ResourceRequest): Promise<ApiResult> {
    const res = await this.listObjects(r.kind, r.info.namespace, r.query);
    const meta: Record<string, unknown> = { resourceVersion: String(res.revision) };
    if (res.continue) meta.continue = res.continue;
    if (r.table) {
      return this.json(200, toTable(r.kind, res.items, { include: r.query.includeObject, tableVersion: r.table, resourceVersion: String(res.revision), continue: res.continue }));
    }
    const k = r.kind;
    return this.json(200, { apiVersion: k.group ? `${k.group}/${k.version}` : k.version, kind: k.listKind, metadata: meta, items: res.items });
  }

  // ---- watch ----

  private watch(r: ResourceRequest): ApiResult {
    const { kind, query: q, info } = r;
    const fieldSel = info.name !== undefined ? [q.fieldSelector, `metadata.name=${info.name}`].filter(Boolean).join(',') : q.fieldSelector;
    const match = compileSelectors(kind, q.labelSelector, fieldSel);
    void pinnedName;
    const prefix = this.codec.prefix(kind, info.namespace);
    const now = this.ctx.now;
    const table = r.table;
    const include = q.includeObject;
    const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
    const initial = q.sendInitialEvents === true || !q.resourceVersion || q.resourceVersion === '0';
    return {
      type: 'watch',
      start: (sink) => {
        let stopped = false;
        let sentHeaders = false;
        let lastRev = Number(q.resourceVersion || 0);
        let handle: { cancel(): void } | undefined;
        const timers: NodeJS.Timeout[] = [];
        const stop = () => {
          if (stopped) return;
          stopped = true;
          handle?.cancel();
          for (const t of timers) { clearTimeout(t); clearInterval(t); }
          sink.end();
        };
        const wrap = (obj: KubeObject): unknown => {
          if (!table) return obj;
          const t = toTable(kind, [], { include, tableVersion: table, resourceVersion: obj.metadata.resourceVersion, noHeaders: sentHeaders, now: now() });
          sentHeaders = true;
          t.rows = [tableRow(kind, obj, include, now())];
          return t;
        };
        const send = (type: WatchEvent['type'], obj: KubeObject) => { if (!stopped) sink.send({ type, object: wrap(obj) }); };
        // JSON sinks without Table conversion share one decode and one serialisation per event.
        const shared = !table && sink.sendJson ? this.sharedDecodes(kind) : undefined;
        const sendShared = (type: WatchEvent['type'], d: SharedDecode, e: StoreEvent, which: 'cur' | 'prev') => {
          if (stopped) return;
          const json = which === 'cur' ? (d.curJson ??= this.codec.watchJson(kind, e.value, e.revision) ?? JSON.stringify(curOf(d, e))) : (d.prevJson ??= JSON.stringify(d.prev!));
          sink.sendJson!(`{"type":"${type}","object":${json}}`);
        };
        const curOf = (d: SharedDecode, e: StoreEvent) => (d.cur ??= this.codec.decode(kind, { value: e.value, modRevision: e.revision }));
        const sendError = (s: Status) => { if (!stopped) sink.send({ type: 'ERROR', object: s }); };
        const onEvents = (evs: StoreEvent[]) => {
          for (const e of evs) {
            if (stopped) return;
            lastRev = e.revision;
            if (shared) {
              let d = shared.get(e);
              if (!d) this.shareDecode(shared, e, (d = {}));
              // Objects are decoded only for selectors; watchers of everything get the stored
              // JSON with its resourceVersion spliced in.
              let isNow = true;
              let was = e.prevValue !== undefined;
              if (match !== matchAll) {
                try {
                  isNow = match(curOf(d, e));
                  if (was && e.type === 'update') was = match((d.prev ??= this.codec.decode(kind, { value: e.prevValue!, modRevision: e.revision })));
                } catch { continue; }
              }
              if (e.type === 'create') { if (isNow) sendShared('ADDED', d, e, 'cur'); continue; }
              if (e.type === 'delete') { if (isNow) sendShared('DELETED', d, e, 'cur'); continue; }
              if (isNow) sendShared(was ? 'MODIFIED' : 'ADDED', d, e, 'cur');
              else if (was) sendShared('DELETED', d, e, 'prev');
              continue;
            }
            let cur: KubeObject;
            let prev: KubeObject | undefined;
            try {
              cur = this.codec.decode(kind, { value: e.value, modRevision: e.revision });
              prev = e.prevValue !== undefined && match !== matchAll ? this.codec.decode(kind, { value: e.prevValue, modRevision: e.revision }) : undefined;
            } catch { continue; }
            if (e.type === 'create') { if (match(cur)) send('ADDED', cur); continue; }
            if (e.type === 'delete') { if (match(cur)) send('DELETED', cur); continue; }
            const now2 = match(cur);
            // without selectors the previous object was not decoded: it matched everything too
            const before = e.prevValue === undefined ? false : prev ? match(prev) : true;
            if (now2 && before) send('MODIFIED', cur);
            else if (now2) send('ADDED', cur);
            else if (before) send('DELETED', prev!);
          }
        };
        const onError = (err: StoreError) => {
          if (err.code === 'Compacted') sendError(errors.expired(`too old resource version: ${q.resourceVersion || lastRev} (${err.message.match(/\d+/g)?.pop() ?? ''})`).status);
          else if (err.code !== 'Closed') sendError(errors.internal(err.message).status);
          stop();
        };
        const begin = async () => {
          let from = lastRev;
          if (initial) {
            const list = await this.listObjects(kind, info.namespace, { ...q, limit: 0, continue: '', resourceVersion: '0' }, match);
            for (const o of list.items) send('ADDED', o);
            from = list.revision;
            lastRev = from;
            if (q.sendInitialEvents) {
              sink.send({ type: 'BOOKMARK', object: { kind: kind.kind, apiVersion, metadata: { resourceVersion: String(from), annotations: { 'k8s.io/initial-events-end': 'true' } } } });
            }
          }
          if (stopped) return;
          const cache = this.cacheFor(kind);
          if (cache) {
            handle = cache.watch(from, {
              onEvents,
              onBookmark: (rev) => {
                if (stopped || !q.allowWatchBookmarks) return;
                lastRev = Math.max(lastRev, rev);
                sink.send({ type: 'BOOKMARK', object: { kind: kind.kind, apiVersion, metadata: { resourceVersion: String(rev) } } });
              },
              // An error (410 Expired) goes to the client as an ERROR event, as upstream's cacher does;
              // a cache restart just ends the stream so the client re-watches.
              onClose: (err) => { if (err) sendError(err.status); stop(); },
            }, { prefix, bookmarks: q.allowWatchBookmarks });
          } else {
            handle = this.store.watch(prefix, from, { onEvents, onError });
            if (q.allowWatchBookmarks) {
              timers.push(setInterval(() => {
                if (lastRev > 0) sink.send({ type: 'BOOKMARK', object: { kind: kind.kind, apiVersion, metadata: { resourceVersion: String(lastRev) } } });
              }, 30_000));
            }
          }
        };
        begin().catch((e) => {
          sendError(e instanceof ApiError ? e.status : errors.internal(String((e as Error)?.message ?? e)).status);
          stop();
        });
        // Close after timeoutSeconds (kubectl get -w exits then; informers re-watch). Upstream's
        // default is a random 30–60 minutes.
        const timeout = q.timeoutSeconds !== undefined ? q.timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
        timers.push(setTimeout(stop, Math.max(timeout, 0)));
        return stop;
      },
    };
  }

  // ---- writes ----

  private checkBodyObject(r: ResourceRequest, allowKind?: { apiVersion: string; kind: string }): KubeObject {
    const b = r.body;
    if (!b || typeof b !== 'object' || Array.isArray(b)) throw errors.badRequest('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
    const obj = b as KubeObject;
    const k = r.kind;
    const want = allowKind ?? { apiVersion: k.group ? `${k.group}/${k.version}` : k.version, kind: k.kind };
    if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== want.apiVersion) {
      throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${want.apiVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== want.kind) {
      throw errors.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${want.kind})`);
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw errors.badRequest('metadata: must be an object');
    obj.apiVersion = want.apiVersion;
    obj.kind = want.kind;
    return obj;
  }

  /** fieldValidation: unknown and duplicate fields → 400 (Strict), warnings (Warn) or nothing. */
  private fieldValidation(r: ResourceRequest, obj: unknown, openapiName: string): string[] {
    if (!this.ctx.hooks.unknownFields) {
      // type check, unknown fields and pruning in one walk (the separate ones below give the same)
      const ins = inspectBody(openapiName, r.kind.kind, obj, r.query.fieldValidation !== 'Ignore');
      if (ins.typeError) {
        const k = r.kind;
        throw errors.badRequest(`${k.kind} in version "${k.version}" cannot be handled as a ${k.kind}: ${ins.typeError}`);
      }
      return this.fieldProblems(r, ins.unknown);
    }
    const te = typeError(openapiName, r.kind.kind, obj);
    if (te) {
      const k = r.kind;
      throw errors.badRequest(`${k.kind} in version "${k.version}" cannot be handled as a ${k.kind}: ${te}`);
    }
    try {
      return this.fieldProblems(r, r.query.fieldValidation === 'Ignore' ? [] : (this.ctx.hooks.unknownFields ?? unknownFields)(openapiName, obj));
    } finally {
      pruneUnknownFields(openapiName, obj);
    }
  }

  private fieldProblems(r: ResourceRequest, unknown: string[]): string[] {
    if (r.query.fieldValidation === 'Ignore') return [];
    const problems: string[] = [];
    for (const d of r.duplicates ?? []) problems.push(`duplicate field "${d}"`);
    for (const u of unknown) problems.push(`unknown field "${u}"`);
    if (!problems.length) return [];
    if (r.query.fieldValidation === 'Strict') {
      // Decoding a body (create/update) is reported as upstream's decoder does; a patch without the prefix.
      const k = r.kind;
      const prefix = r.patchType ? '' : `${k.kind} in version "${k.version}" cannot be handled as a ${k.kind}: `;
      throw errors.badRequest(`${prefix}strict decoding error: ${problems.join(', ')}`);
    }
    return problems;
  }

  private validate(kind: KindDefinition, obj: KubeObject, old: KubeObject | undefined, op: 'create' | 'update' | 'status'): void {
    const ctx = { operation: op, now: this.ctx.now() };
    let errs: FieldError[] = [];
    // Kinds validate their own metadata (with their name rule); only kinds without validation get the generic check.
    if (!kind.validate) {
      if (!old) errs.push(...validateObjectMeta(obj.metadata, { namespaced: kind.namespaced }));
      else errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata, 'metadata', { requireResourceVersion: false }));
    }
    try {
      errs.push(...(kind.validate?.(obj as never, old as never, ctx) ?? []));
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw errors.internal(`validation of ${kind.kind} failed: ${(e as Error).message}`);
    }
    errs = dedupe(errs);
    if (errs.length) throw errors.invalid(kind.group, kind.kind, obj.metadata.name ?? '', errs);
  }

  private async checkNamespace(kind: KindDefinition, namespace: string | undefined, name: string): Promise<void> {
    if (!kind.namespaced || !namespace) return;
    const nsKind = this.ctx.kinds.find((k) => k.group === '' && k.kind === 'Namespace');
    if (!nsKind) return;
    // From the namespaces watch cache (as upstream's admission uses an informer), falling back to
    // the store for a namespace created a moment ago.
    const key = this.codec.key(nsKind, undefined, namespace);
    const kv = (await this.cacheFor(nsKind)?.get(key)) ?? (await this.store.get(key).catch(storeErr));
    if (!kv) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace);
    let terminating = this.nsTerminating.get(key);
    if (!terminating || terminating.rev !== kv.modRevision) {
      const ns = JSON.parse(kv.value) as KubeObject;
      terminating = { rev: kv.modRevision, yes: !!ns.metadata.deletionTimestamp };
      if (this.nsTerminating.size > 10_000) this.nsTerminating.clear();
      this.nsTerminating.set(key, terminating);
    }
    if (terminating.yes) {
      throw errors.forbidden(gr(kind), name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private async create(r: ResourceRequest): Promise<ApiResult> {
    const kind = r.kind;
    const obj = this.checkBodyObject(r);
    const warnings = this.fieldValidation(r, obj, kind.openapiName);
    const m = metaOf(obj);
    const ns = r.info.namespace;
    if (kind.namespaced) {
      if (m.namespace && ns && m.namespace !== ns) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      m.namespace = ns;
    } else if (m.namespace) {
      delete m.namespace; // upstream clears it for cluster-scoped kinds
    }
    if (!m.name && !m.generateName) {
      throw errors.invalid(kind.group, kind.kind, '', [field.required('metadata.name', 'name or generateName is required')]);
    }
    const now = this.ctx.now();
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.managedFields;
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339(now);
    // Upstream order: defaults (at decode) → PrepareForCreate → validate.
    kind.defaults?.(obj as never);
    kind.prepare?.(obj as never, undefined, { operation: 'create', now });
    const generated = !m.name;
    if (generated) m.name = `${m.generateName}${randomSuffix()}`;
    this.validate(kind, obj, undefined, 'create');
    await this.checkNamespace(kind, ns, m.name);
    const svcs = this.isService(kind) ? this.ctx.services : undefined;
    if (svcs && !r.query.dryRun && (await this.store.get(this.codec.key(kind, ns, m.name)).catch(storeErr))) throw errors.alreadyExists(gr(kind), m.name);
    await svcs?.admit(obj, undefined, r.query.dryRun);
    if (r.query.dryRun) return this.json(201, obj, warnings);
    for (let attempt = 0; ; attempt++) {
      try {
        const kv = await this.store.create(this.codec.key(kind, ns, m.name), this.codec.encode(kind, obj));
        // The stored object is `obj` plus its resourceVersion (re-decode only when stored in another shape).
        if (kind.storedAs) return this.json(201, this.codec.decode(kind, kv), warnings);
        m.resourceVersion = String(kv.modRevision);
        return this.json(201, obj, warnings);
      } catch (e) {
        await svcs?.rollback(obj, undefined);
        if (e instanceof StoreError && e.code === 'KeyExists') {
          if (generated && attempt < 8) { m.name = `${m.generateName}${randomSuffix()}`; continue; }
          throw errors.alreadyExists(gr(kind), m.name);
        }
        storeErr(e);
      }
    }
  }

  private async update(r: ResourceRequest): Promise<ApiResult> {
    const kind = r.kind;
    const obj = this.checkBodyObject(r);
    const warnings = this.fieldValidation(r, obj, kind.openapiName);
    this.checkIdentity(r, obj);
    const preconditionRv = metaOf(obj).resourceVersion as string | undefined;
    const result = await this.guaranteedUpdate(kind, r.info.namespace, r.info.name!, preconditionRv || undefined, r.query.dryRun, 'update', bodyEachAttempt(obj, preconditionRv));
    return this.json(200, result, warnings);
  }

  private checkIdentity(r: ResourceRequest, obj: KubeObject): void {
    const m = metaOf(obj);
    if (m.name !== undefined && m.name !== '' && m.name !== r.info.name) {
      throw errors.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${r.info.name})`);
    }
    m.name = r.info.name;
    if (r.kind.namespaced) {
      if (m.namespace && m.namespace !== r.info.namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      m.namespace = r.info.namespace;
    } else delete m.namespace;
  }

  /**
   * Read-modify-write with retries on conflict (unless the caller pinned a resourceVersion, which
   * then is a precondition → 409). `mutate` builds the new object, from a fresh copy of the current
   * one when it asks for it (a PUT brings its own). No-op writes keep the resourceVersion and emit
   * no event.
   */
  async guaranteedUpdate(
    kind: KindDefinition, namespace: string | undefined, name: string, preconditionRv: string | undefined,
    dryRun: boolean, op: 'update' | 'status', mutate: (current: () => KubeObject) => KubeObject,
  ): Promise<KubeObject> {
    // As upstream's cacher does, the first attempt starts from the watch cache's copy; a guess that
    // may be stale (it fails the revision check or the write, looks like a no-op, or makes building
    // the object fail) sends the next attempt to the store.
    let guess = dryRun ? undefined : this.cacheFor(kind)?.peek(this.codec.key(kind, namespace, name));
    for (let attempt = 0; ; attempt++) {
      const fromCache = guess !== undefined;
      const { obj: current, kv } = guess ? { obj: this.codec.decode(kind, guess), kv: guess } : await this.getObject(kind, namespace, name);
      guess = undefined;
      if (preconditionRv !== undefined && preconditionRv !== String(kv.modRevision)) {
        if (fromCache) continue;
        throw errors.staleObject(gr(kind), name);
      }
      let next: KubeObject;
      try {
        // a second decode of the same bytes is the copy to mutate (cheaper than clone(current))
        next = this.updatedObject(kind, namespace, name, op, current, () => mutate(() => this.codec.decode(kind, kv)));
      } catch (e) {
        if (fromCache) continue; // the error may come from a stale guess: try again with the store's state
        throw e;
      }
      const m = metaOf(next);
      const svcs = this.isService(kind) ? this.ctx.services : undefined;
      await svcs?.admit(next, current, dryRun);
      if (sameObject(next, current)) {
        if (fromCache) continue; // a no-op only against the store's current state
        return current; // no-op: same RV, no event
      }
      // Removing the last finalizer of a terminating object (with no grace period left) deletes it.
      const finishDelete = !!m.deletionTimestamp && !(m.finalizers?.length) && (m.deletionGracePeriodSeconds ?? 0) === 0;
      if (dryRun) return next;
      try {
        if (finishDelete) {
          const del = await this.store.delete(kv.key, kv.modRevision);
          await svcs?.afterWrite(undefined, current);
          return this.codec.decode(kind, { value: this.codec.encode(kind, next), modRevision: del.modRevision });
        }
        const res = await this.store.update(kv.key, this.codec.encode(kind, next), kv.modRevision);
        await svcs?.afterWrite(next, current);
        // The stored object is `next` plus its resourceVersion, as in create (re-decode only when
        // stored in another shape); `next` is this request's own object.
        if (kind.storedAs) return this.codec.decode(kind, res);
        m.resourceVersion = String(res.modRevision);
        return next;
      } catch (e) {
        await svcs?.rollback(next, current);
        if (e instanceof StoreError && (e.code === 'Conflict' || e.code === 'NotFound')) {
          if (fromCache) continue;
          if (preconditionRv !== undefined) throw errors.staleObject(gr(kind), name);
          if (e.code === 'NotFound') throw errors.notFound(gr(kind), name);
          if (attempt < 20) continue;
          throw errors.staleObject(gr(kind), name);
        }
        storeErr(e);
      }
    }
  }

  /**
   * guaranteedUpdate's object for one attempt: `build` makes it, then the server-owned metadata is
   * taken from `current`, and the kind's defaults, prepare and validation run (upstream's order).
   */
  private updatedObject(
    kind: KindDefinition, namespace: string | undefined, name: string, op: 'update' | 'status', current: KubeObject, build: () => KubeObject,
  ): KubeObject {
    const next = build();
    const m = metaOf(next);
    const cm = metaOf(current);
    m.name = name;
    if (kind.namespaced) m.namespace = namespace; else delete m.namespace;
    // Server-owned metadata cannot be changed by an update.
    m.uid = cm.uid;
    m.creationTimestamp = cm.creationTimestamp;
    if (cm.deletionTimestamp) m.deletionTimestamp = cm.deletionTimestamp; else delete m.deletionTimestamp;
    if (cm.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = cm.deletionGracePeriodSeconds; else delete m.deletionGracePeriodSeconds;
    if (cm.generateName !== undefined && m.generateName === undefined) m.generateName = cm.generateName;
    delete m.managedFields;
    m.resourceVersion = cm.resourceVersion;
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    const now = this.ctx.now();
    kind.defaults?.(next as never);
    kind.prepare?.(next as never, current as never, { operation: op, now });
    this.validate(kind, next, current, op);
    return next;
  }

  /** Applies a patch document of the request's type to `current` (a plain JSON object). */
  applyPatch(r: ResourceRequest, current: unknown, openapiName: string): unknown {
    const p = r.body;
    switch (r.patchType) {
      case 'json': return applyJsonPatch(current, p);
      case 'merge':
        if (!p || typeof p !== 'object' || Array.isArray(p)) throw errors.badRequest('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json');
        return applyMergePatch(current, p);
      case 'strategic': {
        if (!p || typeof p !== 'object' || Array.isArray(p)) throw errors.badRequest('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json');
        const smp = this.ctx.hooks.strategicMerge;
        if (smp) return smp(openapiName, current, p);
        return applyStrategicMergePatch(current, p, patchSchemaFor(openapiName));
      }
      case 'apply':
        throw errors.unsupportedMediaType('server-side apply (application/apply-patch+yaml) is not supported by this server yet; use client-side `kubectl apply` (without --server-side)');
      default:
        throw errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    }
  }

  private async patch(r: ResourceRequest, op: 'update' | 'status' = 'update'): Promise<ApiResult> {
    const kind = r.kind;
    if (r.patchType === 'apply') this.applyPatch(r, {}, kind.openapiName);
    let warnings: string[] = [];
    // A resourceVersion inside the patch is a precondition (kubectl diff sends one).
    const pinned = patchedRv(r);
    const result = await this.guaranteedUpdate(kind, r.info.namespace, r.info.name!, pinned, r.query.dryRun, op, (copyOfCurrent) => {
      const current = copyOfCurrent();
      const patched = this.applyPatch(r, current, kind.openapiName);
      if (!patched || typeof patched !== 'object' || Array.isArray(patched)) throw errors.badRequest('the patched object is not an object');
      const obj = patched as KubeObject;
      if (obj.apiVersion !== current.apiVersion || obj.kind !== current.kind) {
        throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${current.apiVersion})`);
      }
      if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
      if (metaOf(obj).name !== r.info.name) throw errors.badRequest(`the name of the object (${String(metaOf(obj).name)}) does not match the name on the URL (${r.info.name})`);
      warnings = this.fieldValidation({ ...r, duplicates: r.duplicates }, obj, kind.openapiName);
      return obj;
    });
    return this.json(200, result, warnings);
  }

  // ---- delete ----

  private deleteOptions(r: ResourceRequest): { grace?: number; policy?: string; pre?: { uid?: string; resourceVersion?: string }; dryRun: boolean } {
    const b = (r.body && typeof r.body === 'object' && !Array.isArray(r.body) ? r.body : {}) as Record<string, any>;
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw errors.badRequest(`the kind in the data (${String(b.kind)}) does not match the expected kind (DeleteOptions)`);
    let grace = r.query.gracePeriodSeconds;
    if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) {
      if (typeof b.gracePeriodSeconds !== 'number' || !Number.isInteger(b.gracePeriodSeconds)) throw errors.badRequest('gracePeriodSeconds: must be an integer');
      grace = b.gracePeriodSeconds;
    }
    let policy: string | undefined = b.propagationPolicy ?? r.query.propagationPolicy;
    const orphan = b.orphanDependents ?? r.query.orphanDependents;
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw errors.invalid('', 'DeleteOptions', '', [field.notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan'])]);
    }
    if (policy === undefined && orphan !== undefined) policy = orphan ? 'Orphan' : 'Background';
    const dry = Array.isArray(b.dryRun) ? b.dryRun : [];
    for (const d of dry) if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(d)}: supported values: "All"`);
    return { grace: grace !== undefined && grace < 0 ? 0 : grace, policy, pre: b.preconditions ?? undefined, dryRun: r.query.dryRun || dry.length > 0 };
  }

  async deleteOne(kind: KindDefinition, namespace: string | undefined, name: string, opts: ReturnType<ResourceHandler['deleteOptions']>): Promise<{ obj: KubeObject; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const { obj, kv } = await this.getObject(kind, namespace, name);
      const m = metaOf(obj);
      if (opts.pre?.uid && opts.pre.uid !== m.uid) {
        throw errors.conflict(gr(kind), name, `Precondition failed: UID in precondition: ${opts.pre.uid}, UID in object meta: ${m.uid}`);
      }
      if (opts.pre?.resourceVersion && opts.pre.resourceVersion !== m.resourceVersion) {
        throw errors.conflict(gr(kind), name, `Precondition failed: ResourceVersion in precondition: ${opts.pre.resourceVersion}, ResourceVersion in meta: ${m.resourceVersion}`);
      }
      const now = this.ctx.now();
      if (kind.group === '' && kind.kind === 'Namespace' && ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0) {
        // Namespaces empty themselves before they go (spec.finalizers: ["kubernetes"]).
        try {
          return { obj: await this.namespaces.beginDelete(obj, kv.modRevision, opts.dryRun, now), deleted: false };
        } catch (e) {
          if (e instanceof StoreError && e.code === 'Conflict' && attempt < 20) continue;
          storeErr(e);
        }
      }
      const next = clone(obj);
      const nm = metaOf(next);
      let changed = false;
      // Propagation finalizers, as upstream's deletion strategy sets them (only honoured with a GC).
      if (this.ctx.garbageCollector && opts.policy) {
        const fins: string[] = [...(nm.finalizers ?? [])];
        const want = opts.policy === 'Orphan' ? 'orphan' : opts.policy === 'Foreground' ? 'foregroundDeletion' : undefined;
        const other = opts.policy === 'Orphan' ? 'foregroundDeletion' : 'orphan';
        const filtered = fins.filter((f) => f !== other || !want);
        if (want && !filtered.includes(want)) filtered.push(want);
        if (opts.policy === 'Background') { const i = filtered.indexOf('orphan'); if (i >= 0) filtered.splice(i, 1); const j = filtered.indexOf('foregroundDeletion'); if (j >= 0) filtered.splice(j, 1); }
        if (JSON.stringify(filtered) !== JSON.stringify(fins)) { nm.finalizers = filtered.length ? filtered : undefined; if (!filtered.length) delete nm.finalizers; changed = true; }
      }
      // Graceful deletion (pods): mark with deletionTimestamp = now + grace.
      let grace = 0;
      if (kind.gracefulDeletion) {
        grace = kind.gracefulDeletion(obj as never, opts.grace);
        const existing = nm.deletionGracePeriodSeconds as number | undefined;
        if (nm.deletionTimestamp && existing !== undefined && grace >= existing) grace = existing; // only shorten
      }
      const hasFinalizers = (nm.finalizers?.length ?? 0) > 0;
      if (grace > 0 || hasFinalizers) {
        if (!nm.deletionTimestamp || (nm.deletionGracePeriodSeconds ?? 0) > grace) {
          nm.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
          nm.deletionGracePeriodSeconds = grace;
          changed = true;
        }
      }
      if (grace > 0 || hasFinalizers) {
        if (!changed) return { obj, deleted: false };
        if (opts.dryRun) return { obj: next, deleted: false };
        try {
          const res = await this.store.update(kv.key, this.codec.encode(kind, next), kv.modRevision);
          return { obj: this.codec.decode(kind, res), deleted: false };
        } catch (e) {
          if (e instanceof StoreError && (e.code === 'Conflict' || e.code === 'NotFound') && attempt < 20) continue;
          if (e instanceof StoreError && e.code === 'NotFound') throw errors.notFound(gr(kind), name);
          storeErr(e);
        }
      }
      if (opts.dryRun) return { obj, deleted: true };
      try {
        const del = await this.store.delete(kv.key, kv.modRevision);
        if (this.isService(kind)) await this.ctx.services?.afterWrite(undefined, obj);
        return { obj: this.codec.decode(kind, { value: kv.value, modRevision: del.modRevision }), deleted: true };
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Conflict' && attempt < 20) continue;
        if (e instanceof StoreError && e.code === 'NotFound') throw errors.notFound(gr(kind), name);
        storeErr(e);
      }
    }
  }

  private async delete(r: ResourceRequest): Promise<ApiResult> {
    const opts = this.deleteOptions(r);
    const { obj, deleted } = await this.deleteOne(r.kind, r.info.namespace, r.info.name!, opts);
    // Upstream answers 200 with the object (202 when the deletion is still pending); kubectl
    // prints `deleted` either way.
    return this.json(deleted ? 200 : 202, obj);
  }

  private async deleteCollection(r: ResourceRequest): Promise<ApiResult> {
    const opts = this.deleteOptions(r);
    const res = await this.listObjects(r.kind, r.info.namespace, { ...r.query, limit: 0, continue: '' });
    const out: KubeObject[] = [];
    for (const o of res.items) {
      try {
        out.push((await this.deleteOne(r.kind, o.metadata.namespace, o.metadata.name!, opts)).obj);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    const k = r.kind;
    return this.json(200, { apiVersion: k.group ? `${k.group}/${k.version}` : k.version, kind: k.listKind, metadata: { resourceVersion: String(res.revision) }, items: out });
  }

  // ---- subresources ----

  private async subresource(r: ResourceRequest, sub: string): Promise<ApiResult> {
    const kind = r.kind;
    const subs = kind.subresources ?? {};
    const name = r.info.name!;
    if (sub === 'status' && subs.status) {
      switch (r.info.verb) {
        case 'get': return this.json(200, (await this.getObject(kind, r.info.namespace, name)).obj);
        case 'update': {
          const obj = this.checkBodyObject(r);
          const warnings = this.fieldValidation(r, obj, kind.openapiName);
          this.checkIdentity(r, obj);
          const rv = metaOf(obj).resourceVersion as string | undefined;
          return this.json(200, await this.guaranteedUpdate(kind, r.info.namespace, name, rv || undefined, r.query.dryRun, 'status', bodyEachAttempt(obj, rv)), warnings);
        }
        case 'patch': return this.patch(r, 'status');
        default: throw errors.methodNotAllowed();
      }
    }
    if (sub === 'scale' && subs.scale) return this.scale(r);
    if (kind.group === '' && kind.kind === 'Pod' && (sub === 'binding' || sub === 'eviction')) {
      if (r.info.verb !== 'create') throw errors.methodNotAllowed();
      return sub === 'binding' ? this.bind(r) : this.evict(r);
    }
    if (sub === 'token' && kind.group === '' && kind.kind === 'ServiceAccount' && this.ctx.tokens) {
      if (r.info.verb !== 'create') throw errors.methodNotAllowed();
      return this.tokenRequest(r);
    }
    if (sub === 'finalize' && kind.group === '' && kind.kind === 'Namespace') {

      if (r.info.verb !== 'update') throw errors.methodNotAllowed();
      return this.finalizeNamespace(r);
    }
    if (subs.other?.includes(sub.split('/')[0]!)) {
      const { obj } = await this.getObject(kind, r.info.namespace, name);
      if (kind.kind === 'Pod' && !(obj.spec as { nodeName?: string } | undefined)?.nodeName) {
        throw errors.badRequest(`pod ${name} does not have a host assigned`);
      }
      throw errors.serviceUnavailable(`${kind.plural}/${sub.split('/')[0]} is not supported for ${kind.singular} "${name}" yet: the node agent does not serve it`);
    }
    throw errors.noResource();
  }

  /** POST serviceaccounts/{name}/token: a bearer token for the ServiceAccount (TokenRequest). */
  private async tokenRequest(r: ResourceRequest): Promise<ApiResult> {
    const b = (r.body ?? {}) as Record<string, any>;
    if (typeof b !== 'object' || Array.isArray(b)) throw errors.badRequest('the body of the request was in an unknown format');
    if (b.kind !== undefined && b.kind !== 'TokenRequest') throw errors.badRequest(`the kind in the data (${String(b.kind)}) does not match the expected kind (TokenRequest)`);
    const spec = (b.spec ?? {}) as { expirationSeconds?: number; audiences?: string[]; boundObjectRef?: unknown };
    const exp = spec.expirationSeconds ?? 3600;
    const name = r.info.name!;
    if (typeof exp !== 'number' || !Number.isInteger(exp)) throw errors.badRequest('spec.expirationSeconds: must be an integer');
    if (exp < 600) throw errors.invalid('authentication.k8s.io', 'TokenRequest', name, [field.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes')]);
    if (exp > 2 ** 32) throw errors.invalid('authentication.k8s.io', 'TokenRequest', name, [field.invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds')]);
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.map(String) : ['https://kubernetes.default.svc.cluster.local'];
    const { obj: sa } = await this.getObject(r.kind, r.info.namespace, name);
    const status = r.query.dryRun ? { token: '', expirationTimestamp: rfc3339(new Date(this.ctx.now().getTime() + exp * 1000)) } : await this.ctx.tokens!.issue(sa, exp, audiences, this.ctx.now());
    return this.json(201, {
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace: r.info.namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds: exp, boundObjectRef: spec.boundObjectRef ?? null },
      status,
    });
  }

  /** PUT namespaces/{name}/finalize: only spec.finalizers changes (how stuck namespaces are released). */
  private async finalizeNamespace(r: ResourceRequest): Promise<ApiResult> {
    const kind = r.kind;
    const obj = this.checkBodyObject(r);
    this.checkIdentity(r, obj);
    const fins = (obj.spec as { finalizers?: unknown } | undefined)?.finalizers;
    if (fins !== undefined && fins !== null && !(Array.isArray(fins) && fins.every((f) => typeof f === 'string'))) {
      throw errors.badRequest('spec.finalizers: must be a list of strings');
    }
    const name = r.info.name!;
    const rv = metaOf(obj).resourceVersion as string | undefined;
    for (let attempt = 0; ; attempt++) {
      const { obj: cur, kv } = await this.getObject(kind, undefined, name);
      if (rv && rv !== String(kv.modRevision)) throw errors.staleObject(gr(kind), name);
      const next = clone(cur);
      const spec = ((next.spec as Record<string, unknown> | undefined) ?? (next.spec = {})) as Record<string, unknown>;
      if (Array.isArray(fins) && fins.length) spec.finalizers = fins; else delete spec.finalizers;
      if (deepEqual(next, cur) || r.query.dryRun) return this.json(200, next);
      try {
        if (cur.metadata.deletionTimestamp && !spec.finalizers && !(cur.metadata.finalizers?.length)) {
          // No finalizer left on a terminating namespace: it goes now (upstream's forced finalize).
          const del = await this.store.delete(kv.key, kv.modRevision);
          return this.json(200, this.codec.decode(kind, { value: this.codec.encode(kind, next), modRevision: del.modRevision }));
        }
        const res = await this.store.update(kv.key, this.codec.encode(kind, next), kv.modRevision);
        return this.json(200, this.codec.decode(kind, res));
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Conflict' && !rv && attempt < 20) continue;
        if (e instanceof StoreError && e.code === 'Conflict') throw errors.staleObject(gr(kind), name);
        storeErr(e);
      }
    }
  }

  private scaleOf(kind: KindDefinition, obj: KubeObject): Record<string, unknown> {
    const s = kind.subresources!.scale!;
    const status: Record<string, unknown> = { replicas: getPath(obj, s.statusReplicasPath) ?? 0 };
    if (s.labelSelectorPath) {
      const sel = formatLabelSelector(getPath(obj, s.labelSelectorPath));
      if (sel) status.selector = sel;
    }
    const m = obj.metadata;
    return {
      kind: 'Scale', apiVersion: 'autoscaling/v1',
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: getPath(obj, s.specReplicasPath) ?? 0 },
      status,
    };
  }

  private async scale(r: ResourceRequest): Promise<ApiResult> {
    const kind = r.kind;
    const s = kind.subresources!.scale!;
    const name = r.info.name!;
    if (r.info.verb === 'get') return this.json(200, this.scaleOf(kind, (await this.getObject(kind, r.info.namespace, name)).obj));
    if (r.info.verb !== 'update' && r.info.verb !== 'patch') throw errors.methodNotAllowed();
    let pinned: string | undefined;
    if (r.info.verb === 'update') {
      const b = r.body as KubeObject | undefined;
      if (!b || typeof b !== 'object' || Array.isArray(b)) throw errors.badRequest('the body of the request was in an unknown format');
      if (b.kind !== undefined && b.kind !== 'Scale') throw errors.badRequest(`the kind in the data (${String(b.kind)}) does not match the expected kind (Scale)`);
      pinned = (b.metadata as Meta | undefined)?.resourceVersion || undefined;
    } else pinned = patchedRv(r);
    const result = await this.guaranteedUpdate(kind, r.info.namespace, name, pinned, r.query.dryRun, 'update', (copyOfCurrent) => {
      const current = copyOfCurrent();
      const scale = this.scaleOf(kind, current);
      const next = (r.info.verb === 'update' ? r.body : this.applyPatch(r, scale, 'io.k8s.api.autoscaling.v1.Scale')) as Record<string, any>;
      const replicas = next?.spec?.replicas ?? 0;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw errors.badRequest('spec.replicas: must be an integer');
      if (replicas < 0) throw errors.invalid('autoscaling', 'Scale', name, [field.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
      setPath(current, s.specReplicasPath, replicas);
      return current;
    });
    return this.json(200, this.scaleOf(kind, result));
  }

  private async bind(r: ResourceRequest): Promise<ApiResult> {
    const b = (r.body ?? {}) as { target?: { name?: string; kind?: string }; metadata?: Meta };
    const node = b.target?.name;
    if (!node) throw errors.invalid('', 'Binding', r.info.name!, [field.required('target.name', '')]);
    const pods = r.kind;
    // Binding sets spec.nodeName (which no client update may change) and the PodScheduled condition.
    const key = this.codec.key(pods, r.info.namespace, r.info.name!);
    for (let i = 0; i < 20; i++) {
      const kv = await this.store.get(key).catch(storeErr);
      if (!kv) throw errors.notFound(gr(pods), r.info.name!);
      const p = JSON.parse(kv.value) as KubeObject;
      const spec = (p.spec ??= {}) as Record<string, any>;
      if (p.metadata.deletionTimestamp) throw errors.conflict(gr(pods), r.info.name!, 'pod is being deleted, cannot be assigned to a host');
      if (spec.nodeName) throw errors.conflict(gr(pods), r.info.name!, `pod ${r.info.name} is already assigned to node "${spec.nodeName}"`);
      spec.nodeName = node;
      const st = (p.status ??= {}) as Record<string, any>;
      const conds = (st.conditions ??= []) as Record<string, any>[];
      const c = conds.find((x) => x.type === 'PodScheduled');
      const cond = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(this.ctx.now()) };
      if (c) Object.assign(c, cond); else conds.push(cond);
      if (r.query.dryRun) break;
      try {
        await this.store.update(key, JSON.stringify(p), kv.modRevision);
        break;
      } catch (e) {
        if (e instanceof StoreError && e.code === 'Conflict') continue;
        storeErr(e);
      }
    }
    return this.json(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  private async evict(r: ResourceRequest): Promise<ApiResult> {
    const b = (r.body ?? {}) as { deleteOptions?: Record<string, unknown> };
    const opts = this.deleteOptions({ ...r, body: b.deleteOptions ?? {} });
    await this.deleteOne(r.kind, r.info.namespace, r.info.name!, opts);
    return this.json(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }
}

/**
 * An update's body for each attempt of guaranteedUpdate. Unpinned, every attempt gets a fresh copy
 * (a retry runs against another revision). Pinned, the first attempt takes the request's own
 * object: another attempt builds again only against that same revision (any other is a 409 before
 * building), and whatever the first changed in the body is derived again from that revision.
 */
function bodyEachAttempt(obj: KubeObject, pinnedRv: string | undefined): () => KubeObject {
  if (!pinnedRv) return () => clone(obj);
  let used = false;
  return () => (used ? clone(obj) : ((used = true), obj));
}

/**
 * Equal but for metadata.resourceVersion (an update that changes nothing). The status is compared
 * first: most updates are status writes, and that finds their difference without walking the spec.
 */
function sameObject(a: KubeObject, b: KubeObject): boolean {
  if (!deepEqual(a.status, b.status)) return false;
  const am = a.metadata as Meta, bm = b.metadata as Meta;
  for (const k of Object.keys(am)) if (k !== 'resourceVersion' && !deepEqual(am[k], bm[k])) return false;
  for (const k of Object.keys(bm)) if (k !== 'resourceVersion' && !(k in am) && bm[k] !== undefined) return false;
  for (const k of Object.keys(a)) if (k !== 'metadata' && k !== 'status' && !deepEqual(a[k], b[k])) return false;
  for (const k of Object.keys(b)) if (k !== 'metadata' && k !== 'status' && !(k in a) && b[k] !== undefined) return false;
  return true;
}

function patchedRv(r: ResourceRequest): string | undefined {
  const b = r.body as Record<string, any> | undefined;
  if (r.patchType === 'merge' || r.patchType === 'strategic') {
    const rv = b?.metadata?.resourceVersion;
    return typeof rv === 'string' && rv ? rv : undefined;
  }
  if (r.patchType === 'json' && Array.isArray(b)) {
    for (const op of b) if (op?.path === '/metadata/resourceVersion' && (op.op === 'replace' || op.op === 'add') && typeof op.value === 'string') return op.value;
  }
  return undefined;
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: any = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[p];
  }
  return cur;
}

function setPath(obj: any, path: string, v: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {});
  cur[parts[parts.length - 1]!] = v;
}
