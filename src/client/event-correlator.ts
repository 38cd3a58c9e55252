// What an event recorder writes for each event it is asked to record, as client-go's
// EventCorrelator (tools/record) decides it. Pure: the clock is passed in. Three steps, in
// upstream's order:
//   1. aggregate: once 10 events from one source about one object differ only by message within
//      10 minutes, further ones become a single event "(combined from similar events): <message>";
//   2. de-duplicate: an event seen before (same source, object, type, reason, message — or the same
//      aggregate) bumps the existing event's count instead of creating another;
//   3. spam filter: a source may write 25 events about one object, then 1 more every 5 minutes
//      (a token bucket per source and object); what is filtered is not written at all, though its
//      count still goes into the next write.
// So a 100-replica StatefulSet leaves 25 events about the set, not 200, as on Kubernetes.

/** The parts of a core/v1 Event that correlation looks at. */
export interface EventFacts {
  component: string;
  host: string;
  involvedObject: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; fieldPath?: string };
  type: string;
  reason: string;
  message: string;
}

/** What to write: nothing, a new Event, or a patch of the Event already written under `key`. */
export type Correlation =
  | { action: 'skip' }
  | { action: 'create'; key: string; message: string; count: number; firstTimestamp: number }
  | { action: 'patch'; key: string; message: string; count: number; firstTimestamp: number; name: string };

const LRU_ENTRIES = 4096;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const SPAM_BURST = 25;
const SPAM_QPS = 1 / 300;

/** A Map that forgets its least recently used entry beyond `max` (upstream's groupcache lru). */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) { this.m.delete(k); this.m.set(k, v); }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
}

interface Observation { count: number; firstTimestamp: number; name: string }

export class EventCorrelator {
  private readonly aggregates = new Lru<{ messages: Set<string>; last: number }>(LRU_ENTRIES);
  private readonly observed = new Lru<Observation>(LRU_ENTRIES);
  private readonly buckets = new Lru<{ tokens: number; at: number }>(LRU_ENTRIES);

  correlate(e: EventFacts, now: number): Correlation {
    const o = e.involvedObject;
    // keys as upstream's (getSpamKey, EventAggregatorByReasonFunc, getEventKey), NUL-separated
    const object = `${e.component}\0${e.host}\0${o.kind}\0${o.namespace}\0${o.name}\0${o.uid}\0${o.apiVersion}`;
    // 1. aggregate by (source, object, type, reason); the message tells the events apart
    const aggKey = `${object}\0${e.type}\0${e.reason}`;
    let agg = this.aggregates.get(aggKey);
    if (!agg || now - agg.last > AGGREGATE_INTERVAL_MS) agg = { messages: new Set(), last: now };
    agg.messages.add(e.message);
    agg.last = now;
    this.aggregates.set(aggKey, agg);
    let key = `${aggKey}\0${o.fieldPath}\0${e.message}`;
    let message = e.message;
    if (agg.messages.size >= AGGREGATE_MAX_EVENTS) {
      agg.messages.delete(agg.messages.values().next().value!); // stay at the threshold
      key = aggKey;
      message = `(combined from similar events): ${e.message}`;
    }
    // 2. de-duplicate against what this recorder saw under the same key
    // (an event seen but never written, because it was filtered, is created with its count)
    const seen = this.observed.get(key);
    const count = (seen?.count ?? 0) + 1;
    const firstTimestamp = seen?.firstTimestamp ?? now;
    const out: Correlation = seen?.name
      ? { action: 'patch', key, message, count, firstTimestamp, name: seen.name }
      : { action: 'create', key, message, count, firstTimestamp };
    this.observed.set(key, { count, firstTimestamp, name: seen?.name ?? '' });
    // 3. the spam filter: a token bucket per (source, object), full at first
    let b = this.buckets.get(object);
    if (!b) b = { tokens: SPAM_BURST, at: now };
    b.tokens = Math.min(SPAM_BURST, b.tokens + ((now - b.at) / 1000) * SPAM_QPS);
    b.at = now;
    this.buckets.set(object, b);
    if (b.tokens < 1) return { action: 'skip' };
    b.tokens -= 1;
    return out;
  }

  /** Records the Event the server holds under `key` after a write (its name and count). */
  written(key: string, name: string, count: number, firstTimestamp: number): void {
    this.observed.set(key, { count, firstTimestamp, name });
  }
}
