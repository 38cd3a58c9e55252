// Shared pieces of the StatefulSet end-to-end tests (statefulset-*.test.ts): each test file starts
// its own cluster with the harness and drives it with the real kubectl only, as the upstream e2e
// tests and the "StatefulSet Basics" tutorial do. Pods are run by the node agent's simulated
// runtime; readiness is steered with the sim annotations (src/node/runtime/sim.ts).
import assert from 'node:assert/strict';
import { startCluster, type Cluster, type KubectlStream, type RunResult } from './harness.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * startCluster, retried once when `ordinal up` dies before listening: bin/ordinal rebuilds dist/
 * when src/ is newer, and a build running concurrently (another test file, another developer)
 * can swap the chunks under a starting process (ERR_MODULE_NOT_FOUND). A second failure is real.
 */
export async function startSetCluster(): Promise<Cluster> {
  try {
    current = await startCluster();
  } catch (e) {
    if (!/exited before (listening|ready)/.test(String(e))) throw e;
    await sleep(2000);
    current = await startCluster();
  }
  return current;
}

/** c.start() after a stop/kill, with the same single retry as startSetCluster. */
export async function startAgain(c: Cluster): Promise<void> {
  try {
    await c.start();
  } catch (e) {
    if (!/exited before (listening|ready)/.test(String(e))) throw e;
    await sleep(2000);
    await c.start();
  }
}

/** The cluster of this test file (one per file), for diagnostics when a wait times out. */
let current: Cluster | undefined;

export function ok(r: RunResult): string {
  assert.equal(r.code, 0, `kubectl failed\n${r.all}`);
  return r.stdout;
}

/** kubectl that must succeed; returns stdout. */
export async function k(c: Cluster, ...args: string[]): Promise<string> {
  const r = await c.kubectl(args, { timeoutMs: 60_000 });
  if (r.code !== 0) assert.fail(`kubectl failed\n${r.all}\n${await diagnose(c)}`);
  return r.stdout;
}

/** What the cluster looked like when a step failed: pods, sets, recent events, server output. */
export async function diagnose(c: Cluster): Promise<string> {
  const get = async (...args: string[]) => {
    const r = await c.kubectl(args, { timeoutMs: 15_000 }).catch((e) => ({ all: String(e), stdout: '' }));
    return r.stdout || r.all;
  };
  return [
    '--- pods ---',
    await get('get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name} uid={.metadata.uid} phase={.status.phase} deletionTimestamp={.metadata.deletionTimestamp} finalizers={.metadata.finalizers} node={.spec.nodeName} containers={.status.containerStatuses[*].state}{"\\n"}{end}'),
    '--- statefulsets ---',
    await get('get', 'sts', '-o', 'jsonpath={range .items[*]}{.metadata.name} gen={.metadata.generation} status={.status}{"\\n"}{end}'),
    '--- events ---',
    (await get('get', 'events', '--sort-by=.lastTimestamp')).split('\n').slice(-25).join('\n'),
    c.logs(),
  ].join('\n');
}

/**
 * `kubectl delete pod …` (names or `-l selector`), then waits as kubectl would: until each deleted
 * pod is gone or replaced (a new uid). kubectl's own wait is switched off because it has a race
 * (kubectl/pkg/cmd/wait IsDeleted): it GETs the pod, then LISTs and WATCHes by name; a pod that a
 * controller deletes and re-creates between that GET and that LIST is never seen to go, and kubectl
 * waits for ever. A node that stops pods in milliseconds (the sim runtime) hits it under load.
 */
export async function deletePods(c: Cluster, ...args: string[]): Promise<string> {
  const got = await getJson(c, 'pods', ...args);
  const before: { name: string; uid: string }[] = (got.items ?? [got]).map((p: any) => ({ name: p.metadata.name, uid: p.metadata.uid }));
  const out = await k(c, 'delete', 'pods', '--wait=false', ...args);
  await waitFor(`deleted pods ${before.map((p) => p.name).join(',')} to go`, async () => {
    const now = new Map(((await getJson(c, 'pods')).items as any[]).map((p) => [p.metadata.name, p.metadata.uid]));
    return before.every((p) => now.get(p.name) !== p.uid);
  });
  return out;
}

export async function getJson(c: Cluster, ...args: string[]): Promise<any> {
  return JSON.parse(await k(c, 'get', ...args, '-o', 'json'));
}

/** Polls fn until it returns a truthy value; fails with the last value (and describe) on timeout. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const diag = current ? await diagnose(current) : '';
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}; last: ${last instanceof Error ? last.stack : JSON.stringify(last)}\n${diag}`);
    }
    await sleep(everyMs);
  }
}

export const isReady = (p: any): boolean =>
  p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True');

export async function pods(c: Cluster, selector: string): Promise<any[]> {
  const list = await getJson(c, 'pods', '-l', selector);
  return (list.items as any[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name, 'en', { numeric: true }));
}

/**
 * Waits until the set has exactly `names` as pods, all Running and Ready, and its status says so
 * (observedGeneration caught up, replicas == readyReplicas == names.length). Returns the pods.
 */
export async function waitSetReady(c: Cluster, set: string, selector: string, names: string[], timeoutMs = 60_000): Promise<any[]> {
  return waitFor(`${set} to have Ready pods ${names.join(',')}`, async () => {
    const s = await getJson(c, 'sts', set);
    const st = s.status ?? {};
    if (st.observedGeneration !== s.metadata.generation) return false;
    if (st.replicas !== names.length || (st.readyReplicas ?? 0) !== names.length) return false;
    const ps = await pods(c, selector);
    if (ps.map((p) => p.metadata.name).join(',') !== names.join(',')) return false;
    return ps.every(isReady) ? ps : false;
  }, timeoutMs);
}

export interface WatchEvent {
  type: string;
  name: string;
  uid: string;
  phase: string;
  ready: string;
  deleting: boolean;
  image: string;
  rev: string;
}

// One line per watch event: type, name, uid, phase, Ready condition, deletionTimestamp, image, revision label.
const WATCH_JSONPATH =
  'jsonpath={.type}|{.object.metadata.name}|{.object.metadata.uid}|{.object.status.phase}|{.object.status.conditions[?(@.type=="Ready")].status}|{.object.metadata.deletionTimestamp}|{.object.spec.containers[0].image}|{.object.metadata.labels.controller-revision-hash}{"\\n"}';

/** `kubectl get pods -w --output-watch-events` for a selector, parsed into events. */
export class PodWatch {
  readonly stream: KubectlStream;
  constructor(c: Cluster, selector: string) {
    this.stream = c.kubectlStream(['get', 'pods', '-w', '-l', selector, '--output-watch-events', '-o', WATCH_JSONPATH]);
  }
  events(): WatchEvent[] {
    return this.stream
      .stdout()
      .split('\n')
      .filter((l) => l.includes('|'))
      .map((l) => {
        const [type, name, uid, phase, ready, del, image, rev] = l.split('|');
        return { type: type!, name: name!, uid: uid!, phase: phase!, ready: ready!, deleting: !!del, image: image!, rev: rev! };
      });
  }
  /** Waits until the listing has started (the initial ADDED events, or nothing for an empty selector). */
  async started(): Promise<void> {
    await sleep(1000);
  }
  stop(): Promise<void> {
    return this.stream.stop();
  }
  dump(): string {
    return this.stream.stdout() + this.stream.stderr();
  }
}

/** Index of the first event matching pred at or after `from` (-1 if none). */
export function indexOf(events: WatchEvent[], pred: (e: WatchEvent) => boolean, from = 0): number {
  for (let i = from; i < events.length; i++) if (pred(events[i]!)) return i;
  return -1;
}

/** The pod names in the order their first ADDED event (with a new uid) appears after `from`. */
export function creationOrder(events: WatchEvent[], known: Set<string>): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'ADDED' && !known.has(e.uid)) {
      known.add(e.uid);
      out.push(e.name);
    }
  }
  return out;
}

export const SERVICE = (name: string, app: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    app: ${app}
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: ${app}
`;

export interface SetOptions {
  name?: string;
  app?: string;
  service?: string;
  replicas?: number;
  image?: string;
  claims?: boolean;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** raw YAML lines for spec.updateStrategy (indented under it) */
  updateStrategy?: string;
  /** pod template annotations */
  podAnnotations?: Record<string, string>;
  /** set annotations */
  annotations?: Record<string, string>;
  retention?: { whenDeleted: 'Retain' | 'Delete'; whenScaled: 'Retain' | 'Delete' };
}

/** The tutorial's web StatefulSet, with the knobs the scenarios need. */
export function setYaml(o: SetOptions = {}): string {
  const name = o.name ?? 'web';
  const app = o.app ?? 'nginx';
  const ann = (m: Record<string, string> | undefined, indent: string) =>
    m && Object.keys(m).length ? `${indent}annotations:\n${Object.entries(m).map(([key, v]) => `${indent}  ${key}: ${JSON.stringify(v)}`).join('\n')}\n` : '';
  return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
${ann(o.annotations, '  ')}spec:
  serviceName: "${o.service ?? 'nginx'}"
  replicas: ${o.replicas ?? 2}
${o.podManagementPolicy ? `  podManagementPolicy: ${o.podManagementPolicy}\n` : ''}${o.updateStrategy ? `  updateStrategy:\n${o.updateStrategy}` : ''}${
    o.retention ? `  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: ${o.retention.whenDeleted}\n    whenScaled: ${o.retention.whenScaled}\n` : ''
  }  selector:
    matchLabels:
      app: ${app}
  template:
    metadata:
      labels:
        app: ${app}
${ann(o.podAnnotations, '      ')}    spec:
      containers:
      - name: nginx
        image: ${o.image ?? 'registry.k8s.io/nginx-slim:0.21'}
        ports:
        - containerPort: 80
          name: web
${
    o.claims === false
      ? ''
      : `        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
`
  }`;
}

export const IMAGE_PATCH = (image: string) => `[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"${image}"}]`;
