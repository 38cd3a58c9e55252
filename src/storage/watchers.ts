// In-process watch fan-out shared by the memory and SQLite stores. Each watcher owns a queue so
// that a replay (history) and live events arrive strictly in revision order, delivered
// asynchronously (a microtask after the write resolved) so a slow consumer never runs inside a
// writer's critical section.
import type { StoreEvent, WatchCallbacks, WatchHandle } from './store.js';
import { StoreError } from './store.js';

interface Watcher {
  prefix: string;
  cb: WatchCallbacks;
  queue: StoreEvent[];
  /** Highest revision queued so far, to drop live events a replay already covered. */
  lastRevision: number;
  scheduled: boolean;
  done: boolean;
  /** A progress notification to send after the queued events. */
  progress?: number;
}

export class WatcherSet {
  private readonly watchers = new Set<Watcher>();

  get size(): number { return this.watchers.size; }

  /**
   * Registers a watcher. `replay` are the history events already matching the prefix (revision >
   * fromRevision); they are delivered first. `fromRevision` also filters live events.
   */
  add(prefix: string, fromRevision: number, cb: WatchCallbacks, replay: StoreEvent[]): WatchHandle {
    const w: Watcher = { prefix, cb, queue: [], lastRevision: fromRevision, scheduled: false, done: false };
    this.watchers.add(w);
    this.enqueue(w, replay);
    return { cancel: () => { w.done = true; w.queue = []; this.watchers.delete(w); } };
  }

  /** Fails a single watcher without registering it (e.g. Compacted), asynchronously like delivery. */
  static failLater(cb: WatchCallbacks, err: StoreError): WatchHandle {
    let cancelled = false;
    queueMicrotask(() => { if (!cancelled) cb.onError(err); });
    return { cancel: () => { cancelled = true; } };
  }

  /** Events committed in revision order. */
  publish(events: StoreEvent[]): void {
    if (!this.watchers.size || !events.length) return;
    for (const w of this.watchers) {
      const mine = events.filter((e) => e.key.startsWith(w.prefix));
      if (mine.length) this.enqueue(w, mine);
    }
  }

  /** Queues onProgress(revision) behind whatever each watcher has queued. */
  progress(revision: number): void {
    for (const w of this.watchers) {
      w.progress = revision;
      if (!w.scheduled) {
        w.scheduled = true;
        queueMicrotask(() => this.flush(w));
      }
    }
  }

  /** Stops every watcher with an error (store closed). */
  failAll(err: StoreError): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.queue = [];
      w.done = true;
      queueMicrotask(() => w.cb.onError(err));
    }
  }

  private enqueue(w: Watcher, events: StoreEvent[]): void {
    for (const e of events) {
      if (e.revision <= w.lastRevision) continue;
      w.queue.push(e);
      w.lastRevision = e.revision;
    }
    if (w.queue.length && !w.scheduled) {
      w.scheduled = true;
      queueMicrotask(() => this.flush(w));
    }
  }

  private flush(w: Watcher): void {
    w.scheduled = false;
    if (w.done) return;
    const batch = w.queue;
    w.queue = [];
    const progress = w.progress;
    w.progress = undefined;
    try {
      if (batch.length) w.cb.onEvents(batch);
      if (progress !== undefined && !w.done) w.cb.onProgress?.(Math.max(progress, w.lastRevision));
    } catch (err) {
      // A throwing consumer must not break other watchers or the writer; report and stop it.
      w.done = true;
      this.watchers.delete(w);
      w.cb.onError(new StoreError('Unavailable', `watch consumer failed: ${(err as Error).message}`));
    }
  }
}
