// The simulated runtime: no processes. Each container is a small state machine with realistic
// timing; its command (if any) is played by the sim shell (echo → log lines, sleep → time,
// exit N → exit code), and a container without a command runs until stopped, like a server.
// Pods steer it through annotations (documented in README):
//   sim.ordinal.dev/pull-delay, …/start-delay   durations (default 150ms / 100ms)
//   sim.ordinal.dev/image-pull: "fail"          ErrImagePull (also any image containing "doesnotexist")
//   sim.ordinal.dev/exit-after: "5s"            main containers exit after that long …
//   sim.ordinal.dev/exit-code: "1"              … with this code (default 1)
//   sim.ordinal.dev/readiness: "false"          readiness fails (also for pods without a probe)
//   sim.ordinal.dev/ready-after: "3s"           readiness fails until that long after start
//   sim.ordinal.dev/liveness: "false"           liveness probes fail
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type {
  Runtime, PodSandboxConfig, ContainerConfig, SandboxStatus, ContainerStatus, ExecResult, StreamSet,
} from './types.js';
import { RuntimeError } from './types.js';
import { runScript, runToCompletion, argvToScript, type SimFs, type Step } from './sim-shell.js';
import { renderResolvConf } from '../pod-dns.js';

export const SIM = 'sim.ordinal.dev/';

export function parseDuration(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000);
}

interface Sandbox {
  status: SandboxStatus;
  config: PodSandboxConfig;
  fsFiles: Map<string, string>;
}

interface Container {
  status: ContainerStatus;
  config: ContainerConfig;
  env: Record<string, string>;
  fs: SimFs;
  timers: NodeJS.Timeout[];
  generation: number; // bumps on stop, so stale timers do nothing
  isInit: boolean;
  /** The main process's stdin/stdout when it is an interactive shell (`stdin: true` + `sh`): what attach connects to. */
  console?: { stdin: PassThrough; outputs: Set<NodeJS.WritableStream> };
}

/** A shell alone (or no command in a shell image) reads its commands from stdin when stdin is open. */
function isInteractiveShell(argv: string[], image: string): boolean {
  if (argv.length === 1) return ['sh', 'bash', 'ash', '/bin/sh', '/bin/bash', '/bin/ash'].includes(argv[0]!);
  return argv.length === 0 && /(^|\/)(busybox|alpine|ubuntu|debian|fedora|centos)(:|@|$)/.test(image);
}

export interface SimOptions {
  /** Pod IPs are handed out from this /24 (or larger) range. */
  podCIDR: string;
  pullDelayMs?: number;
  startDelayMs?: number;
}

export class SimRuntime implements Runtime {
  readonly name = 'sim' as const;
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, Container>();
  private readonly usedIPs = new Set<string>();
  private readonly ipBase: number[];
  private readonly ipCount: number;
  private readonly pulled = new Set<string>();

  constructor(private readonly opts: SimOptions) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(opts.podCIDR);
    if (!m) throw new Error(`invalid pod CIDR ${opts.podCIDR}`);
    this.ipBase = m.slice(1, 5).map(Number);
    this.ipCount = 2 ** (32 - Number(m[5]));
  }

  async version() {
    return { runtimeName: 'ordinal-sim', runtimeVersion: '0.1.0' };
  }

  private annotations(sandboxId: string): Record<string, string> {
    return this.sandboxes.get(sandboxId)?.status.annotations ?? {};
  }

  async pullImage(image: string, sandbox?: PodSandboxConfig): Promise<string> {
    const ann = sandbox?.annotations ?? {};
    const delay = this.pulled.has(image) ? 0 : parseDuration(ann[SIM + 'pull-delay']) ?? this.opts.pullDelayMs ?? 150;
    await sleep(delay);
    if (ann[SIM + 'image-pull'] === 'fail' || /doesnotexist|nonexistent/.test(image)) {
      throw new RuntimeError('ErrImagePull', `failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`);
    }
    this.pulled.add(image);
    return `sha256:${sha(image)}`;
  }

  async imageStatus(image: string) {
    return this.pulled.has(image) ? { ref: `sha256:${sha(image)}` } : undefined;
  }

  private allocateIP(): string {
    for (let i = 2; i < this.ipCount - 1; i++) {
      const n = ((this.ipBase[0]! << 24) | (this.ipBase[1]! << 16) | (this.ipBase[2]! << 8) | this.ipBase[3]!) + i;
      const ip = [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
      if (!this.usedIPs.has(ip)) {
        this.usedIPs.add(ip);
        return ip;
      }
    }
    throw new RuntimeError('Unavailable', `no free IP addresses in ${this.opts.podCIDR}`);
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = randomBytes(32).toString('hex');
    const ip = config.hostNetwork ? undefined : this.allocateIP();
    const files = new Map<string, string>();
    files.set('/etc/hostname', config.hostname + '\n');
    files.set('/etc/resolv.conf', renderResolvConf({ nameservers: config.dnsConfig.servers, searches: config.dnsConfig.searches, options: config.dnsConfig.options }));
    if (config.hostsFile !== undefined) files.set('/etc/hosts', config.hostsFile);
    this.sandboxes.set(id, {
      config,
      fsFiles: files,
      status: { id, state: 'SANDBOX_READY', createdAt: Date.now(), ip, labels: { ...config.labels }, annotations: { ...config.annotations }, metadata: { ...config.metadata } },
    });
    return id;
  }

  /** The kubelet writes /etc/hosts once the pod has its IP; the sim keeps it with the sandbox. */
  setHostsFile(sandboxId: string, content: string): void {
    this.sandboxes.get(sandboxId)?.fsFiles.set('/etc/hosts', content);
  }

  updatePodAnnotations(sandboxId: string, annotations: Record<string, string>): void {
    const s = this.sandboxes.get(sandboxId);
    if (s) s.status.annotations = { ...annotations };
  }

  async stopPodSandbox(id: string): Promise<void> {
    const s = this.sandboxes.get(id);
    if (!s) return;
    for (const c of this.containers.values()) if (c.status.sandboxId === id) this.exit(c, 137, 'Error');
    s.status.state = 'SANDBOX_NOTREADY';
    if (s.status.ip) this.usedIPs.delete(s.status.ip);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const [cid, c] of this.containers) if (c.status.sandboxId === id) this.containers.delete(cid);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string) {
    const s = this.sandboxes.get(id);
    return s ? { ...s.status } : undefined;
  }

  async listPodSandboxes() {
    return [...this.sandboxes.values()].map((s) => ({ ...s.status }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const s = this.sandboxes.get(sandboxId);
    if (!s || s.status.state !== 'SANDBOX_READY') throw new RuntimeError('CreateContainerError', `sandbox ${sandboxId.slice(0, 12)} is not ready`);
    const id = randomBytes(32).toString('hex');
    const env: Record<string, string> = {};
    for (const e of config.envs) env[e.key] = e.value;
    this.containers.set(id, {
      config,
      env,
      fs: { mounts: config.mounts, files: s.fsFiles },
      timers: [],
      generation: 0,
      isInit: config.labels['ordinal.dev/container-type'] === 'init',
      status: {
        id, sandboxId, name: config.metadata.name, attempt: config.metadata.attempt, state: 'CONTAINER_CREATED',
        image: config.image, imageRef: `sha256:${sha(config.image)}`, createdAt: Date.now(), labels: { ...config.labels },
        logPath: join(sandbox.logDirectory, config.logPath),
      },
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('NotFound', `container ${id.slice(0, 12)} not found`);
    const ann = this.annotations(c.status.sandboxId);
    await sleep(parseDuration(ann[SIM + 'start-delay']) ?? this.opts.startDelayMs ?? 100);
    if (c.status.state !== 'CONTAINER_CREATED') return;
    c.status.state = 'CONTAINER_RUNNING';
    c.status.startedAt = Date.now();
    const gen = c.generation;
    const argv = [...c.config.command, ...c.config.args];
    if (c.config.stdin && !c.isInit && isInteractiveShell(argv, c.config.image)) this.interactiveShell(c, gen);
    else if (argv.length > 0) this.play(c, gen, runScript(argvToScript(argv), { fs: c.fs, env: { ...c.env }, hostname: this.hostname(c) }));
    else if (c.isInit) this.later(c, gen, 50, () => this.exit(c, 0, 'Completed'));
    // Forced exit for main containers (crash-loop tests).
    const exitAfter = parseDuration(ann[SIM + 'exit-after']);
    if (!c.isInit && exitAfter !== undefined) {
      const code = Number(ann[SIM + 'exit-code'] ?? 1);
      this.later(c, gen, exitAfter, () => this.exit(c, code, code === 0 ? 'Completed' : 'Error'));
    }
  }

  private hostname(c: Container): string {
    return this.sandboxes.get(c.status.sandboxId)?.config.hostname ?? '';
  }

  private later(c: Container, gen: number, ms: number, f: () => void): void {
    const t = setTimeout(() => {
      if (c.generation === gen && c.status.state === 'CONTAINER_RUNNING') f();
    }, ms);
    t.unref?.();
    c.timers.push(t);
  }

  /** Plays a script over time: output goes to the log, sleeps take time, the end exits. */
  private play(c: Container, gen: number, script: Generator<Step, number>): void {
    const step = () => {
      if (c.generation !== gen || c.status.state !== 'CONTAINER_RUNNING') return;
      for (;;) {
        const r = script.next();
        if (r.done) return this.exit(c, r.value, r.value === 0 ? 'Completed' : 'Error');
        const s = r.value;
        if (s.kind === 'output') this.log(c, s.stream, s.text);
        else if (s.kind === 'sleep') {
          if (s.seconds === Infinity) return; // sleeps forever: a long-running container
          return this.later(c, gen, s.seconds * 1000, step);
        } else if (s.kind === 'exit') return this.exit(c, s.code, s.code === 0 ? 'Completed' : 'Error');
      }
    };
    step();
  }

  /** CRI log format: `<RFC3339Nano> <stream> F <line>`. */
  private log(c: Container, stream: 'stdout' | 'stderr', text: string): void {
    const ts = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
    const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
    try {
      mkdirSync(dirname(c.status.logPath), { recursive: true });
      appendFileSync(c.status.logPath, lines.map((l) => `${ts} ${stream} F ${l}\n`).join(''));
    } catch {
      /* a log directory that vanished (pod removed) is not the container's problem */
    }
  }

  private exit(c: Container, code: number, reason: string): void {
    if (c.status.state === 'CONTAINER_EXITED') return;
    c.generation++;
    for (const t of c.timers) clearTimeout(t);
    c.timers = [];
    if (c.status.state === 'CONTAINER_CREATED') c.status.startedAt = undefined;
    c.status.state = 'CONTAINER_EXITED';
    c.status.exitCode = code;
    c.status.reason = reason;
    c.status.finishedAt = Date.now();
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.status.state === 'CONTAINER_EXITED') return;
    // A simulated process honours SIGTERM at once; a zero grace period is a SIGKILL.
    this.exit(c, timeoutSeconds > 0 ? 0 : 137, timeoutSeconds > 0 ? 'Completed' : 'Error');
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c) this.exit(c, c.status.exitCode ?? 137, c.status.reason ?? 'Error');
    this.containers.delete(id);
  }

  async containerStatus(id: string) {
    const c = this.containers.get(id);
    return c ? { ...c.status } : undefined;
  }

  async listContainers(sandboxId?: string) {
    return [...this.containers.values()].filter((c) => !sandboxId || c.status.sandboxId === sandboxId).map((c) => ({ ...c.status }));
  }

  private running(id: string): Container {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('NotFound', `container ${id.slice(0, 12)} not found`);
    if (c.status.state !== 'CONTAINER_RUNNING') throw new RuntimeError('RunContainerError', `container ${id.slice(0, 12)} is not running`);
    return c;
  }

  async execSync(id: string, cmd: string[], _timeoutSeconds: number): Promise<ExecResult> {
    const c = this.running(id);
    const r = runToCompletion(argvToScript(cmd), { fs: c.fs, env: { ...c.env }, hostname: this.hostname(c) });
    return { stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr), exitCode: r.exitCode };
  }

  async exec(id: string, cmd: string[], streams: StreamSet): Promise<number> {
    const c = this.running(id);
    const ctx = { fs: c.fs, env: { ...c.env }, hostname: this.hostname(c) };
    const write = (s: 'stdout' | 'stderr', t: string) => {
      const target = s === 'stderr' && !streams.tty ? streams.stderr : streams.stdout;
      if (t) target?.write(streams.tty ? t.replace(/\n/g, '\r\n') : t);
    };
    const interactive = cmd.length === 1 && ['sh', 'bash', 'ash', '/bin/sh', '/bin/bash'].includes(cmd[0]!);
    if (!interactive) {
      const r = runToCompletion(argvToScript(cmd), ctx);
      write('stdout', r.stdout);
      write('stderr', r.stderr);
      return r.exitCode;
    }
    // An interactive shell: one line at a time until `exit` or end of input.
    const input = streams.stdin ?? new PassThrough().end();
    let buf = '';
    let code = 0;
    if (streams.tty) write('stdout', '/ # ');
    for await (const chunk of input) {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.search(/\r|\n/)) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (streams.tty) write('stdout', line + '\n');
        if (/^\s*exit(\s+\d+)?\s*$/.test(line)) return Number(line.trim().split(/\s+/)[1] ?? code);
        const r = runToCompletion(line, ctx);
        code = r.exitCode;
        write('stdout', r.stdout);
        write('stderr', r.stderr);
        if (streams.tty) write('stdout', '/ # ');
      }
    }
    return code;
  }

  /**
   * The main process is a shell reading stdin (e.g. `kubectl run -i --tty -- sh`): lines typed by
   * attached clients run through the sim shell; output goes to the log and to every attached client;
   * `exit N` (or end of stdin) ends the container with that code.
   */
  private interactiveShell(c: Container, gen: number): void {
    const stdin = new PassThrough();
    const con = { stdin, outputs: new Set<NodeJS.WritableStream>() };
    c.console = con;
    const tty = !!c.config.tty;
    const ctx = { fs: c.fs, env: { ...c.env }, hostname: this.hostname(c) };
    const write = (stream: 'stdout' | 'stderr', t: string) => {
      if (!t) return;
      this.log(c, stream, t);
      for (const o of con.outputs) o.write(tty ? t.replace(/\n/g, '\r\n') : t);
    };
    void (async () => {
      let buf = '';
      let code = 0;
      for await (const chunk of stdin) {
        buf += (chunk as Buffer).toString();
        let nl: number;
        while ((nl = buf.search(/\r|\n/)) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (tty) for (const o of con.outputs) o.write(line + '\r\n'); // the terminal echo
          if (/^\s*exit(\s+\d+)?\s*$/.test(line)) {
            code = Number(line.trim().split(/\s+/)[1] ?? code);
            if (c.generation === gen) this.exit(c, code, code === 0 ? 'Completed' : 'Error');
            return;
          }
          const r = runToCompletion(line, ctx);
          code = r.exitCode;
          write('stdout', r.stdout);
          write(tty ? 'stdout' : 'stderr', r.stderr);
          if (tty) for (const o of con.outputs) o.write('/ # ');
        }
      }
      if (c.generation === gen) this.exit(c, code, code === 0 ? 'Completed' : 'Error'); // stdin closed: the shell ends
    })();
  }

  async attach(id: string, streams: StreamSet): Promise<void> {
    const c = this.running(id);
    const con = c.console;
    if (con) {
      const out = streams.stdout ?? streams.stderr;
      if (out) con.outputs.add(out);
      const onData = (d: Buffer) => con.stdin.write(d);
      streams.stdin?.on('data', onData);
      // stdinOnce: the container's stdin closes when the first attached client's stdin does.
      streams.stdin?.once('end', () => { if (c.config.stdinOnce) con.stdin.end(); });
      // Detached when the container exits or the client's output goes away.
      await new Promise<void>((resolve) => {
        const done = () => { clearInterval(t); resolve(); };
        const t = setInterval(() => { if (c.status.state !== 'CONTAINER_RUNNING') done(); }, 50);
        (out as NodeJS.WritableStream & { once?: (e: string, f: () => void) => void } | undefined)?.once?.('close', done);
        (out as NodeJS.WritableStream & { once?: (e: string, f: () => void) => void } | undefined)?.once?.('finish', done);
      });
      streams.stdin?.off('data', onData);
      if (out) con.outputs.delete(out);
      return;
    }
    // The sim has no live process output: attach ends when the container exits.
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (c.status.state !== 'CONTAINER_RUNNING') {
          clearInterval(t);
          resolve();
        }
      }, 100);
      streams.stdin?.on('data', (d: Buffer) => this.log(c, 'stdout', d.toString()));
    });
  }

  /** The sim has no sockets: a forwarded port behaves as an echo server. */
  async portForward(_sandboxId: string, _port: number, stream: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): Promise<void> {
    for await (const chunk of stream.input) stream.output.write(chunk as Buffer);
  }

  simulatedProbe(containerId: string, kind: 'readiness' | 'liveness' | 'startup', probeType: 'exec' | 'httpGet' | 'tcpSocket' | 'grpc'): boolean | undefined {
    const c = this.containers.get(containerId);
    if (!c) return false;
    const ann = this.annotations(c.status.sandboxId);
    if (kind === 'readiness') {
      if (ann[SIM + 'readiness'] === 'false') return false;
      const after = parseDuration(ann[SIM + 'ready-after']);
      if (after !== undefined) return Date.now() - (c.status.startedAt ?? Date.now()) >= after;
    }
    if (kind === 'liveness' && ann[SIM + 'liveness'] === 'false') return false;
    // exec probes run for real through the sim shell; network probes have no endpoint: succeed.
    if (probeType === 'exec') return undefined;
    return kind === 'readiness' && !probeType ? undefined : true;
  }

  async close(): Promise<void> {
    for (const c of this.containers.values()) for (const t of c.timers) clearTimeout(t);
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function sha(s: string): string {
  let h = 0n;
  for (const ch of s) h = (h * 1099511628211n + BigInt(ch.codePointAt(0)!)) & ((1n << 256n) - 1n);
  return h.toString(16).padStart(64, '0');
}
