// EventRecorder: writes core/v1 Events about an object, as upstream's record.EventRecorder does.
// Repeats of the same (object, type, reason, message) within the recorder's lifetime are
// aggregated into one Event whose count and lastTimestamp are bumped, so `kubectl describe`
// shows "(x13 over 23m)". Recording never throws: events are best effort.
import type { KubeObject } from '../machinery/object.js';
import type { Client } from './types.js';
import { R } from './types.js';

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

export class EventRecorder implements Recorder {
  private readonly seen = new Map<string, Seen>();
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: Client, private readonly component: string, private readonly host = '') {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    // Serialise writes so aggregation sees the previous create; callers never wait.
    this.pending = this.pending.then(() => this.write(obj, type, reason, message)).catch(() => undefined);
  }

  /** Resolves once every event recorded so far has been written (for tests and shutdown). */
  flush(): Promise<void> {
    return this.pending.then(() => undefined);
  }

  private async write(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default';
    const now = new Date().toISOString();
    const key = [obj.metadata.uid, obj.kind, namespace, obj.metadata.name, type, reason, message].join('\u0000');
    const prev = this.seen.get(key);
    if (prev) {
      prev.count += 1;
      try {
        await this.client.patch(R.events, prev.namespace, prev.name, 'merge', { count: prev.count, lastTimestamp: now });
        return;
      } catch {
        this.seen.delete(key); // gone (TTL) or unreadable: start a new event
      }
    }
    const name = `${obj.metadata.name}.${(Date.now() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name,
        uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
    await this.client.create(R.events, namespace, ev as unknown as KubeObject);
    this.seen.set(key, { name, namespace, count: 1, firstTimestamp: now });
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
  }
}

/** A recorder that keeps events in memory (tests). */
export class MemoryRecorder implements Recorder {
  readonly events: { object: string; type: EventType; reason: string; message: string }[] = [];
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object: `${obj.metadata.namespace}/${obj.metadata.name}`, type, reason, message });
  }
}
