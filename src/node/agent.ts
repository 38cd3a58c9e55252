// The node agent (the kubelet's job): registers the Node, keeps its Lease and status fresh, and
// runs one PodWorker per pod bound to it (informer on pods with spec.nodeName=<node>). On start it
// lists the runtime's sandboxes, adopts those of live pods and removes the rest.
import os from 'node:os';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import type { Pod, Node, NodeCondition, Service, ConfigMap, Secret, PersistentVolumeClaim, PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../machinery/object.js';
import { isApiError } from '../machinery/errors.js';
import type { Client, ResourceRef } from '../client/types.js';
import { R } from '../client/types.js';
import { Informer } from '../client/informer.js';
import { filteredInformer, sharedOrOwn, type SharedInformer, type SharedInformers } from '../client/shared-informers.js';
import { EventRecorder, type Recorder } from '../client/events.js';
import type { Runtime } from './runtime/types.js';
import { SimRuntime, type SimOptions } from './runtime/sim.js';
import { Backoff, INITIAL_BACKOFF_MS, MAX_BACKOFF_MS } from './backoff.js';
import { ProbeManager, kindTitle } from './probes.js';
import { PodWorker, LABEL_POD_UID, type WorkerContext } from './pod-worker.js';
import { VERSION } from '../version.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseLogQuery, serveLog } from './logs.js';

/** The API server's connect hook, structurally (node code does not import the apiserver). */
export type PodConnectHandler = (info: { resource: string; namespace?: string; name?: string; subresource?: string }, req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

export const KUBELET_VERSION = 'v1.32.0';
export const CLUSTER_CIDR = '10.244.0.0/16';

export interface NodeAgentOptions {
  client: Client;
  nodeName?: string;
  dataDir: string;
  /** A runtime to use (else one is made: the sim needs the node's pod CIDR first). */
  runtime?: Runtime;
  runtimeKind?: 'sim' | 'cri';
  sim?: Omit<SimOptions, 'podCIDR'>;
  clusterDNS?: string[];
  clusterDomain?: string;
  /** Base resolv.conf for Default/host policies (default: the host's /etc/resolv.conf). */
  hostResolvConf?: string;
  nodeIP?: string;
  labels?: Record<string, string>;
  /** Streaming server port published as status.daemonEndpoints.kubeletEndpoint.Port (default 10250). */
  kubeletPort?: number;
  /** Extra Node annotations set at registration (e.g. the streaming certificate's fingerprint). */
  annotations?: Record<string, string>;
  /** Pod capacity (upstream --max-pods, default 110); more than ~250 needs a wider podCIDRMaskSize. */
  maxPods?: number;
  /** Size of the node's pod CIDR within 10.244.0.0/16 (default 24; 22 fits 1,000 pods). */
  podCIDRMaskSize?: number;
  leaseDurationSeconds?: number;
  leaseRenewMs?: number;
  statusUpdateMs?: number;
  /** Resync of every pod worker (level-triggered safety net and timers). */
  syncMs?: number;
  crashBackoffMs?: { initial: number; max: number };
  imageBackoffMs?: { initial: number; max: number };
  probeSecondMs?: number;
  log?: (msg: string) => void;
  recorder?: Recorder;
  /**
   * The process's shared informers, for an agent in the API server's process: its pods are then a
   * view of the shared pod cache filtered by spec.nodeName instead of a watch and cache of its own
   * (10 in-process nodes would otherwise hold every pod twice).
   */
  informers?: SharedInformers;
}

const as = <T>(o: unknown) => o as T;
const microTime = (d = new Date()) => d.toISOString().replace(/Z$/, '000Z');
const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function defaultNodeIP(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function osImage(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1]!;
  } catch { /* not Linux-like */ }
  return `${os.type()} ${os.release()}`;
}

const goArch = (a: string) => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' }[a] ?? a);

const ipNum = (ip: string) => ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const ipStr = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
function cidrRange(c: string): [number, number] | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(c);
  if (!m) return undefined;
  const size = 2 ** (32 - Number(m[2]));
  const start = Math.floor(ipNum(m[1]!) / size) * size;
  return [start, start + size - 1];
}

/**
 * The first block of the cluster CIDR (a /24 by default, as upstream's --node-cidr-mask-size) that
 * overlaps no other node's pod CIDR.
 */
export function choosePodCIDR(used: string[], clusterCIDR = CLUSTER_CIDR, maskSize = 24): string {
  const cluster = cidrRange(clusterCIDR);
  if (!cluster) throw new Error(`invalid cluster CIDR ${clusterCIDR}`);
  const size = 2 ** (32 - maskSize);
  const taken = used.map(cidrRange).filter((r): r is [number, number] => !!r);
  for (let start = cluster[0]; start + size - 1 <= cluster[1]; start += size) {
    const end = start + size - 1;
    if (!taken.some(([a, b]) => a <= end && start <= b)) return `${ipStr(start)}/${maskSize}`;
  }
  throw new Error(`no free /${maskSize} left in ${clusterCIDR}`);
}

/** Node conditions as the kubelet reports them while healthy; transition times kept when unchanged. */
export function nodeConditions(old: NodeCondition[] | undefined, now: Date): NodeCondition[] {
  const want: [string, 'True' | 'False', string, string][] = [
    ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
    ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
    ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
    ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
  ];
  return want.map(([type, status, reason, message]) => {
    const prev = old?.find((c) => c.type === type);
    return {
      type, status, reason, message,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
    };
  });
}

export class NodeAgent {
  readonly nodeName: string;
  runtime!: Runtime;
  podCIDR = '';
  nodeIP: string;
  private readonly o: NodeAgentOptions;
  private readonly log: (m: string) => void;
  private readonly recorder: Recorder;
  private readonly workers = new Map<string, PodWorker>();
  private readonly informers: SharedInformer[] = [];
  /** Removes the handlers start() registered. */
  private readonly unsubscribe: (() => void)[] = [];
  private pods!: SharedInformer;
  private probes!: ProbeManager;
  private timers: NodeJS.Timeout[] = [];
  private node?: Node;
  private stopped = false;
  private capacity: Record<string, string>;

  constructor(opts: NodeAgentOptions) {
    this.o = opts;
    this.nodeName = (opts.nodeName ?? os.hostname()).toLowerCase();
    this.nodeIP = opts.nodeIP ?? defaultNodeIP();
    this.log = opts.log ?? (() => {});
    this.recorder = opts.recorder ?? new EventRecorder(opts.client, 'kubelet', this.nodeName);
    this.capacity = {
      cpu: String(os.cpus().length || 1),
      memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
      pods: String(opts.maxPods ?? 110),
      'ephemeral-storage': '100Gi',
    };
  }

  /** Registers the node, starts the runtime, informers, workers, lease and status loops. */
  async start(): Promise<void> {
    mkdirSync(this.o.dataDir, { recursive: true });
    await this.register();
    this.runtime = this.o.runtime ?? this.makeRuntime();
    await this.renewLease();
    const c = this.o.client;
    const shared = this.o.informers;
    const informer = (r: ResourceRef) => sharedOrOwn(shared, c, r);
    this.pods = shared
      ? filteredInformer(shared.informer(R.pods), (p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === this.nodeName)
      : new Informer(c, R.pods, { fieldSelector: `spec.nodeName=${this.nodeName}` });
    const services = informer(R.services);
    const configmaps = informer(R.configmaps);
    const secrets = informer(R.secrets);
    const pvcs = informer(R.persistentvolumeclaims);
    const pvs = informer(R.persistentvolumes);
    this.informers.push(this.pods, services, configmaps, secrets, pvcs, pvs);
    const kickPod = (p: KubeObject) => this.kick(as<Pod>(p));
    this.unsubscribe.push(this.pods.addHandlers({ add: kickPod, update: (_o, n) => kickPod(n), delete: kickPod }));
    // A claim binding or a ConfigMap appearing may unblock waiting pods.
    for (const inf of [pvcs, configmaps, secrets]) this.unsubscribe.push(inf.addHandlers({ add: () => this.kickAll(), update: () => this.kickAll() }));
    for (const inf of this.informers) inf.start();
    await Promise.all(this.informers.map((i) => i.waitForSync()));

    this.probes = new ProbeManager(this.runtime, {
      changed: (podKey) => this.kickKey(podKey),
      failed: (podKey, _cid, kind, output) => {
        const [ns, name] = podKey.split('/');
        const pod = this.pods.get(ns, name!);
        if (pod) this.recorder.event(pod, 'Warning', 'Unhealthy', `${kindTitle(kind)} probe failed: ${output}`);
      },
    }, { secondMs: this.o.probeSecondMs });
    const cb = this.o.crashBackoffMs ?? { initial: INITIAL_BACKOFF_MS, max: MAX_BACKOFF_MS };
    const ib = this.o.imageBackoffMs ?? { initial: INITIAL_BACKOFF_MS, max: MAX_BACKOFF_MS };
    const byKey = <T>(inf: SharedInformer) => (ns: string, name: string) => as<T | undefined>(inf.get(ns, name));
    this.ctx = {
      client: c,
      runtime: this.runtime,
      recorder: this.recorder,
      nodeName: this.nodeName,
      hostIPs: () => [this.nodeIP],
      dataDir: this.o.dataDir,
      clusterDNS: this.o.clusterDNS ?? ['10.96.0.10'],
      clusterDomain: this.o.clusterDomain ?? 'cluster.local',
      hostResolvConf: this.o.hostResolvConf ?? (existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : ''),
      crashBackoff: new Backoff(cb.initial, cb.max),
      imageBackoff: new Backoff(ib.initial, ib.max),
      probes: this.probes,
      env: {
        configMap: byKey<ConfigMap>(configmaps),
        secret: byKey<Secret>(secrets),
        get services() {
          return as<Service[]>(services.list());
        },
        nodeAllocatable: this.capacity,
      },
      volumes: {
        configMap: byKey<ConfigMap>(configmaps),
        secret: byKey<Secret>(secrets),
        pvc: byKey<PersistentVolumeClaim>(pvcs),
        pv: (name) => as<PersistentVolume | undefined>(pvs.get(undefined, name)),
        nodeAllocatable: this.capacity,
      },
      getPod: (ns, name) => as<Pod | undefined>(this.pods.get(ns, name)),
      admittedPods: () => [...this.workers.values()].filter((w) => w.admitted && !w.rejected && !w.done)
        .map((w) => as<Pod | undefined>(this.pods.get(w.namespace, w.name))).filter((p): p is Pod => !!p && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'),
      log: this.log,
      now: Date.now,
    };
    await this.adoptOrRemoveSandboxes();
    this.kickAll();
    const every = (ms: number, f: () => Promise<void> | void) => {
      const t = setInterval(() => {
        if (this.stopped) return;
        Promise.resolve(f()).catch((e) => this.log(`node agent ${this.nodeName}: ${(e as Error).message}`));
      }, ms);
      t.unref?.();
      this.timers.push(t);
    };
    every(this.o.leaseRenewMs ?? 10_000, () => this.renewLease());
    every(this.o.statusUpdateMs ?? 10_000, () => this.updateNodeStatus());
    every(this.o.syncMs ?? 1000, () => this.relist());
    this.recorder.event(as<KubeObject>({ apiVersion: 'v1', kind: 'Node', metadata: { name: this.nodeName, uid: this.nodeName } }), 'Normal', 'Starting', 'Starting kubelet.');
    this.log(`node agent ${this.nodeName} ready (pod CIDR ${this.podCIDR}, runtime ${this.runtime.name})`);
  }

  private ctx!: WorkerContext;

  private makeRuntime(): Runtime {
    if ((this.o.runtimeKind ?? 'sim') === 'cri') throw new Error('the cri runtime (containerd) is not implemented yet; use --runtime sim');
    return new SimRuntime({ podCIDR: this.podCIDR, ...(this.o.sim ?? {}) });
  }

  private nodeObject(existing?: Node): Node {
    const now = new Date();
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: this.nodeName,
        labels: {
          ...(existing?.metadata?.labels ?? {}),
          'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': goArch(os.arch()),
          'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': goArch(os.arch()),
          ...(this.o.labels ?? {}),
        },
        annotations: { ...(existing?.metadata?.annotations ?? {}), 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...(this.o.annotations ?? {}) },
      },
      spec: { ...(existing?.spec ?? {}), podCIDR: this.podCIDR, podCIDRs: [this.podCIDR] },
      status: this.nodeStatus(existing, now),
    };
  }

  private nodeStatus(existing: Node | undefined, now: Date): Node['status'] {
    return {
      capacity: { ...this.capacity },
      allocatable: { ...this.capacity },
      conditions: nodeConditions(existing?.status?.conditions, now),
      addresses: [{ type: 'InternalIP', address: this.nodeIP }, { type: 'Hostname', address: this.nodeName }],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort ?? 10250 } },
      nodeInfo: {
        machineID: readId('/etc/machine-id'), systemUUID: readId('/sys/class/dmi/id/product_uuid'), bootID: readId('/proc/sys/kernel/random/boot_id'),
        kernelVersion: os.release(), osImage: osImage(),
        containerRuntimeVersion: this.runtimeVersion || `${this.o.runtimeKind ?? 'sim'}://${VERSION.ordinal}`,
        kubeletVersion: KUBELET_VERSION, kubeProxyVersion: KUBELET_VERSION, operatingSystem: 'linux', architecture: goArch(os.arch()),
      },
    };
  }

  private runtimeVersion = '';

  private async register(): Promise<void> {
    const c = this.o.client;
    let existing: Node | undefined;
    try {
      existing = await c.get<KubeObject>(R.nodes, undefined, this.nodeName) as unknown as Node;
    } catch (e) {
      if (!(isApiError(e) && e.code === 404)) throw e;
    }
    if (existing?.spec?.podCIDR) this.podCIDR = existing.spec.podCIDR;
    else {
      const nodes = (await c.list(R.nodes, undefined)).items.map((n) => as<Node>(n));
      this.podCIDR = choosePodCIDR(nodes.flatMap((n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])), CLUSTER_CIDR, this.o.podCIDRMaskSize ?? 24);
    }
    if (this.o.runtime) {
      const v = await this.o.runtime.version();
      this.runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
    } else this.runtimeVersion = `ordinal-sim://${VERSION.ordinal}`;
    if (!existing) {
      this.node = as<Node>(await c.create(R.nodes, undefined, this.nodeObject() as unknown as KubeObject));
      this.log(`registered node ${this.nodeName}`);
    } else {
      const want = this.nodeObject(existing);
      this.node = as<Node>(await c.update(R.nodes, undefined, { ...want, metadata: { ...want.metadata, resourceVersion: existing.metadata?.resourceVersion } } as unknown as KubeObject));
      await this.updateNodeStatus();
    }
  }

  /** Heartbeat: a fresh status (conditions, capacity) through /status. */
  async updateNodeStatus(): Promise<void> {
    const c = this.o.client;
    let cur: Node;
    try {
      cur = as<Node>(await c.get(R.nodes, undefined, this.nodeName));
    } catch (e) {
      // Someone deleted our Node: register again (the kubelet does the same).
      if (isApiError(e) && e.code === 404) {
        this.node = as<Node>(await c.create(R.nodes, undefined, this.nodeObject() as unknown as KubeObject));
        this.log(`re-registered node ${this.nodeName}`);
        return;
      }
      throw e;
    }
    const updated = { ...cur, status: { ...(cur.status ?? {}), ...this.nodeStatus(cur, new Date()) } };
    this.node = as<Node>(await c.updateStatus(R.nodes, undefined, updated as unknown as KubeObject));
  }

  async renewLease(): Promise<void> {
    const c = this.o.client;
    const spec = { holderIdentity: this.nodeName, leaseDurationSeconds: this.o.leaseDurationSeconds ?? 40, renewTime: microTime() };
    try {
      const lease = await c.get(R.leases, 'kube-node-lease', this.nodeName);
      await c.update(R.leases, 'kube-node-lease', { ...lease, spec: { ...(lease as { spec?: object }).spec, ...spec } } as KubeObject);
    } catch (e) {
      if (!(isApiError(e) && e.code === 404)) throw e;
      await c.create(R.leases, 'kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: {
          name: this.nodeName, namespace: 'kube-node-lease',
          ownerReferences: this.node?.metadata?.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.node.metadata.uid }] : undefined,
        },
        spec,
      } as KubeObject);
    }
  }

  /** After a restart: sandboxes of live pods are adopted, the rest removed. */
  private async adoptOrRemoveSandboxes(): Promise<void> {
    const live = new Map(this.pods.list().map((p) => [p.metadata.uid!, as<Pod>(p)]));
    for (const sb of await this.runtime.listPodSandboxes()) {
      const uid = sb.labels[LABEL_POD_UID];
      const pod = uid ? live.get(uid) : undefined;
      if (pod && !this.workers.has(uid!)) {
        const w = new PodWorker(this.ctx, pod);
        await w.adopt(sb.id);
        this.workers.set(uid!, w);
        this.log(`adopted sandbox ${sb.id.slice(0, 12)} of pod ${pod.metadata?.namespace}/${pod.metadata?.name}`);
      } else {
        for (const ct of await this.runtime.listContainers(sb.id)) await this.runtime.stopContainer(ct.id, 0).catch(() => {});
        await this.runtime.removePodSandbox(sb.id).catch(() => {});
        this.log(`removed orphaned sandbox ${sb.id.slice(0, 12)}`);
      }
    }
  }

  private kick(pod: Pod): void {
    if (this.stopped || !this.ctx) return;
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let w = this.workers.get(uid);
    if (!w) {
      // A pod already gone or finished needs no worker.
      const cur = this.pods.get(pod.metadata!.namespace!, pod.metadata!.name!);
      if (!cur || cur.metadata.uid !== uid) return;
      w = new PodWorker(this.ctx, pod);
      this.workers.set(uid, w);
    }
    const worker = w;
    void worker.kick().then(() => {
      if (worker.done) this.workers.delete(worker.uid);
    });
  }

  /**
   * The periodic re-sync (the kubelet's PLEG relist + sync loop): workers whose containers changed
   * state in the runtime, and workers still in flight, are synced; settled pods cost one lookup.
   */
  private async relist(): Promise<void> {
    if (this.stopped || !this.ctx) return;
    const states = new Map((await this.runtime.listContainers()).map((c) => [c.id, c.state as string]));
    for (const p of this.pods.list()) {
      const w = this.workers.get(p.metadata.uid!);
      if (!w || !w.settled || w.changedIn(states)) this.kick(as<Pod>(p));
    }
    for (const w of this.workers.values()) {
      const cur = this.pods.get(w.namespace, w.name);
      if (!cur || cur.metadata.uid !== w.uid) void w.kick().then(() => { if (w.done) this.workers.delete(w.uid); });
    }
  }

  private kickKey(podKey: string): void {
    const [ns, name] = podKey.split('/');
    const p = this.pods.get(ns, name!);
    if (p) this.kick(as<Pod>(p));
  }

  private kickAll(): void {
    if (this.stopped || !this.ctx) return;
    for (const p of this.pods.list()) this.kick(as<Pod>(p));
    // Workers whose pod vanished from the cache clean up on their next sync.
    for (const w of this.workers.values()) if (!this.pods.get(w.namespace, w.name) || this.pods.get(w.namespace, w.name)!.metadata.uid !== w.uid) {
      void w.kick().then(() => { if (w.done) this.workers.delete(w.uid); });
    }
  }

  /** Serves pods/log for pods on this node (exec/attach/portforward come with the streaming work). */
  connectHandler(): PodConnectHandler {
    return async (info, req, res) => {
      if (info.resource !== 'pods' || info.subresource !== 'log' || !info.name || !this.pods) return false;
      const pod = as<Pod | undefined>(this.pods.get(info.namespace ?? 'default', info.name));
      if (!pod) return false;
      const worker = this.workers.get(pod.metadata!.uid!);
      if (!worker) return false;
      req.resume();
      const q = parseLogQuery(new URL(req.url ?? '/', 'http://x').searchParams);
      const names = (pod.spec?.containers ?? []).map((c) => c.name);
      const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
      let container = q.container;
      if (!container) {
        if (names.length === 1) container = names[0]!;
        else {
          sendStatus(res, 400, 'BadRequest', `a container name must be specified for pod ${info.name}, choose one of: [${names.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`);
          return true;
        }
      }
      if (!names.includes(container) && !inits.includes(container)) {
        sendStatus(res, 400, 'BadRequest', `container ${container} is not valid for pod ${info.name}`);
        return true;
      }
      const f = worker.logFile(container, q.previous);
      if ('error' in f) {
        sendStatus(res, 400, 'BadRequest', f.error);
        return true;
      }
      await serveLog(res, f.path, q, f.running);
      return true;
    };
  }

  /** Pods with a worker (tests, debugging). */
  podCount(): number {
    return this.workers.size;
  }

  /** Stops the agent; the runtime keeps its containers (a restarted agent adopts them). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    // Shared informers go on after us: take our handlers off them.
    for (const off of this.unsubscribe) off();
    for (const i of this.informers) i.stop();
    this.probes?.stop();
    if (!this.o.runtime) await this.runtime?.close();
  }
}

function readId(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().replace(/-/g, '');
  } catch {
    return '';
  }
}
