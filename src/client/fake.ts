// FakeClient: an in-memory Client for unit tests of informers and controllers (no server).
// It keeps objects per resource, assigns uid/resourceVersion/creationTimestamp, enforces
// resourceVersion preconditions on update (409 Conflict), streams watch events, and can be told
// to expire watches (410) or to fail the next call of a verb, so tests can drive the edge cases.
import { randomUUID } from 'node:crypto';
import { ApiError, errors } from '../machinery/errors.js';
import { clone, type KubeObject, type KubeList, type WatchEvent } from '../machinery/object.js';
import type { Client, ResourceRef, ListOpts, WatchOpts, WriteOpts, DeleteOpts, PatchType, WatchStream } from './types.js';

const rkey = (r: ResourceRef) => `${r.group}/${r.resource}`;
// kubernetes-types marks server-set fields readonly; the fake server sets them.
type MutableMeta = { -readonly [K in keyof KubeObject['metadata']]: KubeObject['metadata'][K] };
const m = (o: KubeObject) => o.metadata as MutableMeta;
const okey = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

/** Equality-only label selector matching (`a=b,c!=d,e`), enough for tests. */
function matchesLabels(sel: string | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return true;
  const l = labels ?? {};
  return sel.split(',').every((term) => {
    const t = term.trim();
    if (!t) return true;
    const ne = t.split('!=');
    if (ne.length === 2) return l[ne[0]!.trim()] !== ne[1]!.trim();
    const eq = t.split(/==?/);
    if (eq.length === 2) return l[eq[0]!.trim()] === eq[1]!.trim();
    if (t.startsWith('!')) return !(t.slice(1) in l);
    return t in l;
  });
}

interface FakeWatch {
  r: string;
  ns: string | undefined;
  sel: string | undefined;
  push(e: WatchEvent): void;
  end(): void;
}

export class FakeClient implements Client {
  private rv = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly watches = new Set<FakeWatch>();
  /** Every mutating call, in order: "create pods default/web-0". */
  readonly calls: string[] = [];
  /** Errors to throw on the next matching call: key "verb resource" e.g. "create pods". */
  readonly failNext = new Map<string, ApiError>();

  private bucket(r: ResourceRef): Map<string, KubeObject> {
    let b = this.objects.get(rkey(r));
    if (!b) this.objects.set(rkey(r), (b = new Map()));
    return b;
  }

  private maybeFail(verb: string, r: ResourceRef): void {
    const k = `${verb} ${r.resource}`;
    const e = this.failNext.get(k);
    if (e) {
      this.failNext.delete(k);
      throw e;
    }
  }

  private emit(r: ResourceRef, type: WatchEvent['type'], obj: KubeObject): void {
    for (const w of this.watches) {
      if (w.r !== rkey(r)) continue;
      if (w.ns && w.ns !== obj.metadata.namespace) continue;
      if (!matchesLabels(w.sel, obj.metadata.labels)) continue;
      w.push({ type, object: clone(obj) });
    }
  }

  /** Ends every open watch with a 410 Expired ERROR event (as a compacted watch window would). */
  expireWatches(): void {
    for (const w of [...this.watches]) {
      w.push({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' } as unknown as KubeObject });
      w.end();
    }
  }

  /** Closes every open watch stream without an error (server timeout). */
  closeWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  watchCount(): number {
    return this.watches.size;
  }

  private gr(r: ResourceRef) {
    return { group: r.group, resource: r.resource };
  }

  async get<T extends KubeObject = KubeObject>(r: ResourceRef, ns: string | undefined, name: string): Promise<T> {
    this.maybeFail('get', r);
    const o = this.bucket(r).get(okey(ns, name));
    if (!o) throw errors.notFound(this.gr(r), name);
    return clone(o) as T;
  }

  async list<T extends KubeObject = KubeObject>(r: ResourceRef, ns: string | undefined, opts: ListOpts = {}): Promise<KubeList<T>> {
    this.maybeFail('list', r);
    const items = [...this.bucket(r).values()]
      .filter((o) => (!ns || o.metadata.namespace === ns) && matchesLabels(opts.labelSelector, o.metadata.labels))
      .map((o) => clone(o) as T);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.rv) }, items };
  }

  async watch<T extends KubeObject = KubeObject>(r: ResourceRef, ns: string | undefined, opts: WatchOpts = {}): Promise<WatchStream<T>> {
    this.maybeFail('watch', r);
    const queue: WatchEvent<T>[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const w: FakeWatch = {
      r: rkey(r), ns, sel: opts.labelSelector,
      push: (e) => {
        queue.push(e as WatchEvent<T>);
        wake?.();
      },
      end: () => {
        ended = true;
        this.watches.delete(w);
        wake?.();
      },
    };
    this.watches.add(w);
    return {
      stop: () => w.end(),
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          for (;;) {
            const e = queue.shift();
            if (e) return { value: e, done: false };
            if (ended) return { value: undefined, done: true };
            await new Promise<void>((res) => (wake = res));
          }
        },
        return: async () => {
          w.end();
          return { value: undefined, done: true };
        },
      }),
    };
  }

  async create<T extends KubeObject = KubeObject>(r: ResourceRef, ns: string | undefined, obj: T, _opts?: WriteOpts): Promise<T> {
    this.maybeFail('create', r);
    const o = clone(obj);
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + Math.random().toString(36).slice(2, 7);
    const name = o.metadata.name!;
    const b = this.bucket(r);
    if (b.has(okey(ns, name))) throw errors.alreadyExists(this.gr(r), name);
    o.metadata.namespace = ns;
    m(o).uid = randomUUID();
    m(o).resourceVersion = String(++this.rv);
    m(o).creationTimestamp = new Date().toISOString();
    m(o).generation = 1;
    b.set(okey(ns, name), o);
    this.calls.push(`create ${r.resource} ${okey(ns, name)}`);
    this.emit(r, 'ADDED', o);
    return clone(o) as T;
  }

  private write<T extends KubeObject>(r: ResourceRef, ns: string | undefined, obj: T, verb: string, keep: (old: KubeObject, o: KubeObject) => void): T {
    this.maybeFail(verb, r);
    const name = obj.metadata.name!;
    const b = this.bucket(r);
    const old = b.get(okey(ns, name));
    if (!old) throw errors.notFound(this.gr(r), name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) throw errors.staleObject(this.gr(r), name);
    const o = clone(obj) as KubeObject;
    keep(old, o);
    m(o).uid = old.metadata.uid;
    o.metadata.namespace = old.metadata.namespace;
    m(o).creationTimestamp = old.metadata.creationTimestamp;
    m(o).resourceVersion = String(++this.rv);
    b.set(okey(ns, name), o);
    this.calls.push(`${verb} ${r.resource} ${okey(ns, name)}`);
    this.emit(r, 'MODIFIED', o);
    return clone(o) as T;
  }

  private updateSync<T extends KubeObject>(r: ResourceRef, ns: string | undefined, obj: T): T {
    return this.write(r, ns, obj, 'update', (old, o) => {
      if ('status' in old) o.status = clone(old.status);
      m(o).generation = (old.metadata.generation ?? 1) + (JSON.stringify(old.spec) !== JSON.stringify(o.spec) ? 1 : 0);
    });
  }

  private updateStatusSync<T extends KubeObject>(r: ResourceRef, ns: string | undefined, obj: T): T {
    return this.write(r, ns, obj, 'updateStatus', (old, o) => {
      o.spec = clone(old.spec);
      o.metadata = { ...clone(old.metadata), resourceVersion: o.metadata.resourceVersion };
    });
  }

  async update<T extends KubeObject = KubeObject>(r: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    return this.updateSync(r, ns, obj);
  }

  async updateStatus<T extends KubeObject = KubeObject>(r: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    return this.updateStatusSync(r, ns, obj);
  }

  /** Merge or strategic patches (strategic treated as merge: enough for the fake), applied atomically. */
  async patch<T extends KubeObject = KubeObject>(r: ResourceRef, ns: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOpts & { subresource?: string } = {}): Promise<T> {
    this.maybeFail('patch', r);
    if (type === 'json') throw errors.unsupportedMediaType('json patch not supported by FakeClient');
    const cur = this.bucket(r).get(okey(ns, name));
    if (!cur) throw errors.notFound(this.gr(r), name);
    const merged = mergePatch(clone(cur), patch) as KubeObject;
    m(merged).resourceVersion = cur.metadata.resourceVersion;
    return opts.subresource === 'status' ? this.updateStatusSync(r, ns, merged as T) : this.updateSync(r, ns, merged as T);
  }

  async delete(r: ResourceRef, ns: string | undefined, name: string, opts: DeleteOpts = {}): Promise<KubeObject> {
    this.maybeFail('delete', r);
    const b = this.bucket(r);
    const old = b.get(okey(ns, name));
    if (!old) throw errors.notFound(this.gr(r), name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== old.metadata.uid) throw errors.conflict(this.gr(r), name, 'Precondition failed: UID in precondition does not match');
    b.delete(okey(ns, name));
    const o = clone(old);
    m(o).resourceVersion = String(++this.rv);
    this.calls.push(`delete ${r.resource} ${okey(ns, name)}`);
    this.emit(r, 'DELETED', o);
    return clone(o);
  }

  async createSubresource<T = unknown>(r: ResourceRef, _ns: string | undefined, _name: string, sub: string): Promise<T> {
    throw errors.notFound(this.gr(r), sub);
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
