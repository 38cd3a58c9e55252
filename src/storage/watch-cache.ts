// WatchCache: one per resource prefix (`/registry/pods/`). It primes itself from a store list,
// then follows store.watch, and serves LIST (latest state) and WATCH (from a revision) from memory:
// the current objects plus a bounded window of recent events. A watch from a revision older than
// the window fails with 410 Expired ("too old resource version: X (Y)", upstream's words), which
// tells clients to re-list. When the store watch fails (e.g. the revision it follows was
// compacted, or etcd went away), the cache ends its watchers (they re-watch), re-lists and starts a
// fresh window.
import type { KeyValue, Store, StoreEvent, WatchHandle } from './store.js';
import { StoreError } from './store.js';
import { ApiError, errors } from '../machinery/errors.js';
import { cmp } from './memory.js';

export interface WatchCacheOptions {
  /** Events kept for watch-from-revision (default 1000). */
  windowSize?: number;
  /** How often bookmark-wanting watchers get a bookmark (default 10 s). */
  bookmarkIntervalMs?: number;
  /** Delay before re-listing after the store watch failed (default 200 ms, doubling up to 5 s). */
  retryDelayMs?: number;
  /** Reports store watch failures and re-lists (default: silent). */
  log?: (msg: string) => void;
  /**
   * How listConsistent gets a fresh list: 'progress' waits until the cache caught up with the
   * store's revision (using progress notifications); 'store' reads the store directly, as upstream
   * does when etcd's requested progress notifications are not ordered with events (etcd#15220,
   * fixed in 3.4.25 — Debian ships 3.4.23). Default: 'store' for etcd, 'progress' otherwise.
   */
  consistentReads?: 'progress' | 'store';
}

export interface CacheListOptions {
  /** Narrower prefix inside the cache's prefix (e.g. one namespace: `/registry/pods/default/`). */
  prefix?: string;
  limit?: number;
  startAfter?: string;
}

export interface CacheListResult {
  items: KeyValue[];
  /** The cache revision this list reflects (use as the list's resourceVersion). */
  revision: number;
  more: boolean;
  /** Keys after the returned page (for `remainingItemCount`). */
  remaining: number;
}

export interface CacheWatchOptions {
  /** Narrower prefix inside the cache's prefix. */
  prefix?: string;
  /** Deliver periodic onBookmark(revision). */
  bookmarks?: boolean;
}

export interface CacheWatchCallbacks {
  /** Events in revision order. For a watch from revision 0, first the current state as 'create' events (key order). */
  onEvents(events: StoreEvent[]): void;
  /** Everything up to `revision` has been delivered (a BOOKMARK). */
  onBookmark?(revision: number): void;
  /**
   * The watch ended. `err` is an ApiError the client should see (410 Expired), or undefined when
   * the cache restarted and the client should simply watch again from its last revision.
   */
  onClose(err?: ApiError): void;
}

export interface CacheWatchHandle { cancel(): void }

interface CacheWatcher {
  prefix: string;
  cb: CacheWatchCallbacks;
  bookmarks: boolean;
  /** Highest event revision queued (dedupe); bookmarks do not move it. */
  lastRevision: number;
  /** Highest bookmark sent, so bookmarks never go backwards. */
  lastBookmark: number;
  queue: StoreEvent[];
  scheduled: boolean;
  done: boolean;
}

export class WatchCache {
  readonly prefix: string;
  /** Resolves once the first list has been loaded and the store watch started. */
  ready: Promise<void>;
  private readonly items = new Map<string, KeyValue>();
  private sortedKeys: string[] | undefined;
  private window: StoreEvent[] = [];
  /** A watch from any revision >= this can be served from the window. */
  private windowStart = 0;
  private rev = 0;
  /** Highest revision applied from the list or an event (progress notifications do not move it). */
  private applied = 0;
  private primed = false;
  private primedWaiters: Array<() => void> = [];
  private storeWatch: WatchHandle | undefined;
  private readonly watchers = new Set<CacheWatcher>();
  private readonly waiters: Array<{ rev: number; resolve: () => void }> = [];
  private readonly windowSize: number;
  private readonly bookmarkTimer: NodeJS.Timeout;
  private retryDelay: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly store: Store, prefix: string, private readonly opts: WatchCacheOptions = {}) {
    this.prefix = prefix;
    this.windowSize = Math.max(1, opts.windowSize ?? 1000);
    this.retryDelay = opts.retryDelayMs ?? 200;
    this.ready = this.whenPrimed();
    this.primeWithRetry();
    this.bookmarkTimer = setInterval(() => this.bookmarkTick(), opts.bookmarkIntervalMs ?? 10_000);
    this.bookmarkTimer.unref();
  }

  /** True while the cache holds a primed, followed copy (for /readyz). */
  get isReady(): boolean { return this.primed && !this.closed; }

  /** The latest revision the cache has caught up with. */
  get revision(): number { return this.rev; }

  /** Oldest revision a watch can start from. */
  get oldestRevision(): number { return this.windowStart; }

  /**
   * The cached state of `key` now, without waiting (undefined when unknown or not primed). May lag
   * the store by the events not yet applied; callers use it only as a guess they verify.
   */
  peek(key: string): KeyValue | undefined {
    return this.primed && !this.closed ? this.items.get(key) : undefined;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    await this.whenPrimed();
    const kv = this.items.get(key);
    return kv && { ...kv };
  }

  /** Latest state from memory, in key order, paged. */
  async list(opts: CacheListOptions = {}): Promise<CacheListResult> {
    await this.whenPrimed();
    const prefix = this.subPrefix(opts.prefix);
    const keys = this.keys();
    // binary search the first key >= max(prefix, startAfter+)
    let i = lowerBound(keys, prefix);
    if (opts.startAfter !== undefined && opts.startAfter >= prefix) {
      i = lowerBound(keys, opts.startAfter);
      if (keys[i] === opts.startAfter) i++;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const items: KeyValue[] = [];
    let j = i;
    for (; j < keys.length && keys[j]!.startsWith(prefix) && items.length < limit; j++) items.push({ ...this.items.get(keys[j]!)! });
    let remaining = 0;
    for (let k = j; k < keys.length && keys[k]!.startsWith(prefix); k++) remaining++;
    return { items, revision: this.rev, more: remaining > 0, remaining };
  }

  /**
   * A list that reflects every write acknowledged before the call (upstream's consistent read
   * from cache): learns the store's revision, then waits until the cache has caught up with it.
   */
  async listConsistent(opts: CacheListOptions = {}, timeoutMs = 3000): Promise<CacheListResult> {
    if ((this.opts.consistentReads ?? (this.store.kind === 'etcd' ? 'store' : 'progress')) === 'store') {
      const prefix = this.subPrefix(opts.prefix);
      const page = await this.store.list(prefix, { limit: opts.limit, startAfter: opts.startAfter });
      // remaining is exact for a first page; after startAfter it is only known to be >= 1
      const remaining = !page.more ? 0 : opts.startAfter === undefined ? (await this.store.count(prefix)) - page.items.length : 1;
      return { items: page.items, revision: page.revision, more: page.more, remaining };
    }
    await this.whenPrimed();
    await this.waitForRevision(await this.store.currentRevision(), timeoutMs);
    return this.list(opts);
  }

  /**
   * Resolves when the cache has seen everything up to `revision` (asking the store for a progress
   * notification, since the revision may belong to another prefix). Rejects with 504 Timeout
   * ("Too large resource version") if it does not catch up in time.
   */
  async waitForRevision(revision: number, timeoutMs = 3000): Promise<void> {
    await this.whenPrimed();
    if (this.rev >= revision) return;
    this.store.requestProgress?.();
    await new Promise<void>((resolve, reject) => {
      const w = { rev: revision, resolve: () => { clearTimeout(t); resolve(); } };
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(errors.timeout(`Too large resource version: ${revision}, current: ${this.rev}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /**
   * Watches keys under the cache prefix (or a narrower one) for changes after `fromRevision`.
   * fromRevision 0 means "now, starting with the current state". A revision older than the window
   * ends the watch at once with 410 Expired.
   */
  watch(fromRevision: number, cb: CacheWatchCallbacks, opts: CacheWatchOptions = {}): CacheWatchHandle {
    const w: CacheWatcher = {
      prefix: this.subPrefix(opts.prefix), cb, bookmarks: !!opts.bookmarks,
      lastRevision: fromRevision, lastBookmark: 0, queue: [], scheduled: false, done: false,
    };
    const start = () => {
      if (w.done) return;
      if (this.closed) { w.done = true; queueMicrotask(() => cb.onClose()); return; }
      if (fromRevision === 0) {
        // the current state as synthetic creates, then everything after the cache revision
        const initial: StoreEvent[] = [];
        for (const k of this.keys()) {
          if (!k.startsWith(w.prefix)) continue;
          const kv = this.items.get(k)!;
          initial.push({ type: 'create', key: k, value: kv.value, revision: kv.modRevision, createRevision: kv.createRevision });
        }
        w.lastRevision = this.rev;
        w.queue.push(...initial);
        this.schedule(w);
      } else if (fromRevision < this.windowStart) {
        w.done = true;
        const err = errors.expired(`too old resource version: ${fromRevision} (${this.windowStart})`);
        queueMicrotask(() => cb.onClose(err));
        return;
      } else {
        this.enqueue(w, this.window.filter((e) => e.revision > fromRevision));
      }
      this.watchers.add(w);
    };
    // before the first prime there is nothing to serve yet; start as soon as it is there
    if (this.primed) start();
    else void this.whenPrimed().then(start);
    return { cancel: () => { w.done = true; w.queue = []; this.watchers.delete(w); } };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.bookmarkTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.storeWatch?.cancel();
    this.endWatchers();
    for (const r of this.primedWaiters.splice(0)) r();
  }

  // --- internals ---

  /** Resolves once the cache is primed (or closed). */
  private whenPrimed(): Promise<void> {
    if (this.primed || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.primedWaiters.push(resolve));
  }

  private primeWithRetry(): void {
    this.retryTimer = undefined;
    if (this.closed) return;
    this.prime().then(
      () => { for (const r of this.primedWaiters.splice(0)) r(); },
      (e) => {
        this.opts.log?.(`watch cache ${this.prefix}: list failed: ${(e as Error).message}; retrying in ${this.retryDelay} ms`);
        this.retryTimer = setTimeout(() => this.primeWithRetry(), this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, 5000);
      },
    );
  }

  private subPrefix(p: string | undefined): string {
    if (p === undefined) return this.prefix;
    if (!p.startsWith(this.prefix)) throw new Error(`watch cache ${this.prefix}: prefix ${p} is outside the cache`);
    return p;
  }

  private keys(): string[] {
    this.sortedKeys ??= [...this.items.keys()].sort(cmp);
    return this.sortedKeys;
  }

  /** Lists the store (paged) and follows it from the list revision. */
  private async prime(): Promise<void> {
    this.primed = false;
    this.items.clear();
    this.sortedKeys = undefined;
    let startAfter: string | undefined;
    let revision = 0;
    for (;;) {
      const page = await this.store.list(this.prefix, { limit: 5000, startAfter, revision: revision || undefined });
      revision = page.revision;
      for (const kv of page.items) this.items.set(kv.key, kv);
      if (!page.more || !page.items.length) break;
      startAfter = page.items[page.items.length - 1]!.key;
    }
    if (this.closed) return;
    this.rev = revision;
    this.applied = revision;
    this.window = [];
    this.windowStart = revision;
    this.primed = true;
    this.retryDelay = this.opts.retryDelayMs ?? 200;
    this.storeWatch = this.store.watch(this.prefix, revision, {
      onEvents: (evs) => this.apply(evs),
      onError: (err) => this.onStoreError(err),
      onProgress: (r) => this.advance(r),
    });
    this.releaseWaiters();
  }

  private apply(events: StoreEvent[]): void {
    if (this.closed) return;
    for (const e of events) {
      // dedupe against what was applied, not against `rev`: a progress notification that
      // overtook its events (etcd#15220) must not make the cache drop them
      if (e.revision <= this.applied) continue;
      if (e.type === 'delete') {
        if (this.items.delete(e.key) && this.sortedKeys) {
          const i = lowerBound(this.sortedKeys, e.key);
          if (this.sortedKeys[i] === e.key) this.sortedKeys.splice(i, 1);
        }
      } else {
        // keep the sorted key index up to date in place (a splice, not a re-sort per change)
        if (!this.items.has(e.key) && this.sortedKeys) this.sortedKeys.splice(lowerBound(this.sortedKeys, e.key), 0, e.key);
        this.items.set(e.key, { key: e.key, value: e.value, createRevision: e.createRevision, modRevision: e.revision });
      }
      this.window.push(e);
      this.applied = e.revision;
      if (e.revision > this.rev) this.rev = e.revision;
    }
    if (this.window.length > this.windowSize) {
      const drop = this.window.length - this.windowSize;
      this.windowStart = this.window[drop - 1]!.revision;
      this.window = this.window.slice(drop);
    }
    for (const w of this.watchers) this.enqueue(w, events);
    this.releaseWaiters();
  }

  /** A progress notification: nothing under the prefix changed up to `revision`. */
  private advance(revision: number): void {
    if (revision > this.rev) this.rev = revision;
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.rev <= this.rev) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  private onStoreError(err: StoreError): void {
    if (this.closed) return;
    this.opts.log?.(`watch cache ${this.prefix}: store watch failed (${err.code}: ${err.message}); re-listing`);
    this.storeWatch = undefined;
    // watchers re-watch from their last revision; if that is older than the new window they get 410
    this.endWatchers();
    this.primed = false;
    this.primeWithRetry();
  }

  private endWatchers(): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.done = true;
      w.queue = [];
      queueMicrotask(() => w.cb.onClose());
    }
  }

  private bookmarkTick(): void {
    if (!this.primed || this.closed) return;
    let any = false;
    for (const w of this.watchers) if (w.bookmarks) { any = true; break; }
    if (!any) return;
    // ask the store for progress so the bookmark revision moves even when this prefix is idle;
    // the bookmark itself goes out with what the cache knows now
    this.store.requestProgress?.();
    for (const w of this.watchers) {
      if (!w.bookmarks || w.done) continue;
      const rev = this.rev;
      // a bookmark must never precede events still queued for this watcher
      this.schedule(w, () => { if (!w.done && rev >= w.lastRevision && rev > w.lastBookmark) { w.lastBookmark = rev; w.cb.onBookmark?.(rev); } });
    }
  }

  private enqueue(w: CacheWatcher, events: StoreEvent[]): void {
    if (w.done) return;
    for (const e of events) {
      if (e.revision <= w.lastRevision || !e.key.startsWith(w.prefix)) continue;
      w.queue.push(e);
      w.lastRevision = e.revision;
    }
    if (w.queue.length) this.schedule(w);
  }

  private schedule(w: CacheWatcher, after?: () => void): void {
    if (w.scheduled && !after) return;
    if (!w.scheduled) w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      if (w.done) return;
      if (w.queue.length) {
        const batch = w.queue;
        w.queue = [];
        try {
          w.cb.onEvents(batch);
        } catch {
          // a broken consumer (e.g. a closed HTTP response) ends only its own watch
          w.done = true;
          this.watchers.delete(w);
          w.cb.onClose();
          return;
        }
      }
      after?.();
    });
  }
}

/** First index whose key is >= k. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
