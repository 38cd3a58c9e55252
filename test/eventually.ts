// Polling for tests: calls f until it returns a value other than undefined, null or false, or the
// time is up. A throw counts as "not yet" (the object may not exist yet); the timeout error names
// what was awaited, the last failure and whatever context the test adds (server logs, history).
export interface EventuallyOptions {
  timeoutMs?: number;
  everyMs?: number;
  context?: () => string;
}

export async function eventually<T>(what: string, f: () => Promise<T | undefined | null | false>, opts: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const ctx = opts.context?.();
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}${ctx ? `\n${ctx}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}
