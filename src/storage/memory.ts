// MemoryStore: the full Store semantics (global revision, CAS, history for list-at-revision and
// watch-from-revision, compaction) kept in process memory. Used by fast unit tests and as the
// reference behaviour the conformance suite pins down for the durable backends.
import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchCallbacks, WatchHandle } from './store.js';
import { StoreError } from './store.js';
import { WatcherSet } from './watchers.js';

export interface MemoryStoreOptions {
  /**
   * Keep at most this many history events; older ones are compacted automatically (0 = keep all
   * until compact() is called). Bounds memory for long-running tests.
   */
  maxHistory?: number;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly data = new Map<string, KeyValue>();
  /** Every change after `compacted`, in revision order (one event per revision). */
  private history: HistoryEvent[] = [];
  private revision = 0;
  private compacted = 0;
  private closed = false;
  private readonly watchers = new WatcherSet();

  constructor(private readonly opts: MemoryStoreOptions = {}) {}

  async currentRevision(): Promise<number> { this.check(); return this.revision; }
  async compactedRevision(): Promise<number> { this.check(); return this.compacted; }

  async get(key: string): Promise<KeyValue | undefined> {
    this.check();
    const kv = this.data.get(key);
    return kv && { ...kv };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.check();
    const rev = opts.revision || 0;
    if (rev && rev < this.compacted) throw compactedError(rev, this.compacted);
    if (rev > this.revision) throw new StoreError('Unavailable', `required revision ${rev} is a future revision (current ${this.revision})`);
    const view = rev ? this.stateAt(rev, prefix) : this.data;
    const keys = [...view.keys()].filter((k) => k.startsWith(prefix) && (opts.startAfter === undefined || k > opts.startAfter)).sort(cmp);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : keys.length;
    const items = keys.slice(0, limit).map((k) => ({ ...view.get(k)! }));
    return { items, revision: rev || this.revision, more: keys.length > limit };
  }

  async count(prefix: string): Promise<number> {
    this.check();
    let n = 0;
    for (const k of this.data.keys()) if (k.startsWith(prefix)) n++;
    return n;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.check();
    const existing = this.data.get(key);
    if (existing) throw new StoreError('KeyExists', `key exists: ${key}`, { ...existing });
    const rev = ++this.revision;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.data.set(key, kv);
    this.record({ type: 'create', key, value, revision: rev, createRevision: rev });
    return { ...kv };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.check();
    const cur = this.data.get(key);
    if (!cur) throw new StoreError('NotFound', `key not found: ${key}`);
    if (cur.modRevision !== expectedModRevision) throw conflict(key, expectedModRevision, cur);
    const rev = ++this.revision;
    const kv: KeyValue = { key, value, createRevision: cur.createRevision, modRevision: rev };
    this.data.set(key, kv);
    this.record({ type: 'update', key, value, prevValue: cur.value, revision: rev, createRevision: cur.createRevision }, cur.modRevision);
    return { ...kv };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.check();
    const cur = this.data.get(key);
    if (!cur) throw new StoreError('NotFound', `key not found: ${key}`);
    if (expectedModRevision !== undefined && cur.modRevision !== expectedModRevision) throw conflict(key, expectedModRevision, cur);
    const rev = ++this.revision;
    this.data.delete(key);
    this.record({ type: 'delete', key, value: cur.value, prevValue: cur.value, revision: rev, createRevision: cur.createRevision }, cur.modRevision);
    return { ...cur, modRevision: rev };
  }

  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle {
    if (this.closed) return WatcherSet.failLater(cb, new StoreError('Closed', 'store is closed'));
    if (fromRevision < this.compacted) return WatcherSet.failLater(cb, compactedError(fromRevision, this.compacted));
    const replay = this.history.filter((h) => h.event.revision > fromRevision && h.event.key.startsWith(prefix)).map((h) => h.event);
    return this.watchers.add(prefix, fromRevision, cb, replay);
  }

  requestProgress(): void {
    if (!this.closed) this.watchers.progress(this.revision);
  }

  async compact(revision: number): Promise<void> {
    this.check();
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    this.compacted = target;
    // history is revision-ordered with one event per revision after `compacted`
    const drop = this.history.findIndex((h) => h.event.revision > target);
    this.history = drop < 0 ? [] : this.history.slice(drop);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchers.failAll(new StoreError('Closed', 'store is closed'));
  }

  private record(e: StoreEvent, prevModRevision = 0): void {
    this.history.push({ event: e, prevModRevision });
    const max = this.opts.maxHistory ?? 0;
    if (max > 0 && this.history.length > max * 2) {
      // amortised trim: drop the oldest half in one go
      const cut = this.history.length - max;
      this.compacted = this.history[cut - 1]!.event.revision;
      this.history = this.history.slice(cut);
    }
    this.watchers.publish([e]);
  }

  /** Values under `prefix` as of `rev`: undo the newer history, newest first. */
  private stateAt(rev: number, prefix: string): Map<string, KeyValue> {
    const view = new Map<string, KeyValue>();
    for (const [k, v] of this.data) if (k.startsWith(prefix)) view.set(k, v);
    for (let i = this.history.length - 1; i >= 0; i--) {
      const { event: e, prevModRevision } = this.history[i]!;
      if (e.revision <= rev) break;
      if (!e.key.startsWith(prefix)) continue;
      if (e.type === 'create') view.delete(e.key);
      else view.set(e.key, { key: e.key, value: e.prevValue!, createRevision: e.createRevision, modRevision: prevModRevision });
    }
    return view;
  }

  private check(): void {
    if (this.closed) throw new StoreError('Closed', 'store is closed');
  }
}

interface HistoryEvent {
  event: StoreEvent;
  /** modRevision the key had before this change (update/delete), to rebuild older states. */
  prevModRevision: number;
}

export function compactedError(rev: number, compacted: number): StoreError {
  return new StoreError('Compacted', `required revision ${rev} has been compacted (compacted revision ${compacted})`);
}

function conflict(key: string, expected: number, cur: KeyValue): StoreError {
  return new StoreError('Conflict', `modRevision of ${key} is ${cur.modRevision}, expected ${expected}`, { ...cur });
}

/** Byte-wise key order, as etcd and SQLite's BINARY collation sort. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
