// One pod's life on the node (the kubelet's pod worker + SyncPod): serialised per pod and
// level-triggered — every sync looks at the pod as the API has it and at the runtime, and takes
// the next steps: admission, volumes, sandbox, image pulls, init containers in order, containers,
// restarts with back-off, probes, graceful termination, cleanup. The status it writes is computed
// by ./status.ts (pure) from what the worker knows.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, Container, ContainerPort } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../machinery/object.js';
import { isApiError } from '../machinery/errors.js';
import type { Client } from '../client/types.js';
import { R } from '../client/types.js';
import type { Recorder } from '../client/events.js';
import type { Runtime, PodSandboxConfig, ContainerStatus as RtStatus, Mount, PortMapping } from './runtime/types.js';
import { RuntimeError } from './runtime/types.js';
import { computePodStatus, statusEqual, type ContainerView } from './status.js';
import { containerEnv, expandCommand, ContainerConfigError, type EnvSources } from './env.js';
import { setUpPodVolumes, tearDownPodVolumes, VolumeNotReady, podDir, type VolumeSources, type PodVolumes } from './volumes.js';
import { podResolvConf, podHostsFile, podHostnameAndDomain } from './pod-dns.js';
import type { Backoff } from './backoff.js';
import { goDuration } from './backoff.js';
import type { ProbeManager } from './probes.js';

const OWN_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_CONTAINER_TYPE = 'ordinal.dev/container-type';

/** What every pod worker shares (the agent provides it). */
export interface WorkerContext {
  client: Client;
  runtime: Runtime;
  recorder: Recorder;
  nodeName: string;
  hostIPs: () => string[];
  dataDir: string;
  clusterDNS: string[];
  clusterDomain: string;
  hostResolvConf: string;
  crashBackoff: Backoff;
  imageBackoff: Backoff;
  probes: ProbeManager;
  env: Omit<EnvSources, 'podIPs' | 'hostIPs' | 'nodeName' | 'hostname'>;
  volumes: VolumeSources;
  /** The pod as the informer has it now (undefined = gone). */
  getPod(namespace: string, name: string): Pod | undefined;
  /** Pods admitted on this node (for the hostPort admission check). */
  admittedPods(): Pod[];
  log(msg: string): void;
  now(): number;
}

interface ContainerRecord {
  current?: RtStatus;
  previous?: RtStatus;
  restartCount: number;
  waiting?: { reason: string; message?: string };
}

const podRef = (p: Pod) => `${p.metadata?.name}_${p.metadata?.namespace}(${p.metadata?.uid})`;
const asObj = (p: Pod) => p as unknown as KubeObject;

function fmtPullDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s` : `${ms}ms`;
}

/** hostPort conflicts (upstream NodePorts): same port and protocol on an overlapping host IP. */
export function hostPortConflict(pod: Pod, others: Pod[]): boolean {
  const want = hostPorts(pod);
  if (want.length === 0) return false;
  const used = others.flatMap(hostPorts);
  const overlap = (a: string, b: string) => a === b || a === '0.0.0.0' || b === '0.0.0.0';
  return want.some((w) => used.some((u) => u.port === w.port && u.protocol === w.protocol && overlap(u.ip, w.ip)));
}

function hostPorts(p: Pod): { port: number; protocol: string; ip: string }[] {
  const ports: ContainerPort[] = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].flatMap((c) => c.ports ?? []);
  return ports.filter((x) => x.hostPort).map((x) => ({ port: x.hostPort!, protocol: x.protocol ?? 'TCP', ip: x.hostIP || '0.0.0.0' }));
}

export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** See isSettled(); false until the first full sync. */
  settled = false;
  /** Set once the pod is admitted (or rejected). */
  admitted = false;
  rejected?: { reason: string; message: string };
  sandboxId?: string;
  private sandboxConfig?: PodSandboxConfig;
  private podIPs: string[] = [];
  private volumes?: PodVolumes;
  private volumesAt = 0;
  private hostsPath?: string;
  private readonly main = new Map<string, ContainerRecord>();
  private readonly init = new Map<string, ContainerRecord>();
  private lastWritten?: Pod['status'];
  /** The pod as our last status write returned it. */
  private lastWrittenPod?: Pod;
  /** Status manager: the newest status asked for, the one still to send, and the write in flight. */
  private requested?: Pod['status'];
  private wanted?: { pod: Pod; status: Pod['status'] };
  private writing?: Promise<void>;
  private lastAnnotations = '';
  private terminating = false;
  /** Finished: containers gone, pod deleted or terminal. */
  done = false;
  private running: Promise<void> | undefined;
  private dirty = false;

  constructor(private readonly ctx: WorkerContext, pod: Pod) {
    this.uid = pod.metadata!.uid!;
    this.namespace = pod.metadata!.namespace ?? 'default';
    this.name = pod.metadata!.name!;
  }

  /** Adopts a sandbox (and its containers) found in the runtime after an agent restart. */
  async adopt(sandboxId: string): Promise<void> {
    const sb = await this.ctx.runtime.podSandboxStatus(sandboxId);
    if (!sb) return;
    this.sandboxId = sandboxId;
    this.admitted = true;
    this.podIPs = sb.ip ? [sb.ip] : [];
    this.lastAnnotations = JSON.stringify(sb.annotations);
    const all = await this.ctx.runtime.listContainers(sandboxId);
    for (const c of all.sort((a, b) => a.attempt - b.attempt)) {
      const map = c.labels[LABEL_CONTAINER_TYPE] === 'init' ? this.init : this.main;
      const rec = map.get(c.name) ?? { restartCount: 0 };
      rec.previous = rec.current;
      rec.current = c;
      rec.restartCount = c.attempt;
      map.set(c.name, rec);
    }
    // The sandbox config is rebuilt from the pod on the next sync (needed to create containers).
  }

  /** Requests a sync; syncs of one pod never overlap, requests during one coalesce. */
  kick(): Promise<void> {
    this.dirty = true;
    if (!this.running) {
      this.running = (async () => {
        while (this.dirty) {
          this.dirty = false;
          try {
            await this.sync();
          } catch (e) {
            this.ctx.log(`pod ${this.namespace}/${this.name}: sync failed: ${(e as Error).message}`);
          }
          // A sync that returned early may leave a status write in flight: idle means written.
          if (!this.dirty && this.writing) await this.writing.catch(() => undefined);
        }
        this.running = undefined;
      })();
    }
    return this.running;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    const pod = this.ctx.getPod(this.namespace, this.name);
    const obj = pod && pod.metadata?.uid === this.uid ? pod : ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: this.name, namespace: this.namespace, uid: this.uid } } as Pod);
    this.ctx.recorder.event(asObj({ apiVersion: 'v1', kind: 'Pod', ...obj }), type, reason, message);
  }

  private async sync(): Promise<void> {
    if (this.done) return;
    const found = this.ctx.getPod(this.namespace, this.name);
    const pod = found && found.metadata?.uid === this.uid ? found : undefined;
    if (!pod) {
      // Gone from the API (force-deleted or finished): nothing may keep running.
      await this.killPod(0);
      this.cleanup();
      this.done = true;
      return;
    }
    // The informer caught up with our last write: the copy we kept for the next write is stale
    // weight (one whole pod per worker at 1,000 pods).
    if (this.lastWrittenPod && Number(this.lastWrittenPod.metadata?.resourceVersion) <= Number(pod.metadata?.resourceVersion)) this.lastWrittenPod = undefined;
    if (pod.metadata?.deletionTimestamp) return this.terminate(pod);
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
      // Terminal: containers stay stopped; the sandbox is released.
      if (this.sandboxId) await this.killPod(0, false);
      return;
    }
    if (!this.admitted) {
      this.admitted = true;
      if (hostPortConflict(pod, this.ctx.admittedPods().filter((p) => p.metadata?.uid !== this.uid))) {
        this.rejected = { reason: 'NodePorts', message: 'Pod was rejected: Predicate NodePorts failed' };
        this.event('Warning', 'NodePorts', 'Predicate NodePorts failed');
      }
    }
    await this.writeStatus(pod, !!this.rejected);
    if (this.rejected) return;
    // activeDeadlineSeconds: the pod fails once it has been active that long (Jobs rely on it).
    const deadline = pod.spec?.activeDeadlineSeconds;
    const started = pod.status?.startTime ?? this.requested?.startTime ?? this.lastWritten?.startTime;
    if (deadline !== undefined && started && this.ctx.now() - Date.parse(started) >= deadline * 1000) {
      this.rejected = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
      this.event('Normal', 'DeadlineExceeded', this.rejected.message);
      await this.killPod(pod.spec?.terminationGracePeriodSeconds ?? 30, false, pod);
      await this.writeStatus(pod);
      return;
    }

    // Volumes before the sandbox (upstream WaitForAttachAndMount).
    // Set up once; configMap/secret/downwardAPI content is refreshed every minute (as the kubelet's periodic sync).
    try {
      if (!this.volumes || this.ctx.now() - this.volumesAt > 60_000) {
        this.volumes = setUpPodVolumes(pod, this.ctx.dataDir, this.ctx.volumes);
        this.volumesAt = this.ctx.now();
      }
    } catch (e) {
      if (!(e instanceof VolumeNotReady)) throw e;
      this.event('Warning', 'FailedMount', `Unable to attach or mount volumes: ${e.message}`);
      return;
    }

    if (!(await this.ensureSandbox(pod))) return;
    const annotations = JSON.stringify(pod.metadata?.annotations ?? {});
    if (annotations !== this.lastAnnotations) {
      this.lastAnnotations = annotations;
      this.ctx.runtime.updatePodAnnotations?.(this.sandboxId!, pod.metadata?.annotations ?? {});
    }
    await this.refresh();

    const policy = pod.spec?.restartPolicy ?? 'Always';
    // Init containers, one at a time, in order (sidecars only need to have started).
    for (const c of pod.spec?.initContainers ?? []) {
      const rec = this.record(this.init, c.name);
      const sidecar = c.restartPolicy === 'Always';
      const st = rec.current?.state;
      if (!sidecar && st === 'CONTAINER_EXITED' && rec.current!.exitCode === 0) continue;
      if (st === 'CONTAINER_RUNNING' || st === 'CONTAINER_CREATED') {
        if (sidecar) { this.watchProbes(pod, c, rec); continue; }
        await this.writeStatus(pod);
        return;
      }
      if (st === 'CONTAINER_EXITED') {
        const restart = sidecar || policy !== 'Never';
        if (!restart) { await this.writeStatus(pod); return; }
        if (!(await this.restartAllowed(pod, c, rec))) { await this.writeStatus(pod); return; }
      }
      await this.startContainer(pod, c, rec, true);
      if (!sidecar) { await this.refresh(); await this.writeStatus(pod); return; }
    }

    for (const c of pod.spec?.containers ?? []) {
      const rec = this.record(this.main, c.name);
      const st = rec.current?.state;
      if (st === 'CONTAINER_RUNNING') {
        const id = rec.current!.id;
        const live = this.ctx.probes.result(id, 'liveness');
        const startup = this.ctx.probes.result(id, 'startup');
        if (live === false || startup === false) {
          const why = live === false ? 'liveness' : 'startup';
          this.event('Normal', 'Killing', `Container ${c.name} failed ${why} probe, will be restarted`);
          this.ctx.probes.remove(id);
          await this.ctx.runtime.stopContainer(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
          await this.refreshOne(rec);
        } else {
          this.watchProbes(pod, c, rec);
          continue;
        }
      }
      if (rec.current?.state === 'CONTAINER_EXITED') {
        this.ctx.probes.remove(rec.current.id);
        const code = rec.current.exitCode ?? 0;
        const restart = policy === 'Always' || (policy === 'OnFailure' && code !== 0);
        if (!restart) continue;
        if (!(await this.restartAllowed(pod, c, rec))) continue;
      } else if (rec.current?.state === 'CONTAINER_CREATED') {
        continue;
      }
      await this.startContainer(pod, c, rec, false);
    }
    await this.refresh();
    await this.writeStatus(pod);
    this.settled = this.isSettled(pod);
  }

  /**
   * Nothing will change without an outside event (pod update, container state change, probe
   * result): every container runs and is ready, or finished for good. Unsettled workers are
   * re-synced on the agent's timer.
   */
  private isSettled(pod: Pod): boolean {
    if (pod.spec?.activeDeadlineSeconds !== undefined) return false; // the deadline needs the timer
    const policy = pod.spec?.restartPolicy ?? 'Always';
    const views = this.views(pod, this.main, pod.spec?.containers ?? []);
    return (pod.spec?.containers ?? []).every((c) => {
      const rec = this.main.get(c.name);
      const v = views[c.name];
      if (!rec?.current || rec.waiting) return false;
      if (rec.current.state === 'CONTAINER_RUNNING') return v?.ready === true;
      if (rec.current.state === 'CONTAINER_EXITED') return policy === 'Never' || (policy === 'OnFailure' && rec.current.exitCode === 0);
      return false;
    });
  }

  /** PLEG: whether the runtime's container states differ from what this worker last saw. */
  changedIn(states: Map<string, string>): boolean {
    for (const rec of [...this.main.values(), ...this.init.values()]) {
      const cur = rec.current;
      if (cur && states.get(cur.id) !== cur.state) return true;
    }
    return false;
  }

  private record(map: Map<string, ContainerRecord>, name: string): ContainerRecord {
    let r = map.get(name);
    if (!r) map.set(name, (r = { restartCount: 0 }));
    return r;
  }

  /** CrashLoopBackOff: false (and a waiting reason) while the container must wait. */
  private async restartAllowed(pod: Pod, c: Container, rec: ContainerRecord): Promise<boolean> {
    const key = `${this.uid}/${c.name}`;
    const finished = rec.current?.finishedAt ?? this.ctx.now();
    if (this.ctx.crashBackoff.isInBackOffSince(key, finished, this.ctx.now())) {
      const msg = `back-off ${goDuration(this.ctx.crashBackoff.get(key))} restarting failed container=${c.name} pod=${podRef(pod)}`;
      if (rec.waiting?.reason !== 'CrashLoopBackOff' || rec.waiting.message !== msg) {
        this.event('Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRef(pod)}`);
      }
      rec.waiting = { reason: 'CrashLoopBackOff', message: msg };
      return false;
    }
    this.ctx.crashBackoff.next(key, finished);
    return true;
  }

  private watchProbes(pod: Pod, c: Container, rec: ContainerRecord): void {
    const cur = rec.current!;
    if (c.startupProbe || c.livenessProbe || c.readinessProbe) {
      this.ctx.probes.add(`${this.namespace}/${this.name}`, c, cur.id, cur.startedAt ?? this.ctx.now(), () => this.podIPs[0]);
    }
    void pod;
  }

  private async ensureSandbox(pod: Pod): Promise<boolean> {
    if (this.sandboxId) {
      const sb = await this.ctx.runtime.podSandboxStatus(this.sandboxId);
      if (sb && sb.state === 'SANDBOX_READY') {
        this.sandboxConfig ??= this.sandboxConfigFor(pod, this.sandboxId ? 1 : 0);
        return true;
      }
      // The sandbox died: every container starts again in a new one (upstream SandboxChanged).
      this.event('Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      if (sb) await this.ctx.runtime.removePodSandbox(this.sandboxId).catch(() => {});
      for (const r of [...this.main.values(), ...this.init.values()]) if (r.current) this.ctx.probes.remove(r.current.id);
      this.sandboxId = undefined;
    }
    const cfg = this.sandboxConfigFor(pod, 0);
    try {
      this.sandboxId = await this.ctx.runtime.runPodSandbox(cfg);
    } catch (e) {
      this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
      return false;
    }
    this.sandboxConfig = cfg;
    const sb = await this.ctx.runtime.podSandboxStatus(this.sandboxId);
    this.podIPs = sb?.ip ? [sb.ip] : pod.spec?.hostNetwork ? this.ctx.hostIPs() : [];
    this.lastAnnotations = JSON.stringify(pod.metadata?.annotations ?? {});
    // /etc/hosts, written once the pod has its IP, bind-mounted into every container. A runtime
    // with an in-memory file system (the sim) keeps it with the sandbox: no file, no mount.
    const hosts = podHostsFile(pod, this.podIPs, this.ctx.clusterDomain, '');
    if (this.ctx.runtime.setHostsFile && !pod.spec?.hostNetwork) {
      this.ctx.runtime.setHostsFile(this.sandboxId, hosts);
      this.hostsPath = undefined;
      return true;
    }
    // Asynchronous: the file system calls run off the event loop, which many pods share.
    const dir = podDir(this.ctx.dataDir, this.uid);
    await mkdir(dir, { recursive: true });
    const hostsPath = join(dir, 'etc-hosts');
    await writeFile(hostsPath, hosts);
    this.hostsPath = hostsPath;
    return true;
  }

  private sandboxConfigFor(pod: Pod, attempt: number): PodSandboxConfig {
    const dns = podResolvConf(pod, { clusterDNS: this.ctx.clusterDNS, clusterDomain: this.ctx.clusterDomain, hostResolvConf: this.ctx.hostResolvConf });
    for (const w of dns.warnings) {
      const [reason, ...rest] = w.split(': ');
      this.event('Warning', reason!, rest.join(': '));
    }
    const { hostname } = podHostnameAndDomain(pod, this.ctx.clusterDomain);
    const portMappings: PortMapping[] = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).map((p) => ({
      protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'], containerPort: p.containerPort,
      ...(p.hostPort ? { hostPort: p.hostPort } : {}), ...(p.hostIP ? { hostIp: p.hostIP } : {}),
    }));
    return {
      metadata: { name: this.name, uid: this.uid, namespace: this.namespace, attempt },
      hostname,
      logDirectory: join(this.ctx.dataDir, 'logs', 'pods', `${this.namespace}_${this.name}_${this.uid}`),
      dnsConfig: { servers: dns.resolv.nameservers, searches: dns.resolv.searches, options: dns.resolv.options },
      portMappings,
      labels: { ...(pod.metadata?.labels ?? {}), [LABEL_POD_UID]: this.uid, [LABEL_POD_NAME]: this.name, [LABEL_POD_NAMESPACE]: this.namespace },
      annotations: { ...(pod.metadata?.annotations ?? {}) },
      hostNetwork: pod.spec?.hostNetwork === true,
    };
  }

  /** Pull, build the config, create and start one container (a new attempt). */
  private async startContainer(pod: Pod, c: Container, rec: ContainerRecord, isInit: boolean): Promise<void> {
    const rt = this.ctx.runtime;
    const image = c.image ?? '';
    const imageKey = `${this.uid}/${image}`;
    const now = this.ctx.now();
    // Image
    const present = await rt.imageStatus(image);
    const policy = c.imagePullPolicy ?? (image.endsWith(':latest') || !/:[^/]+$/.test(image) ? 'Always' : 'IfNotPresent');
    if (present && policy !== 'Always') {
      if (!rec.current) this.event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
    } else if (policy === 'Never') {
      rec.waiting = { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` };
      this.event('Warning', 'ErrImageNeverPull', rec.waiting.message!);
      return;
    } else {
      if (this.ctx.imageBackoff.isInBackOffSinceUpdate(imageKey, now)) {
        const msg = `Back-off pulling image "${image}"`;
        if (rec.waiting?.reason !== 'ImagePullBackOff') this.event('Normal', 'BackOff', msg);
        rec.waiting = { reason: 'ImagePullBackOff', message: msg };
        return;
      }
      this.event('Normal', 'Pulling', `Pulling image "${image}"`);
      const t0 = this.ctx.now();
      try {
        await rt.pullImage(image, this.sandboxConfig);
      } catch (e) {
        const msg = (e as Error).message;
        this.ctx.imageBackoff.next(imageKey, this.ctx.now());
        rec.waiting = { reason: e instanceof RuntimeError && e.reason === 'ErrImagePull' ? 'ErrImagePull' : 'ErrImagePull', message: msg };
        this.event('Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
        this.event('Warning', 'Failed', 'Error: ErrImagePull');
        return;
      }
      const took = fmtPullDuration(this.ctx.now() - t0);
      this.ctx.imageBackoff.reset(imageKey);
      this.event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: 0 bytes.`);
    }
    // Environment (CreateContainerConfigError when a referenced key is missing).
    let env: { name: string; value: string }[];
    try {
      const { hostname } = podHostnameAndDomain(pod, this.ctx.clusterDomain);
      const r = containerEnv(pod, c, { ...this.ctx.env, podIPs: this.podIPs, hostIPs: this.ctx.hostIPs(), nodeName: this.ctx.nodeName, hostname });
      env = r.env;
      for (const w of r.warnings) this.event('Warning', 'InvalidEnvironmentVariableNames', w);
    } catch (e) {
      if (!(e instanceof ContainerConfigError)) throw e;
      if (rec.waiting?.message !== e.message) this.event('Warning', 'Failed', `Error: ${e.message}`);
      rec.waiting = { reason: 'CreateContainerConfigError', message: e.message };
      return;
    }
    let mounts: Mount[];
    try {
      mounts = this.volumes?.mounts(c) ?? [];
    } catch (e) {
      rec.waiting = { reason: 'CreateContainerConfigError', message: (e as Error).message };
      return;
    }
    if (this.hostsPath && !mounts.some((m) => m.containerPath === '/etc/hosts') && !pod.spec?.hostNetwork) {
      mounts.push({ containerPath: '/etc/hosts', hostPath: this.hostsPath });
    }
    const attempt = rec.current ? rec.current.attempt + 1 : 0;
    const { command, args } = expandCommand(c, env);
    let id: string;
    try {
      id = await rt.createContainer(this.sandboxId!, {
        metadata: { name: c.name, attempt },
        image, command, args, workingDir: c.workingDir,
        envs: env.map((e) => ({ key: e.name, value: e.value })),
        mounts,
        labels: { [LABEL_CONTAINER_NAME]: c.name, [LABEL_POD_UID]: this.uid, [LABEL_POD_NAME]: this.name, [LABEL_POD_NAMESPACE]: this.namespace, [LABEL_CONTAINER_TYPE]: isInit ? 'init' : 'main' },
        annotations: {},
        logPath: `${c.name}/${attempt}.log`,
        stdin: c.stdin, stdinOnce: c.stdinOnce, tty: c.tty,
      }, this.sandboxConfig!);
    } catch (e) {
      rec.waiting = { reason: 'CreateContainerError', message: (e as Error).message };
      this.event('Warning', 'Failed', `Error: ${(e as Error).message}`);
      return;
    }
    // The attempt before the previous one is gone for good (upstream keeps one dead container).
    if (rec.previous) await rt.removeContainer(rec.previous.id).catch(() => {});
    if (rec.current) {
      rec.previous = rec.current;
      rec.restartCount++;
    }
    rec.current = await rt.containerStatus(id);
    rec.waiting = undefined;
    this.event('Normal', 'Created', `Created container ${c.name}`);
    try {
      await rt.startContainer(id);
    } catch (e) {
      rec.waiting = { reason: 'RunContainerError', message: (e as Error).message };
      this.event('Warning', 'Failed', `Error: ${(e as Error).message}`);
      return;
    }
    this.event('Normal', 'Started', `Started container ${c.name}`);
    rec.current = await rt.containerStatus(id);
    // postStart (exec): a failure kills the container, which then restarts per the policy.
    const post = c.lifecycle?.postStart?.exec?.command;
    if (post && rec.current?.state === 'CONTAINER_RUNNING') {
      const r = await rt.execSync(id, post, 30).catch((e: Error) => ({ exitCode: 1, stdout: Buffer.alloc(0), stderr: Buffer.from(e.message) }));
      if (r.exitCode !== 0) {
        const out = (r.stderr.toString() || r.stdout.toString()).trim();
        this.event('Warning', 'FailedPostStartHook', `PostStartHook failed: command '${post.join(' ')}' exited with ${r.exitCode}: ${out}`);
        this.event('Normal', 'Killing', `FailedPostStartHook`);
        await rt.stopContainer(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
        rec.current = await rt.containerStatus(id);
        return;
      }
    }
    if (rec.current?.state === 'CONTAINER_RUNNING') this.watchProbes(pod, c, rec);
  }

  private async refreshOne(rec: ContainerRecord): Promise<void> {
    if (!rec.current) return;
    const s = await this.ctx.runtime.containerStatus(rec.current.id);
    if (s) rec.current = s;
  }

  private async refresh(): Promise<void> {
    for (const rec of [...this.main.values(), ...this.init.values()]) {
      await this.refreshOne(rec);
      // An exited container is no longer held back by ContainerCreating-style errors.
      if (rec.waiting?.reason === 'CrashLoopBackOff' && rec.current?.state === 'CONTAINER_RUNNING') rec.waiting = undefined;
    }
  }

  private views(pod: Pod, map: Map<string, ContainerRecord>, specs: Container[]): Record<string, ContainerView> {
    const out: Record<string, ContainerView> = {};
    for (const c of specs) {
      const rec = map.get(c.name);
      if (!rec) continue;
      let ready = false;
      let started = false;
      const cur = rec.current;
      if (cur && cur.state === 'CONTAINER_RUNNING') {
        const sr = this.ctx.probes.result(cur.id, 'startup');
        started = c.startupProbe ? sr === true : true;
        if (c.readinessProbe) ready = started && this.ctx.probes.result(cur.id, 'readiness') === true;
        else ready = started && (this.ctx.runtime.simulatedProbe?.(cur.id, 'readiness', undefined as never) ?? true);
      }
      // Waiting reasons that only hold while the container is not running.
      const waiting = rec.waiting && cur?.state !== 'CONTAINER_RUNNING' ? rec.waiting : undefined;
      out[c.name] = { current: cur, previous: rec.previous, restartCount: rec.restartCount, waiting, ready, started };
    }
    void pod;
    return out;
  }

  /**
   * Computes the status and has it written through /status when it changed. Writes go through a
   * small status manager, as upstream's kubelet: one write in flight per pod, and a newer status
   * computed meanwhile replaces any not yet sent (so they are written in order and coalesce when
   * the API is slow). `wait` = false lets the sync go on (the first write, ContainerCreating, does
   * not hold up the sandbox and containers); the final write of a sync is waited for.
   */
  private async writeStatus(pod: Pod, wait = true): Promise<void> {
    // The informer may not have our last write yet: our own conditions (and start time) come from
    // what we last asked for, so unchanged conditions keep their lastTransitionTime.
    const prev = this.requested ?? this.lastWritten;
    let base: Pod = pod;
    if (prev) {
      const mine = new Map((prev.conditions ?? []).filter((c) => OWN_CONDITIONS.has(c.type)).map((c) => [c.type, c]));
      const conds = (pod.status?.conditions ?? []).filter((c) => !mine.has(c.type));
      base = { ...pod, status: { ...pod.status, startTime: pod.status?.startTime ?? prev.startTime, conditions: [...conds, ...mine.values()] } };
    }
    const status = computePodStatus({
      pod: base,
      now: new Date(this.ctx.now()),
      runtime: this.ctx.runtime.name,
      hostIPs: this.ctx.hostIPs(),
      podIPs: this.sandboxId ? this.podIPs : [],
      sandboxReady: !!this.sandboxId,
      containers: this.views(pod, this.main, pod.spec?.containers ?? []),
      initContainers: this.views(pod, this.init, pod.spec?.initContainers ?? []),
      rejected: this.rejected,
    });
    if (!statusEqual(status, prev) && !(statusEqual(status, pod.status) && !this.writing)) {
      this.requested = status;
      this.wanted = { pod, status };
      if (!this.writing) {
        this.writing = this.flushStatus();
        this.writing.catch((e) => this.ctx.log(`pod ${this.namespace}/${this.name}: status write failed: ${(e as Error).message}`));
      }
    }
    if (wait && this.writing) await this.writing;
  }

  /** Writes the newest wanted status until none is left (one write in flight per pod). */
  private async flushStatus(): Promise<void> {
    try {
      while (this.wanted) {
        const { pod, status } = this.wanted;
        this.wanted = undefined;
        if (statusEqual(status, this.lastWritten)) continue;
        await this.putStatus(pod, status);
      }
    } catch (e) {
      // Not written: the next sync computes and writes again.
      this.wanted = undefined;
      this.requested = this.lastWritten;
      throw e;
    } finally {
      this.writing = undefined;
    }
  }

  private async putStatus(pod: Pod, status: Pod['status']): Promise<void> {
    // The informer often trails our previous write (its watch event is still on the way): send
    // the object that write returned instead, so the update does not conflict and cost a GET.
    let cur = pod;
    const mine = this.lastWrittenPod;
    if (mine && mine.metadata?.uid === pod.metadata?.uid && Number(mine.metadata?.resourceVersion) > Number(pod.metadata?.resourceVersion)) cur = mine;
    for (let i = 0; i < 3; i++) {
      try {
        this.lastWrittenPod = await this.ctx.client.updateStatus(R.pods, this.namespace, { ...asObj(cur), status } as KubeObject) as unknown as Pod;
        this.lastWritten = status;
        return;
      } catch (e) {
        if (isApiError(e) && e.code === 404) return;
        if (!(isApiError(e) && e.code === 409)) throw e;
        cur = await this.ctx.client.get<KubeObject>(R.pods, this.namespace, this.name) as unknown as Pod;
        if (cur.metadata?.uid !== this.uid) return;
      }
    }
  }

  /** Stops every container (SIGTERM, then SIGKILL after `grace`) and the sandbox. */
  private async killPod(grace: number, remove = true, pod?: Pod): Promise<void> {
    const rt = this.ctx.runtime;
    const recs = [...this.main.entries(), ...this.init.entries()];
    await Promise.all(recs.map(async ([name, rec]) => {
      const cur = rec.current;
      if (!cur) return;
      this.ctx.probes.remove(cur.id);
      const s = await rt.containerStatus(cur.id);
      if (s && s.state === 'CONTAINER_RUNNING') {
        if (pod) {
          const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
          await this.preStop(pod, spec, cur.id, grace);
          this.event('Normal', 'Killing', `Stopping container ${name}`);
        }
        await rt.stopContainer(cur.id, grace);
      }
      rec.current = (await rt.containerStatus(cur.id)) ?? cur;
      rec.waiting = undefined;
    }));
    if (this.sandboxId) {
      await rt.stopPodSandbox(this.sandboxId).catch(() => {});
      if (remove) {
        await rt.removePodSandbox(this.sandboxId).catch(() => {});
        this.sandboxId = undefined;
      }
    }
  }

  private async preStop(pod: Pod, c: Container | undefined, id: string, grace: number): Promise<void> {
    const h = c?.lifecycle?.preStop;
    if (!h) return;
    try {
      if (h.exec?.command) {
        const r = await this.ctx.runtime.execSync(id, h.exec.command, grace);
        if (r.exitCode !== 0) this.event('Warning', 'FailedPreStopHook', `PreStopHook failed: command '${h.exec.command.join(' ')}' exited with ${r.exitCode}: ${r.stderr.toString() || r.stdout.toString()}`);
      } else if (h.sleep) {
        await new Promise((r) => setTimeout(r, Math.min(Number(h.sleep!.seconds) * 1000, grace * 1000)));
      } else if (h.httpGet && this.ctx.runtime.name === 'cri' && this.podIPs[0]) {
        const port = typeof h.httpGet.port === 'number' ? h.httpGet.port : Number(h.httpGet.port);
        await fetch(`http://${h.httpGet.host || this.podIPs[0]}:${port}${h.httpGet.path ?? '/'}`, { signal: AbortSignal.timeout(grace * 1000) }).catch(() => {});
      }
    } catch (e) {
      this.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${(e as Error).message}`);
    }
    void pod;
  }

  /** deletionTimestamp set: preStop, stop with the grace period, release, then finish the deletion. */
  private async terminate(pod: Pod): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.killPod(grace, false, pod);
    await this.writeStatus(pod).catch(() => {});
    if (this.sandboxId) {
      await this.ctx.runtime.removePodSandbox(this.sandboxId).catch(() => {});
      this.sandboxId = undefined;
    }
    this.cleanup();
    try {
      await this.ctx.client.delete(R.pods, this.namespace, this.name, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (e) {
      if (!(isApiError(e) && (e.code === 404 || e.code === 409))) {
        this.terminating = false; // try again on the next sync
        throw e;
      }
    }
    this.done = true;
  }

  private cleanup(): void {
    tearDownPodVolumes(this.ctx.dataDir, this.uid);
    this.ctx.crashBackoff.forget(`${this.uid}/`);
    this.ctx.imageBackoff.forget(`${this.uid}/`);
  }

  /** The log file of a container's current (or previous) attempt, or the upstream error text. */
  logFile(name: string, previous: boolean): { path: string; running: () => boolean } | { error: string } {
    const rec = this.main.get(name) ?? this.init.get(name);
    const target = previous ? (rec?.current?.state === 'CONTAINER_EXITED' && rec.waiting ? rec.current : rec?.previous) : rec?.current;
    if (previous && !target) return { error: `previous terminated container "${name}" in pod "${this.name}" not found` };
    if (!target) {
      const reason = rec?.waiting?.reason ?? 'ContainerCreating';
      return { error: `container "${name}" in pod "${this.name}" is waiting to start: ${reason}` };
    }
    const id = target.id;
    return {
      path: target.logPath,
      running: () => {
        const cur = (this.main.get(name) ?? this.init.get(name))?.current;
        return !!cur && cur.id === id && cur.state === 'CONTAINER_RUNNING' && !this.done;
      },
    };
  }

  /** Something may change without a pod event (running containers, back-off, probes): resync. */
  get active(): boolean {
    return !this.done && !this.rejected;
  }
}
