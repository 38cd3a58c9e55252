// EventRecorder: writes core/v1 Events about an object, as upstream's record.EventRecorder does,
// after upstream's correlation (event-correlator.ts): repeats bump one Event's count, so
// `kubectl describe` shows "(x13 over 23m)"; similar events are combined after 10; a source writes
// at most 25 events about one object, then one every 5 minutes. Recording never throws: events
// are best effort.
import type { KubeObject } from '../machinery/object.js';
import { isApiError } from '../machinery/errors.js';
import type { Client } from './types.js';
import { R } from './types.js';
import { EventCorrelator } from './event-correlator.js';

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export class EventRecorder implements Recorder {
  private readonly correlator = new EventCorrelator();
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: Client, private readonly component: string, private readonly host = '') {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    // Writes are serialised, as upstream's broadcaster does per sink, so correlation sees the
    // previous write's outcome; callers never wait.
    this.pending = this.pending.then(() => this.write(obj, type, reason, message)).catch(() => undefined);
  }

  /** Resolves once every event recorded so far has been written (for tests and shutdown). */
  flush(): Promise<void> {
    return this.pending.then(() => undefined);
  }

  private async write(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default';
    const involvedObject = {
      apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name,
      uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion,
    };
    const nowMs = Date.now();
    const c = this.correlator.correlate({ component: this.component, host: this.host, involvedObject, type, reason, message }, nowMs);
    if (c.action === 'skip') return;
    const now = new Date(nowMs).toISOString();
    if (c.action === 'patch') {
      try {
        await this.client.patch(R.events, namespace, c.name, 'merge', { count: c.count, lastTimestamp: now, message: c.message });
        return;
      } catch (e) {
        // gone (TTL, deleted): create it again, as upstream does; other errors drop this one
        if (!isApiError(e, 'NotFound')) return;
      }
    }
    // upstream's name: the object's name and the time in nanoseconds, in hex
    const name = `${obj.metadata.name}.${(nowMs * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
    const first = new Date(c.firstTimestamp).toISOString();
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason,
      message: c.message,
      type,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      firstTimestamp: first,
      lastTimestamp: now,
      count: c.count,
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
    await this.client.create(R.events, namespace, ev as unknown as KubeObject);
    this.correlator.written(c.key, name, c.count, c.firstTimestamp);
  }
}

/** A recorder that keeps events in memory (tests). */
export class MemoryRecorder implements Recorder {
  readonly events: { object: string; type: EventType; reason: string; message: string }[] = [];
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object: `${obj.metadata.namespace}/${obj.metadata.name}`, type, reason, message });
  }
}
