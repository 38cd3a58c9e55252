// The loop every controller runs over its work queue: take a key, sync it, forget it on success
// (optionally look again after a delay), back off on failure. Conflicts and vanished objects are
// expected in a level-triggered world and are retried without noise.
import { isApiError } from '../machinery/errors.js';
import type { WorkQueue } from './workqueue.js';

export interface WorkerOptions {
  /** Prefix for log lines, e.g. 'endpoints'. */
  name: string;
  workers?: number;
  log?: (msg: string) => void;
  /** Errors retried silently (default: Conflict, NotFound, AlreadyExists). */
  quiet?: (err: unknown) => boolean;
  /** Errors after which the key is dropped instead of retried (default: none). */
  drop?: (err: unknown) => boolean;
}

const expected = (e: unknown) => isApiError(e, 'Conflict') || isApiError(e, 'NotFound') || isApiError(e, 'AlreadyExists');

/**
 * Starts `workers` loops (default 2). `sync` may return a delay in ms to look at the key again
 * (minReadySeconds, deadlines). Returns a stop function; the queue is shut down by the caller.
 */
export function runWorkers(queue: WorkQueue, sync: (key: string) => Promise<number | void | undefined>, opts: WorkerOptions): { stop(): void } {
  let stopped = false;
  const quiet = opts.quiet ?? expected;
  async function loop(): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined || stopped) return;
      try {
        const again = await sync(key);
        queue.forget(key);
        if (typeof again === 'number' && again > 0) queue.addAfter(key, again);
      } catch (e) {
        if (!quiet(e)) opts.log?.(`${opts.name} ${key}: ${(e as Error).message}`);
        if (!opts.drop?.(e)) queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  }
  for (let i = 0; i < (opts.workers ?? 2); i++) void loop();
  return { stop: () => { stopped = true; } };
}
