// Periodic compaction for any Store: keeps the newest `keepRevisions` revisions of history and
// forgets the rest, so that heartbeat-style churn (the same few keys rewritten forever) does not
// grow storage without bound. The watch cache above the store keeps its own bounded window, so
// history here only needs to cover watchers that are briefly behind.
import type { Store } from './store.js';

export interface CompactorOptions {
  /** How often to compact (default 60 s). */
  intervalMs?: number;
  /** How many of the most recent revisions stay readable (default 10,000). */
  keepRevisions?: number;
  /** Called when a compaction fails (default: ignored; the next tick retries). */
  onError?: (err: unknown) => void;
}

export interface Compactor {
  /** Runs one compaction pass now (also what the timer does). Resolves to the revision compacted to, or 0. */
  runOnce(): Promise<number>;
  stop(): void;
}

export function startCompactor(store: Store, opts: CompactorOptions = {}): Compactor {
  const intervalMs = opts.intervalMs ?? 60_000;
  const keep = Math.max(0, opts.keepRevisions ?? 10_000);
  let running: Promise<number> | undefined;

  const runOnce = (): Promise<number> => {
    // one pass at a time; a tick that finds one running just waits for it
    running ??= (async () => {
      try {
        const current = await store.currentRevision();
        const compacted = await store.compactedRevision();
        const target = current - keep;
        if (target <= compacted) return 0;
        await store.compact(target);
        return target;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const timer = setInterval(() => { runOnce().catch((e) => opts.onError?.(e)); }, intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
