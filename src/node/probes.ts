// Container probes as the kubelet runs them (upstream pkg/kubelet/prober): one worker per
// container and probe kind, ticking every periodSeconds after initialDelaySeconds, each attempt
// bounded by timeoutSeconds; a result flips only after successThreshold consecutive successes or
// failureThreshold consecutive failures. Readiness starts false, liveness true; liveness and
// readiness wait until the startup probe has succeeded. The runtime may decide a probe itself
// (runtime.simulatedProbe — the sim has no sockets); otherwise exec runs through execSync and
// httpGet/tcpSocket/grpc go to the pod IP.
import { connect } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { Runtime } from './runtime/types.js';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';
export type ProbeType = 'exec' | 'httpGet' | 'tcpSocket' | 'grpc';
export interface ProbeOutcome { ok: boolean; output: string }

export const probeTypeOf = (p: Probe): ProbeType | undefined =>
  p.exec ? 'exec' : p.httpGet ? 'httpGet' : p.tcpSocket ? 'tcpSocket' : p.grpc ? 'grpc' : undefined;

export const kindTitle = (k: ProbeKind) => (k === 'readiness' ? 'Readiness' : k === 'liveness' ? 'Liveness' : 'Startup');

function resolvePort(port: number | string | undefined, container: Container): number {
  if (typeof port === 'number') return port;
  if (port && /^\d+$/.test(port)) return Number(port);
  const named = (container.ports ?? []).find((p) => p.name === port);
  if (!named) throw new Error(`couldn't find port: ${port} in ${JSON.stringify(container.name)}`);
  return named.containerPort;
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(onTimeout()), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

export interface ProbeTarget { containerId: string; podIP?: string; container: Container }

/** Runs one probe attempt for real (no simulation). */
export async function runProbe(runtime: Runtime, probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.exec) {
      const cmd = probe.exec.command ?? [];
      const r = await withTimeout(runtime.execSync(target.containerId, cmd, probe.timeoutSeconds ?? 1), timeoutMs, () => undefined);
      if (!r) return { ok: false, output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
      const out = Buffer.concat([r.stdout, r.stderr]).toString();
      return { ok: r.exitCode === 0, output: out };
    }
    if (probe.httpGet) {
      const g = probe.httpGet;
      const scheme = (g.scheme ?? 'HTTP').toLowerCase();
      const host = g.host || target.podIP || '';
      const port = resolvePort(g.port as number | string, target.container);
      let path = g.path ?? '/';
      if (!path.startsWith('/')) path = '/' + path;
      const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
      for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
      return await new Promise<ProbeOutcome>((resolve) => {
        const lib = scheme === 'https' ? https : http;
        const req = lib.get(url, { headers, timeout: timeoutMs, rejectUnauthorized: false } as https.RequestOptions, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => { if (body.length < 10240) body += d; });
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            resolve(code >= 200 && code < 400 ? { ok: true, output: body } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
          });
        });
        req.on('timeout', () => { req.destroy(); resolve({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }); });
        req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, output: `Get "${url}": ${dialError(host, port, e)}` }));
      });
    }
    if (probe.tcpSocket) {
      const host = probe.tcpSocket.host || target.podIP || '';
      const port = resolvePort(probe.tcpSocket.port as number | string, target.container);
      return await tcpCheck(host, port, timeoutMs);
    }
    if (probe.grpc) return await grpcCheck(target.podIP ?? '', probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
  } catch (e) {
    return { ok: false, output: (e as Error).message };
  }
  return { ok: false, output: 'missing probe handler' };
}

function dialError(host: string, port: number, e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (e.code === 'ETIMEDOUT') return `dial tcp ${host}:${port}: i/o timeout`;
  return e.message;
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const t = setTimeout(() => { s.destroy(); resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` }); }, timeoutMs);
    s.on('connect', () => { clearTimeout(t); s.destroy(); resolve({ ok: true, output: '' }); });
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); resolve({ ok: false, output: dialError(host, port, e) }); });
  });
}

/** grpc.health.v1.Health/Check with a hand-encoded HealthCheckRequest{service}. */
async function grpcCheck(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const grpc = await import('@grpc/grpc-js');
  const client = new grpc.Client(`${host}:${port}`, grpc.credentials.createInsecure());
  const svc = Buffer.from(service);
  const req = service ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
  try {
    return await new Promise<ProbeOutcome>((resolve) => {
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', (b: Buffer) => b, (b: Buffer) => b, req, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) return resolve({ ok: false, output: `failed to connect service "${host}:${port}" within ${timeoutMs / 1000}s: ${err.details || err.message}` });
        // field 1 (status) varint: SERVING = 1
        const status = res && res.length >= 2 && res[0] === 0x08 ? res[1] : 0;
        resolve(status === 1 ? { ok: true, output: '' } : { ok: false, output: `service unhealthy (responded with "${['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][status ?? 0] ?? 'UNKNOWN'}")` });
      });
    });
  } finally {
    client.close();
  }
}

/** Thresholds: the result flips after enough consecutive outcomes the other way. */
export class ProbeState {
  result: boolean | undefined;
  private successes = 0;
  private failures = 0;

  constructor(readonly kind: ProbeKind, readonly probe: Probe) {
    this.result = kind === 'liveness' ? true : kind === 'readiness' ? false : undefined;
  }

  /** Records one attempt; returns true when the result changed. */
  observe(ok: boolean): boolean {
    if (ok) { this.successes++; this.failures = 0; } else { this.failures++; this.successes = 0; }
    const prev = this.result;
    // successThreshold must be 1 for liveness and startup (API validation).
    if (ok && this.successes >= (this.probe.successThreshold ?? 1)) this.result = true;
    if (!ok && this.failures >= (this.probe.failureThreshold ?? 3)) this.result = false;
    return prev !== this.result;
  }
}

export interface ProbeEvents {
  /** A probe's result changed (the pod worker re-syncs; liveness/startup false = restart). */
  changed(podKey: string, containerId: string, kind: ProbeKind, result: boolean, output: string): void;
  /** One failed attempt (an `Unhealthy` event). */
  failed(podKey: string, containerId: string, kind: ProbeKind, output: string): void;
}

interface Worker {
  state: ProbeState;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

export interface ProbeManagerOptions {
  /** Milliseconds per probe "second" (tests shorten it). */
  secondMs?: number;
  now?: () => number;
}

/** Runs the probe workers of every container on the node. */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  private readonly secondMs: number;
  private readonly now: () => number;

  constructor(private readonly runtime: Runtime, private readonly events: ProbeEvents, opts: ProbeManagerOptions = {}) {
    this.secondMs = opts.secondMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Ensures workers for a running container's probes (idempotent per container id). */
  add(podKey: string, container: Container, containerId: string, startedAt: number, podIP: () => string | undefined): void {
    const kinds: [ProbeKind, Probe | undefined][] = [['startup', container.startupProbe], ['liveness', container.livenessProbe], ['readiness', container.readinessProbe]];
    for (const [kind, probe] of kinds) {
      if (!probe) continue;
      const key = `${containerId}/${kind}`;
      if (this.workers.has(key)) continue;
      const w: Worker = { state: new ProbeState(kind, probe), stopped: false };
      this.workers.set(key, w);
      const tick = async () => {
        if (w.stopped) return;
        const startup = this.workers.get(`${containerId}/startup`);
        const gated = kind !== 'startup' && startup && startup.state.result !== true;
        const delayOver = this.now() - startedAt >= (probe.initialDelaySeconds ?? 0) * this.secondMs;
        // A startup probe that already succeeded stops probing.
        const done = kind === 'startup' && w.state.result === true;
        if (!gated && delayOver && !done) {
          let out: ProbeOutcome;
          const type = probeTypeOf(probe);
          const sim = type ? this.runtime.simulatedProbe?.(containerId, kind, type) : undefined;
          if (sim !== undefined) out = { ok: sim, output: sim ? '' : simFailure(probe, podIP()) };
          else out = await runProbe(this.runtime, probe, { containerId, podIP: podIP(), container });
          if (w.stopped) return;
          if (!out.ok) this.events.failed(podKey, containerId, kind, out.output);
          if (w.state.observe(out.ok)) this.events.changed(podKey, containerId, kind, w.state.result!, out.output);
          // Liveness/startup failure ends this worker: the container is restarted with a new id.
          if (w.state.result === false && (kind === 'liveness' || kind === 'startup')) return;
        }
        if (w.stopped) return;
        const wait = !delayOver ? Math.max(1, startedAt + (probe.initialDelaySeconds ?? 0) * this.secondMs - this.now()) : (probe.periodSeconds ?? 10) * this.secondMs;
        w.timer = setTimeout(() => void tick(), Math.min(wait, (probe.periodSeconds ?? 10) * this.secondMs));
        w.timer.unref?.();
      };
      // The first attempt waits for the initial delay (or runs at once without one).
      w.timer = setTimeout(() => void tick(), 0);
      w.timer.unref?.();
    }
  }

  /** The probe result for a container (undefined when it has no such probe). */
  result(containerId: string, kind: ProbeKind): boolean | undefined {
    const w = this.workers.get(`${containerId}/${kind}`);
    return w ? w.state.result : undefined;
  }

  has(containerId: string, kind: ProbeKind): boolean {
    return this.workers.has(`${containerId}/${kind}`);
  }

  /** Stops the workers of a container (exited, removed or restarted). */
  remove(containerId: string): void {
    for (const kind of ['startup', 'liveness', 'readiness']) {
      const key = `${containerId}/${kind}`;
      const w = this.workers.get(key);
      if (!w) continue;
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
      this.workers.delete(key);
    }
  }

  stop(): void {
    for (const w of this.workers.values()) {
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
    }
    this.workers.clear();
  }
}

/** What a simulated network probe failure reads like (the shape of the real one). */
function simFailure(probe: Probe, podIP: string | undefined): string {
  if (probe.httpGet) {
    const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase();
    return `Get "${scheme}://${podIP ?? ''}:${probe.httpGet.port}${probe.httpGet.path ?? '/'}": dial tcp ${podIP ?? ''}:${probe.httpGet.port}: connect: connection refused`;
  }
  if (probe.tcpSocket) return `dial tcp ${podIP ?? ''}:${probe.tcpSocket.port}: connect: connection refused`;
  if (probe.grpc) return `timeout: failed to connect service "${podIP ?? ''}:${probe.grpc.port}" within 1s`;
  return '';
}
