// The API server's pod streaming endpoints — log (plain HTTP), exec/attach (WebSocket channel
// protocol or SPDY) and portforward (SPDY, plain or tunnelled in a WebSocket) — validated against
// the pod the way upstream's apiserver and kubelet do, then served by the PodStreams of the node the
// pod is bound to. Nodes in this process register their streamer in a per-API-server registry
// (streamingFor); for any other node the request is proxied, after the same validation, to the
// streaming server of that node's agent (./node-proxy.ts, served by ./kubelet-server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable, type Duplex, type Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Pod, Node, Container, ContainerStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../machinery/object.js';
import type { KindDefinition } from '../../api/kind.js';
import { ApiError, errors } from '../../machinery/errors.js';
import type { RequestInfo } from '../request-info.js';
import type { ResourceHandler } from '../resources.js';
import type { ConnectHandler, UpgradeHandler } from '../server.js';
import { WS_CHANNEL_PROTOCOLS, chooseChannelProtocol, wsCommandSession } from './ws-channel.js';
import { SPDY_COMMAND_PROTOCOLS, spdyCommandSession, type CommandIO, type CommandOutcome, type CommandRequest, type CommandSession } from './remotecommand.js';
import { servePortForward } from './portforward.js';
import { nodeEndpoint, proxyLog, proxyUpgrade, type NodeEndpoint, type ProxyIdentity } from './node-proxy.js';

/** Same shape as src/node/streaming/types.ts PodStreamer (declared here: apiserver never imports node). */
export interface PodRef { namespace: string; name: string; uid?: string }
export interface LogOptions { follow?: boolean; tailLines?: number; sinceTime?: Date; timestamps?: boolean; limitBytes?: number; previous?: boolean }
export interface PodStreams {
  logs(pod: PodRef, container: string, opts: LogOptions, out: Writable, signal: AbortSignal): Promise<void>;
  exec(pod: PodRef, container: string, cmd: string[], streams: CommandIO): Promise<number>;
  attach(pod: PodRef, container: string, streams: CommandIO): Promise<void>;
  portForward(pod: PodRef, port: number, stream: { input: Readable; output: Writable }): Promise<void>;
}

export const PORTFORWARD_WS_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';

/** What the registry needs from the cluster (ClusterContext satisfies it). */
export interface StreamingHost {
  handler: ResourceHandler;
  kinds: KindDefinition[];
  addConnectHandler(h: ConnectHandler): void;
  addUpgradeHandler(h: UpgradeHandler): void;
  log?(msg: string): void;
}

const registries = new WeakMap<ResourceHandler, StreamingRegistry>();

/** The registry of this API server, installing the log/exec/attach/portforward handlers on first use. */
export function streamingFor(host: StreamingHost): StreamingRegistry {
  let r = registries.get(host.handler);
  if (!r) {
    r = new StreamingRegistry(host);
    registries.set(host.handler, r);
    host.addConnectHandler(r.connect);
    host.addUpgradeHandler(r.upgrade);
  }
  return r;
}

const flag = (q: URLSearchParams, k: string) => ['true', '1'].includes((q.get(k) ?? '').toLowerCase());
const names = (cs: { name: string }[] | undefined) => (cs ?? []).map((c) => c.name).join(' ');

/** A validated request's pod and where it is served: a streamer in this process, or a remote node's agent. */
interface Target { pod: Pod; ref: PodRef; streams?: PodStreams; remote?: NodeEndpoint }

export class StreamingRegistry {
  private readonly nodes = new Map<string, PodStreams>();
  private readonly podKind: KindDefinition | undefined;
  private readonly nodeKind: KindDefinition | undefined;
  private identity?: ProxyIdentity;

  constructor(private readonly host: StreamingHost) {
    this.podKind = host.kinds.find((k) => k.group === '' && k.kind === 'Pod');
    this.nodeKind = host.kinds.find((k) => k.group === '' && k.kind === 'Node');
  }

  /**
   * Streams for pods on nodes without an in-process streamer go to the node agent's streaming
   * server, which accepts only this client certificate (the API server's own serving certificate).
   */
  enableRemoteNodes(identity: ProxyIdentity): void {
    this.identity = identity;
  }

  /** A node's streamer; returns the unregister function. */
  register(nodeName: string, streamer: PodStreams): () => void {
    this.nodes.set(nodeName, streamer);
    return () => { if (this.nodes.get(nodeName) === streamer) this.nodes.delete(nodeName); };
  }

  private log(m: string): void {
    this.host.log?.(m);
  }

  /** The pod and who serves its node, or undefined when nobody does (the server's default answers). */
  private async target(info: RequestInfo): Promise<Target | undefined> {
    if (!this.podKind || info.group !== '' || info.resource !== 'pods' || !info.name || !info.namespace) return undefined;
    const { obj } = await this.host.handler.getObject(this.podKind, info.namespace, info.name);
    const pod = obj as unknown as Pod;
    const node = pod.spec?.nodeName;
    if (!node) throw errors.badRequest(`pod ${info.name} does not have a host assigned`);
    const ref = { namespace: info.namespace, name: info.name, uid: pod.metadata?.uid };
    const streams = this.nodes.get(node);
    if (streams) return { pod, streams, ref };
    if (!this.identity || !this.nodeKind) return undefined;
    let nodeObj: KubeObject;
    try {
      nodeObj = (await this.host.handler.getObject(this.nodeKind, undefined, node)).obj;
    } catch (e) {
      if (e instanceof ApiError && e.status.code === 404) throw errors.internal(`nodes "${node}" not found`);
      throw e;
    }
    const remote = nodeEndpoint(nodeObj as unknown as Node);
    if (typeof remote === 'string') {
      this.log(`streams for pod ${info.namespace}/${info.name}: ${remote}`);
      return undefined;
    }
    return { pod, ref, remote };
  }

  // ---- plain HTTP: log (and a clear error for exec/attach/portforward without an upgrade) ----

  readonly connect: ConnectHandler = async (info, req, res) => {
    const sub = info.subresource;
    if (sub !== 'log' && sub !== 'exec' && sub !== 'attach' && sub !== 'portforward') return false;
    const t = await this.target(info);
    if (!t) return false;
    req.resume();
    if (sub !== 'log') throw errors.badRequest('Upgrade request required');
    const q = new URL(req.url ?? '/', 'https://localhost').searchParams;
    const opts = logOptions(q);
    const container = chooseContainer(t.pod, q.get('container') ?? '');
    validateLogStatus(t.pod, container, !!opts.previous);
    if (t.streams) {
      await serveLog(t.streams, t.ref, container, opts, req, res, (m) => this.log(m));
    } else {
      q.delete('container');
      const path = `/containerLogs/${seg(t.ref.namespace)}/${seg(t.ref.name)}/${seg(container)}${qs(q)}`;
      await proxyLog(t.remote!, this.identity!, path, req, res);
    }
    return true;
  };
  // ---- upgrades: exec, attach, portforward ----

  readonly upgrade: UpgradeHandler = async (info, req, socket, head) => {
    const sub = info.subresource;
    if (sub !== 'exec' && sub !== 'attach' && sub !== 'portforward') return false;
    const t = await this.target(info);
    if (!t) return false;
    const q = new URL(req.url ?? '/', 'https://localhost').searchParams;
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade !== 'websocket' && !upgrade.startsWith('spdy/3.1')) throw errors.badRequest(`unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}`);
    const uid = t.pod.metadata?.uid ?? '';
    if (sub === 'portforward') {
      if (t.streams) await serveUpgrade(sub, t.streams, t.ref, '', req, socket, head, (m) => this.log(m));
      else await proxyUpgrade(t.remote!, this.identity!, `/portForward/${seg(t.ref.namespace)}/${seg(t.ref.name)}/${seg(uid)}${qs(q)}`, req, socket, head);
      return true;
    }
    const container = chooseContainer(t.pod, q.get('container') ?? '');
    const creq = commandRequest(q);
    if (sub === 'exec' && creq.command.length === 0) throw errors.badRequest('you must specify at least one command for the container');
    if (!containerRunning(t.pod, container)) {
      // What the kubelet answers; kubectl prints `error: unable to upgrade connection: container not found ("c")`.
      rejectPlain(socket, 404, `container not found (${JSON.stringify(container)})`);
      return true;
    }
    if (t.streams) {
      await serveUpgrade(sub, t.streams, t.ref, container, req, socket, head, (m) => this.log(m));
    } else {
      q.delete('container');
      await proxyUpgrade(t.remote!, this.identity!, `/${sub}/${seg(t.ref.namespace)}/${seg(t.ref.name)}/${seg(uid)}/${seg(container)}${qs(q)}`, req, socket, head);
    }
    return true;
  };
}

const seg = encodeURIComponent;
const qs = (q: URLSearchParams) => (q.size ? `?${q.toString()}` : '');

/** exec/attach stream flags and command from the query (at least one stream is required). */
function commandRequest(q: URLSearchParams): CommandRequest {
  const creq: CommandRequest = {
    stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr'), tty: flag(q, 'tty'),
    command: q.getAll('command'),
  };
  if (!creq.stdin && !creq.stdout && !creq.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return creq;
}

/** Streams one container's log as the HTTP response (the API server's and the node's log endpoint). */
export async function serveLog(streams: PodStreams, ref: PodRef, container: string, opts: LogOptions, req: IncomingMessage, res: ServerResponse, log: (m: string) => void): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  req.on('close', () => { if (res.writableFinished || res.destroyed) abort.abort(); });
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
  };
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      start();
      if (res.destroyed) return cb();
      if (res.write(chunk)) cb(); else res.once('drain', () => cb()).once('close', () => cb());
    },
  });
  if (opts.follow) start(); // kubectl -f wants headers at once, even before the first line
  try {
    await streams.logs(ref, container, opts, out, abort.signal);
  } catch (e) {
    if (!started) throw asApiError(e);
    log(`log stream ${ref.namespace}/${ref.name}/${container}: ${(e as Error).message}`);
  }
  start();
  res.end();
}

/**
 * Serves an already validated exec/attach/portforward upgrade with a node's streams: negotiates the
 * WebSocket or SPDY subprotocol and runs the session (the API server's and the node's endpoint).
 */
export async function serveUpgrade(sub: 'exec' | 'attach' | 'portforward', streams: PodStreams, ref: PodRef, container: string, req: IncomingMessage, socket: Duplex, head: Buffer, log: (m: string) => void): Promise<void> {
  const q = new URL(req.url ?? '/', 'https://localhost').searchParams;
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  const isWs = upgrade === 'websocket';
  if (!isWs && !upgrade.startsWith('spdy/3.1')) throw errors.badRequest(`unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}`);
  if (sub === 'portforward') return upgradePortForward(streams, ref, req, socket, head, isWs, log);
  const creq = commandRequest(q);
  if (sub === 'exec' && creq.command.length === 0) throw errors.badRequest('you must specify at least one command for the container');
  let session: CommandSession;
  if (isWs) {
    const protocol = chooseChannelProtocol(offeredWs(req));
    if (!protocol) throw errors.badRequest(`unable to upgrade: no supported subprotocol offered; supported: ${WS_CHANNEL_PROTOCOLS.join(', ')}`);
    const ws = await acceptWs(req, socket, head, protocol);
    session = wsCommandSession(ws, protocol, creq);
  } else {
    const offered = offeredSpdy(req);
    const protocol = offered.length ? SPDY_COMMAND_PROTOCOLS.find((p) => offered.includes(p)) : 'channel.k8s.io';
    if (!protocol) throw errors.badRequest(`unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(SPDY_COMMAND_PROTOCOLS)}`);
    acceptSpdy(socket, head, protocol);
    try {
      session = await spdyCommandSession(socket, protocol, creq);
    } catch (e) {
      log(`${sub} ${ref.namespace}/${ref.name}: ${(e as Error).message}`);
      socket.destroy();
      return;
    }
  }
  void runCommand(sub, streams, ref, container, creq, session);
}

async function runCommand(sub: 'exec' | 'attach', streams: PodStreams, ref: PodRef, container: string, creq: CommandRequest, session: CommandSession): Promise<void> {
  let outcome: CommandOutcome;
  try {
    if (sub === 'exec') {
      outcome = { exitCode: await streams.exec(ref, container, creq.command, session.io) };
    } else {
      // An attach also ends when the client leaves (the process keeps running).
      await Promise.race([streams.attach(ref, container, session.io), session.closed]);
      outcome = { exitCode: 0 };
    }
  } catch (e) {
    outcome = { error: (e as Error).message };
  }
  await Promise.all([finishWritable(session.io.stdout), finishWritable(session.io.stderr)]);
  session.finish(outcome, creq.command);
}

async function upgradePortForward(streams: PodStreams, ref: PodRef, req: IncomingMessage, socket: Duplex, head: Buffer, isWs: boolean, log: (m: string) => void): Promise<void> {
  const forward = (port: number, stream: { input: Readable; output: Writable }) => streams.portForward(ref, port, stream);
  const uid = ref.uid ?? '';
  if (isWs) {
    if (!offeredWs(req).includes(PORTFORWARD_WS_PROTOCOL)) throw errors.badRequest(`unable to upgrade: port-forward over WebSocket needs the ${PORTFORWARD_WS_PROTOCOL} subprotocol`);
    const ws = await acceptWs(req, socket, head, PORTFORWARD_WS_PROTOCOL);
    const tunnel = (await import('ws')).createWebSocketStream(ws);
    tunnel.on('error', () => {});
    servePortForward(tunnel, ref.name, uid, forward, log);
    return;
  }
  const offered = offeredSpdy(req);
  if (!offered.includes(PORTFORWARD_PROTOCOL)) throw errors.badRequest(`unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ["${PORTFORWARD_PROTOCOL}"]`);
  acceptSpdy(socket, head, PORTFORWARD_PROTOCOL);
  servePortForward(socket, ref.name, uid, forward, log);
}

async function acceptWs(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
  // ws loads on the first WebSocket upgrade, not at server start (start time, resident memory).
  const { WebSocketServer } = await import('ws');
  return new Promise((resolve, reject) => {
    // ws validates subprotocols as RFC 7230 tokens and refuses `SPDY/3.1+portforward.k8s.io`
    // ('/' is not a token character): we negotiate ourselves and add the header to the 101.
    delete req.headers['sec-websocket-protocol'];
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
    wss.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => {});
        resolve(ws);
      });
    } catch (e) {
      reject(e);
    }
  });
}

async function finishWritable(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed || w.writableFinished) return;
  await new Promise<void>((resolve) => {
    w.once('finish', resolve).once('close', resolve).once('error', resolve);
    if (!w.writableEnded) w.end();
  });
}

function offeredWs(req: IncomingMessage): string[] {
  return String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function offeredSpdy(req: IncomingMessage): string[] {
  const h = req.headers['x-stream-protocol-version'];
  return (Array.isArray(h) ? h.join(',') : String(h ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
}

function acceptSpdy(socket: Duplex, head: Buffer, protocol: string): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  if (head.length) socket.unshift(head);
}

function rejectPlain(socket: Duplex, code: number, text: string): void {
  const reason = code === 404 ? 'Not Found' : code === 400 ? 'Bad Request' : 'Error';
  try {
    socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  } catch { /* gone */ }
}

function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const code = (e as { code?: unknown }).code;
  const msg = (e as Error)?.message ?? String(e);
  if (code === 400) return errors.badRequest(msg);
  if (code === 404) return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: msg, reason: 'NotFound', code: 404 });
  if (code === 503) return errors.serviceUnavailable(msg);
  return errors.internal(msg);
}

// ---- validation, as upstream's apiserver (container choice) and kubelet (container state) ----

/** The container a request means: the named one, or the only one. */
export function chooseContainer(pod: Pod, name: string): string {
  const podName = pod.metadata?.name ?? '';
  const spec = pod.spec;
  if (!name) {
    const cs = spec?.containers ?? [];
    if (cs.length === 1) return cs[0]!.name;
    if (cs.length === 0) throw errors.badRequest(`a container name must be specified for pod ${podName}`);
    let msg = `a container name must be specified for pod ${podName}, choose one of: [${names(cs)}]`;
    if (spec?.initContainers?.length) msg += ` or one of the init containers: [${names(spec.initContainers)}]`;
    throw errors.badRequest(msg);
  }
  const all: { name: string }[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...((spec?.ephemeralContainers ?? []) as Container[])];
  if (!all.some((c) => c.name === name)) throw errors.badRequest(`container ${name} is not valid for pod ${podName}`);
  return name;
}

function statusOf(pod: Pod, container: string): ContainerStatus | undefined {
  const s = pod.status;
  return [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? []), ...(s?.ephemeralContainerStatuses ?? [])].find((c) => c.name === container);
}

/** The kubelet's validateContainerLogStatus: errors for logs that do not exist (yet). */
export function validateLogStatus(pod: Pod, container: string, previous: boolean): void {
  const podName = pod.metadata?.name ?? '';
  const q = (s: string) => JSON.stringify(s);
  const cs = statusOf(pod, container);
  if (!cs) throw errors.badRequest(`container ${q(container)} in pod ${q(podName)} is not available`);
  const state = cs.state ?? {};
  const last = cs.lastState ?? {};
  if (previous) {
    if (!last.terminated || !last.terminated.containerID) throw errors.badRequest(`previous terminated container ${q(container)} in pod ${q(podName)} not found`);
    return;
  }
  if (state.running) return;
  if (state.terminated) {
    if (!state.terminated.containerID) throw errors.badRequest(`container ${q(container)} in pod ${q(podName)} is terminated`);
    return;
  }
  if (last.terminated) return;
  if (state.waiting) {
    const reason = state.waiting.reason ?? '';
    if (reason === 'ErrImagePull') throw errors.badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start: image can't be pulled`);
    if (reason === 'ImagePullBackOff') throw errors.badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start: trying and failing to pull image`);
    throw errors.badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start: ${reason}`);
  }
  throw errors.badRequest(`container ${q(container)} in pod ${q(podName)} is waiting to start - no logs yet`);
}

function containerRunning(pod: Pod, container: string): boolean {
  return !!statusOf(pod, container)?.state?.running;
}

function intParam(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for ${k}: ${JSON.stringify(v)}`);
  return Number(v);
}

/** PodLogOptions from the query, validated as upstream's validation.ValidatePodLogOptions. */
export function logOptions(q: URLSearchParams): LogOptions {
  const tailLines = intParam(q, 'tailLines');
  const limitBytes = intParam(q, 'limitBytes');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  const sinceTimeText = q.get('sinceTime');
  const problems: string[] = [];
  if (tailLines !== undefined && tailLines < 0) problems.push('tailLines: Invalid value: must be greater than or equal to 0');
  if (limitBytes !== undefined && limitBytes < 1) problems.push('limitBytes: Invalid value: must be greater than 0');
  if (sinceSeconds !== undefined && sinceSeconds < 1) problems.push('sinceSeconds: Invalid value: must be greater than 0');
  if (sinceSeconds !== undefined && sinceTimeText) problems.push(': Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (problems.length) throw errors.badRequest(problems.join(', '));
  let sinceTime: Date | undefined;
  if (sinceTimeText) {
    const ms = Date.parse(sinceTimeText);
    if (Number.isNaN(ms)) throw errors.badRequest(`invalid value for sinceTime: ${JSON.stringify(sinceTimeText)}`);
    sinceTime = new Date(ms);
  } else if (sinceSeconds !== undefined) sinceTime = new Date(Date.now() - sinceSeconds * 1000);
  return {
    follow: flag(q, 'follow'), previous: flag(q, 'previous'), timestamps: flag(q, 'timestamps'),
    tailLines, limitBytes, sinceTime,
  };
}
