// CriRuntime: the Runtime contract over CRI v1 gRPC (@grpc/grpc-js) to a private containerd on a
// unix socket (containerd.ts). Images come offline (images.ts). Streaming calls (exec, attach,
// port-forward) ask CRI for a one-time URL on containerd's stream server (127.0.0.1) and speak the
// v4 WebSocket channel protocol to it (v5 gets 403 from containerd 1.6).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import WebSocket from 'ws';
import { mkdirSync, rmdirSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type {
  Runtime, PodSandboxConfig, ContainerConfig, SandboxStatus, ContainerStatus, ExecResult, StreamSet, ContainerState, SandboxState,
} from './types.js';
import { RuntimeError } from './types.js';
import { CRI_PROTO } from './cri-proto.js';
import { Containerd, PAUSE_IMAGE, which, type DnsRedirect } from './containerd.js';
import { writeImagesTar, importImagesTar } from './images.js';

export interface CriOptions {
  /** The node's data dir; containerd lives in <dataDir>/containerd. */
  dataDir: string;
  /** The node's pod CIDR, or a function giving it (the agent learns it when it registers). */
  podCIDR: string | (() => string);
  bridgeName?: string;
  /** cgroup parent of pods: /<cgroupRoot>/pod<uid> (cgroupfs). */
  cgroupRoot?: string;
  log?: (m: string) => void;
}

type Call = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: any) => void) => grpc.ClientUnaryCall;
type Stub = grpc.Client & Record<string, Call>;

const LOADER_OPTS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

let packageDef: protoLoader.PackageDefinition | undefined;
function criPackage(): any {
  packageDef ??= protoLoader.fromJSON(protobuf.parse(CRI_PROTO, { keepCase: true }).root.toJSON(), LOADER_OPTS);
  return (grpc.loadPackageDefinition(packageDef) as any).runtime.v1;
}

const GRPC_CODE_NAMES: Record<number, string> = {
  0: 'OK', 1: 'Canceled', 2: 'Unknown', 3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound', 6: 'AlreadyExists', 7: 'PermissionDenied',
  8: 'ResourceExhausted', 9: 'FailedPrecondition', 10: 'Aborted', 11: 'OutOfRange', 12: 'Unimplemented', 13: 'Internal', 14: 'Unavailable', 15: 'DataLoss', 16: 'Unauthenticated',
};

/** The error text the kubelet shows for a failed CRI call (`rpc error: code = … desc = …`). */
export function rpcMessage(e: unknown): string {
  const se = e as grpc.ServiceError;
  if (typeof se?.code === 'number') return `rpc error: code = ${GRPC_CODE_NAMES[se.code] ?? se.code} desc = ${se.details ?? se.message}`;
  return (e as Error)?.message ?? String(e);
}

const isNotFound = (e: unknown) => (e as grpc.ServiceError)?.code === grpc.status.NOT_FOUND;
const nsToMs = (ns: string | number | undefined): number | undefined => {
  if (ns === undefined || ns === null || ns === '0' || ns === 0) return undefined;
  return Number(BigInt(ns) / 1_000_000n);
};

export class CriRuntime implements Runtime {
  readonly name = 'cri' as const;
  containerd?: Containerd;
  private runtimeSvc?: Stub;
  private imageSvc?: Stub;
  private starting?: Promise<void>;
  private readonly sandboxOf = new Map<string, string>(); // container id → sandbox id
  private readonly log: (m: string) => void;
  /** Deadline of a CRI call (destroy() shortens it: teardown must not hang on a wedged runtime). */
  private defaultTimeoutSeconds = 60;
  private dnsRedirect?: DnsRedirect;

  constructor(private readonly o: CriOptions) {
    this.log = o.log ?? (() => {});
  }

  /** Starts the private containerd (first call), connects, and imports the offline images. */
  ready(): Promise<void> {
    return (this.starting ??= this.start().catch((e) => {
      this.starting = undefined;
      throw e;
    }));
  }

  private async start(): Promise<void> {
    const podCIDR = typeof this.o.podCIDR === 'function' ? this.o.podCIDR() : this.o.podCIDR;
    if (!podCIDR) throw new Error('cri runtime: the node has no pod CIDR yet');
    const cd = new Containerd({ dir: join(this.o.dataDir, 'containerd'), podCIDR, bridgeName: this.o.bridgeName, log: this.log });
    await cd.start();
    this.containerd = cd;
    if (this.dnsRedirect) this.applyDns(cd, this.dnsRedirect);
    const pkg = criPackage();
    const addr = `unix://${cd.socket}`;
    const opts = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 + 1024 };
    this.runtimeSvc = new pkg.RuntimeService(addr, grpc.credentials.createInsecure(), opts);
    this.imageSvc = new pkg.ImageService(addr, grpc.credentials.createInsecure(), opts);
    // Wait for the CRI plugin (the socket opens a little before it serves).
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const st = await this.rpc(this.runtimeSvc!, 'Status', {}, 5);
        const conds = (st.status?.conditions ?? []) as { type: string; status: boolean; message: string }[];
        if (conds.find((c) => c.type === 'RuntimeReady')?.status) break;
        if (Date.now() > deadline) throw new Error(`containerd is not ready: ${JSON.stringify(conds)}`);
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`containerd's CRI did not answer: ${rpcMessage(e)}`);
      }
      await sleep(100);
    }
    await this.ensureOfflineImages();
  }

  /**
   * Where cluster DNS really listens: pods' queries to the kube-dns ClusterIP(s) entering from this
   * node's bridge are redirected there (applied now if containerd runs, else when it starts).
   */
  setClusterDNS(r: DnsRedirect): void {
    this.dnsRedirect = r;
    if (this.containerd) this.applyDns(this.containerd, r);
  }

  private applyDns(cd: Containerd, r: DnsRedirect): void {
    try {
      cd.applyDnsRedirect(r);
    } catch (e) {
      // Pods still start; only their cluster DNS lookups fail, so say why.
      this.log(`cri: pods cannot reach cluster DNS: ${(e as Error).message}`);
    }
  }

  /** The sandbox image must be there before the first RunPodSandbox, or containerd tries to pull it. */
  private async ensureOfflineImages(): Promise<void> {
    const have = await this.rpc(this.imageSvc!, 'ImageStatus', { image: { image: PAUSE_IMAGE } });
    if (have.image?.id) return;
    const file = join(this.o.dataDir, 'containerd', 'images', 'ordinal-images.tar');
    const t0 = Date.now();
    const images = writeImagesTar(file);
    importImagesTar(which('ctr')!, this.containerd!.socket, file);
    this.log(`cri: imported offline images ${images.join(', ')} in ${Date.now() - t0}ms`);
  }

  private rpc(svc: Stub, method: string, req: unknown, timeoutSeconds = this.defaultTimeoutSeconds): Promise<any> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
      svc[method]!(req, new grpc.Metadata(), { deadline: Date.now() + timeoutSeconds * 1000 }, (e, r) => {
        if (TRACE) process.stderr.write(`${new Date().toISOString()} cri ${method} ${Date.now() - t0}ms${e ? ` ${rpcMessage(e)}` : ''}\n`);
        if (e) reject(e);
        else resolve(r);
      });
    });
  }

  private async rt(method: string, req: unknown, timeoutSeconds?: number): Promise<any> {
    await this.ready();
    return this.rpc(this.runtimeSvc!, method, req, timeoutSeconds);
  }

  private async img(method: string, req: unknown, timeoutSeconds?: number): Promise<any> {
    await this.ready();
    return this.rpc(this.imageSvc!, method, req, timeoutSeconds);
  }

  async version() {
    const v = await this.rt('Version', { version: 'v1' });
    return { runtimeName: v.runtime_name as string, runtimeVersion: v.runtime_version as string };
  }

  /** CRI Status conditions (RuntimeReady, NetworkReady). */
  async status(): Promise<{ type: string; status: boolean; reason: string; message: string }[]> {
    return (await this.rt('Status', {})).status?.conditions ?? [];
  }

  // --- images

  async imageStatus(image: string) {
    const r = await this.img('ImageStatus', { image: { image } });
    return r.image?.id ? { ref: r.image.id as string } : undefined;
  }

  /**
   * This node is offline: an image already present is used as is (no registry round trip, which
   * can only fail here); anything else goes to CRI PullImage, whose error becomes ErrImagePull.
   */
  async pullImage(image: string, sandbox?: PodSandboxConfig): Promise<string> {
    const present = await this.imageStatus(image);
    if (present) return present.ref;
    try {
      const r = await this.img('PullImage', { image: { image }, sandbox_config: sandbox ? this.sandboxRequest(sandbox) : undefined }, 60);
      return r.image_ref as string;
    } catch (e) {
      throw new RuntimeError('ErrImagePull', rpcMessage(e));
    }
  }

  // --- sandboxes

  private cgroupParent(uid: string): string {
    return `/${this.o.cgroupRoot ?? 'ordinal'}/pod${uid}`;
  }

  private namespaces(hostNetwork: boolean | undefined) {
    return { network: hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' };
  }

  private sandboxRequest(c: PodSandboxConfig) {
    return {
      metadata: c.metadata,
      // runc cannot set a hostname without a private UTS namespace (hostNetwork shares the node's).
      hostname: c.hostNetwork ? '' : c.hostname,
      log_directory: c.logDirectory,
      dns_config: { servers: c.dnsConfig.servers, searches: c.dnsConfig.searches, options: c.dnsConfig.options },
      port_mappings: c.portMappings.map((p) => ({ protocol: p.protocol, container_port: p.containerPort, host_port: p.hostPort ?? 0, host_ip: p.hostIp ?? '' })),
      labels: c.labels,
      annotations: c.annotations,
      linux: {
        cgroup_parent: this.cgroupParent(c.metadata.uid),
        security_context: { namespace_options: this.namespaces(c.hostNetwork) },
      },
    };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    mkdirSync(config.logDirectory, { recursive: true });
    try {
      const r = await this.rt('RunPodSandbox', { config: this.sandboxRequest(config) });
      return r.pod_sandbox_id as string;
    } catch (e) {
      throw new RuntimeError('Unavailable', rpcMessage(e));
    }
  }

  async stopPodSandbox(id: string): Promise<void> {
    try {
      await this.rt('StopPodSandbox', { pod_sandbox_id: id });
    } catch (e) {
      if (!isNotFound(e)) throw new Error(rpcMessage(e));
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const st = await this.podSandboxStatus(id);
    try {
      await this.rt('StopPodSandbox', { pod_sandbox_id: id });
      await this.rt('RemovePodSandbox', { pod_sandbox_id: id });
    } catch (e) {
      if (!isNotFound(e)) throw new Error(rpcMessage(e));
    }
    for (const [cid, sb] of this.sandboxOf) if (sb === id) this.sandboxOf.delete(cid);
    if (st) this.removePodCgroups(st.metadata.uid);
  }

  /** The pod's cgroup directories (cgroupfs leaves the empty parents behind, as the kubelet removes them). */
  private removePodCgroups(uid: string, alsoRoot = false): void {
    const root = '/sys/fs/cgroup';
    if (!existsSync(root)) return;
    for (const h of readdirSync(root)) {
      const dirs = [join(root, h, this.cgroupParent(uid))];
      if (alsoRoot) dirs.push(join(root, h, this.o.cgroupRoot ?? 'ordinal'));
      for (const d of dirs) try { rmdirSync(d); } catch { /* not there or busy */ }
    }
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    try {
      const r = await this.rt('PodSandboxStatus', { pod_sandbox_id: id });
      const s = r.status;
      return {
        id: s.id, state: s.state as SandboxState, createdAt: nsToMs(s.created_at) ?? 0, ip: s.network?.ip || undefined,
        labels: s.labels ?? {}, annotations: s.annotations ?? {}, metadata: s.metadata,
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw new Error(rpcMessage(e));
    }
  }

  async listPodSandboxes(): Promise<SandboxStatus[]> {
    const r = await this.rt('ListPodSandbox', {});
    return (r.items ?? []).map((s: any) => ({
      id: s.id, state: s.state as SandboxState, createdAt: nsToMs(s.created_at) ?? 0, labels: s.labels ?? {}, annotations: s.annotations ?? {}, metadata: s.metadata,
    }));
  }

  // --- containers

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    mkdirSync(dirname(join(sandbox.logDirectory, config.logPath)), { recursive: true });
    try {
      const r = await this.rt('CreateContainer', {
        pod_sandbox_id: sandboxId,
        config: {
          metadata: config.metadata,
          image: { image: config.image },
          command: config.command,
          args: config.args,
          working_dir: config.workingDir ?? '',
          envs: config.envs,
          mounts: config.mounts.map((m) => ({ container_path: m.containerPath, host_path: m.hostPath, readonly: !!m.readonly })),
          labels: config.labels,
          annotations: config.annotations,
          log_path: config.logPath,
          stdin: !!config.stdin, stdin_once: !!config.stdinOnce, tty: !!config.tty,
          linux: { security_context: { namespace_options: this.namespaces(sandbox.hostNetwork) } },
        },
        sandbox_config: this.sandboxRequest(sandbox),
      });
      this.sandboxOf.set(r.container_id, sandboxId);
      return r.container_id as string;
    } catch (e) {
      throw new RuntimeError('CreateContainerError', rpcMessage(e));
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.rt('StartContainer', { container_id: id });
    } catch (e) {
      throw new RuntimeError(isNotFound(e) ? 'NotFound' : 'RunContainerError', rpcMessage(e));
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.rt('StopContainer', { container_id: id, timeout: String(Math.max(0, Math.floor(timeoutSeconds))) }, timeoutSeconds + 60);
    } catch (e) {
      if (!isNotFound(e)) throw new Error(rpcMessage(e));
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.rt('RemoveContainer', { container_id: id });
    } catch (e) {
      if (!isNotFound(e)) throw new Error(rpcMessage(e));
    }
    this.sandboxOf.delete(id);
  }

  private async sandboxIdOf(id: string): Promise<string> {
    let sb = this.sandboxOf.get(id);
    if (!sb) {
      const r = await this.rt('ListContainers', { filter: { id } });
      sb = r.containers?.[0]?.pod_sandbox_id as string | undefined;
      if (sb) this.sandboxOf.set(id, sb);
    }
    return sb ?? '';
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    let s: any;
    try {
      s = (await this.rt('ContainerStatus', { container_id: id })).status;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw new Error(rpcMessage(e));
    }
    const finishedAt = nsToMs(s.finished_at);
    const state = s.state as ContainerState;
    return {
      id: s.id, sandboxId: await this.sandboxIdOf(id), name: s.metadata?.name ?? '', attempt: s.metadata?.attempt ?? 0, state,
      image: s.image?.image ?? '', imageRef: s.image_ref ?? '',
      createdAt: nsToMs(s.created_at) ?? 0, startedAt: nsToMs(s.started_at), finishedAt,
      exitCode: state === 'CONTAINER_EXITED' || finishedAt !== undefined ? s.exit_code : undefined,
      reason: s.reason || undefined, message: s.message || undefined,
      labels: s.labels ?? {}, logPath: s.log_path ?? '',
    };
  }

  async listContainers(sandboxId?: string): Promise<ContainerStatus[]> {
    const r = await this.rt('ListContainers', { filter: sandboxId ? { pod_sandbox_id: sandboxId } : {} });
    const out: ContainerStatus[] = [];
    for (const c of r.containers ?? []) {
      this.sandboxOf.set(c.id, c.pod_sandbox_id);
      const s = await this.containerStatus(c.id);
      if (s) out.push(s);
    }
    return out;
  }

  // --- streaming

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    try {
      const r = await this.rt('ExecSync', { container_id: id, cmd, timeout: String(Math.max(0, Math.floor(timeoutSeconds))) }, Math.max(1, timeoutSeconds) + 30);
      return { stdout: Buffer.from(r.stdout ?? []), stderr: Buffer.from(r.stderr ?? []), exitCode: r.exit_code ?? 0 };
    } catch (e) {
      throw new RuntimeError(isNotFound(e) ? 'NotFound' : 'Unavailable', rpcMessage(e));
    }
  }

  async exec(id: string, cmd: string[], streams: StreamSet): Promise<number> {
    const tty = !!streams.tty;
    const r = await this.rt('Exec', { container_id: id, cmd, tty, stdin: !!streams.stdin, stdout: !!streams.stdout || tty, stderr: !!streams.stderr && !tty });
    const status = await channelSession(r.url, streams);
    return exitCodeOf(status);
  }

  async attach(id: string, streams: StreamSet): Promise<void> {
    const tty = !!streams.tty;
    const r = await this.rt('Attach', { container_id: id, tty, stdin: !!streams.stdin, stdout: !!streams.stdout || tty, stderr: !!streams.stderr && !tty });
    const status = await channelSession(r.url, streams);
    if (status && status.status === 'Failure') throw new Error(status.message ?? 'attach failed');
  }

  async portForward(sandboxId: string, port: number, stream: { input: Readable; output: Writable }): Promise<void> {
    const r = await this.rt('PortForward', { pod_sandbox_id: sandboxId, port: [port] });
    const url = new URL(r.url);
    url.searchParams.set('port', String(port));
    await portForwardSession(url.toString(), stream);
  }

  /** Stops talking to containerd and stops it; pods keep running in their shims (adopted on restart). */
  async close(): Promise<void> {
    this.runtimeSvc?.close();
    this.imageSvc?.close();
    this.runtimeSvc = this.imageSvc = undefined;
    this.starting = undefined;
    await this.containerd?.stop();
  }

  /**
   * Tests and teardown: removes every pod, stops containerd and removes the node's bridge. A pod
   * CRI cannot remove within the (short) deadline is killed through ctr instead.
   */
  async destroy(): Promise<void> {
    if (this.runtimeSvc) {
      this.defaultTimeoutSeconds = 20;
      let failed = false;
      for (const sb of await this.listPodSandboxes().catch(() => { failed = true; return []; })) {
        await this.removePodSandbox(sb.id).catch((e) => {
          failed = true;
          this.log(`cri: removing sandbox ${sb.id.slice(0, 12)}: ${(e as Error).message}`);
        });
      }
      if (failed) this.containerd?.killAllTasks();
    }
    const cd = this.containerd;
    await this.close();
    cd?.removeBridge();
    this.removePodCgroups('', true);
  }
}

interface StatusFrame { status?: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } }

/** Exit code from the v4 status frame: Success → 0, NonZeroExitCode → its ExitCode cause. */
export function exitCodeOf(s: StatusFrame | undefined): number {
  if (!s || s.status === 'Success') return 0;
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (s.reason === 'NonZeroExitCode' && cause?.message !== undefined) return Number(cause.message);
  throw new Error(s.message ?? 'exec failed');
}

/**
 * One exec/attach session on the v4 channel protocol: every frame is a channel byte + payload —
 * 0 stdin, 1 stdout, 2 stderr, 3 status (JSON), 4 resize (JSON {Width, Height}).
 */
function channelSession(url: string, streams: StreamSet): Promise<StatusFrame | undefined> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io'], { handshakeTimeout: HANDSHAKE_MS });
    let status: StatusFrame | undefined;
    let statusText = '';
    const send = (ch: number, data: Buffer) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([ch]), data]));
    };
    const onStdin = (d: Buffer | string) => send(0, Buffer.isBuffer(d) ? d : Buffer.from(d));
    ws.on('open', () => {
      streams.stdin?.on('data', onStdin);
      if (streams.resize) {
        void (async () => {
          for await (const sz of streams.resize!) {
            if (ws.readyState !== WebSocket.OPEN) break;
            send(4, Buffer.from(JSON.stringify({ Width: sz.width, Height: sz.height })));
          }
        })().catch(() => {});
      }
    });
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as unknown as ArrayBuffer);
      if (!isBinary && data.length === 0) return;
      if (data.length === 0) return;
      const ch = data[0]!;
      const payload = data.subarray(1);
      if (payload.length === 0) return;
      if (ch === 1) streams.stdout?.write(payload);
      else if (ch === 2) (streams.stderr ?? streams.stdout)?.write(payload);
      else if (ch === 3) statusText += payload.toString();
    });
    ws.on('error', (e) => {
      streams.stdin?.off('data', onStdin);
      reject(new Error(`stream ${url.replace(/\/[^/]*$/, '/…')}: ${e.message}`));
    });
    ws.on('close', () => {
      streams.stdin?.off('data', onStdin);
      if (statusText) {
        try { status = JSON.parse(statusText) as StatusFrame; } catch { /* partial */ }
      }
      resolve(status);
    });
  });
}

/**
 * One forwarded connection on the v4 port-forward protocol: channel 0 data, channel 1 errors; each
 * channel first carries the port (2 bytes, little-endian). containerd closes the WebSocket when the
 * pod closes the connection; v4 has no half-close, so when our input ends first the session also
 * closes once the pod has been quiet for QUIET_MS (a keep-alive server would otherwise hold it).
 */
function portForwardSession(url: string, stream: { input: Readable; output: Writable }): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io'], { handshakeTimeout: HANDSHAKE_MS });
    const seenPort = [false, false];
    let errorText = '';
    let inputEnded = false;
    let quiet: NodeJS.Timeout | undefined;
    const armQuiet = () => {
      if (!inputEnded) return;
      clearTimeout(quiet);
      quiet = setTimeout(() => ws.close(1000), QUIET_MS);
    };
    const onData = (d: Buffer | string) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([0]), Buffer.isBuffer(d) ? d : Buffer.from(d)]));
    };
    const onEnd = () => { inputEnded = true; armQuiet(); };
    // Destroyed without an end (the client went away): nothing more will be read.
    const onClose = () => { if (!inputEnded) ws.close(1000); };
    ws.on('open', () => {
      stream.input.on('data', onData);
      stream.input.once('end', onEnd);
      stream.input.once('close', onClose);
    });
    ws.on('message', (raw: Buffer) => {
      const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as unknown as ArrayBuffer);
      if (data.length === 0) return;
      const ch = data[0]!;
      let payload = data.subarray(1);
      if (ch > 1) return;
      if (!seenPort[ch]) {
        seenPort[ch] = true;
        payload = payload.subarray(2);
      }
      if (payload.length === 0) return;
      if (ch === 0) {
        stream.output.write(payload);
        armQuiet();
      } else errorText += payload.toString();
    });
    const cleanup = () => {
      clearTimeout(quiet);
      stream.input.off('data', onData);
      stream.input.off('end', onEnd);
      stream.input.off('close', onClose);
    };
    ws.on('error', (e) => { cleanup(); reject(e); });
    ws.on('close', () => {
      cleanup();
      if (errorText) reject(new Error(errorText));
      else resolve();
    });
  });
}

const QUIET_MS = 5000;
/** ORDINAL_CRI_TRACE=1 logs every CRI call with its duration to stderr. */
const TRACE = !!process.env.ORDINAL_CRI_TRACE;
const HANDSHAKE_MS = 15_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
