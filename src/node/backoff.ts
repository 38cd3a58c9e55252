// Per-key exponential back-off as the kubelet uses it (upstream util/flowcontrol.Backoff):
// CrashLoopBackOff for restarting containers and ImagePullBackOff for image pulls — 10 s doubling
// to 5 min; an entry untouched for twice the maximum (10 min, e.g. a container that ran that long)
// starts over at 10 s. Times are passed in, so it is pure and testable.

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

interface Entry { backoffMs: number; lastUpdate: number }

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly initialMs = INITIAL_BACKOFF_MS, readonly maxMs = MAX_BACKOFF_MS) {}

  private expired(e: Entry, eventTime: number): boolean {
    return eventTime - e.lastUpdate > 2 * this.maxMs;
  }

  /** The current back-off of a key (0 = none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a failure at eventTime: starts at the initial delay, else doubles up to the maximum. */
  next(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    const backoffMs = !e || this.expired(e, eventTime) ? this.initialMs : Math.min(e.backoffMs * 2, this.maxMs);
    this.entries.set(key, { backoffMs, lastUpdate: eventTime });
    return backoffMs;
  }

  /** Whether a failure at eventTime is still inside its back-off window at `now`. */
  isInBackOffSince(key: string, eventTime: number, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) return false;
    return now - eventTime < e.backoffMs;
  }

  /** Whether `now` is inside the window that started at the last recorded failure. */
  isInBackOffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now)) return false;
    return now - e.lastUpdate < e.backoffMs;
  }

  /** When the window that began at eventTime ends (for timers). */
  remaining(key: string, eventTime: number, now: number): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, eventTime + e.backoffMs - now) : 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops keys that match (a pod's keys when the pod goes away). */
  forget(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Drops entries idle for more than twice the maximum (upstream GC). */
  gc(now: number): void {
    for (const [k, e] of this.entries) if (this.expired(e, now)) this.entries.delete(k);
  }
}

/** Formats a back-off like Go's time.Duration String() for whole seconds/minutes: 10s, 1m20s, 5m0s. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s % 60}s`;
}
