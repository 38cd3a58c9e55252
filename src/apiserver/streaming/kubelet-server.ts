// The node agent's streaming server (upstream: the kubelet's port 10250 endpoints), for an agent
// running in its own process: the API server validates logs/exec/attach/portforward requests
// against the pod and forwards them here (./node-proxy.ts); this server speaks the same kubectl
// protocols to the node's runtime. Paths as the kubelet's:
//   GET /containerLogs/{namespace}/{pod}/{container}?follow=…
//   /exec|attach/{namespace}/{pod}[/{uid}]/{container}?command=…&stdin=…   (WebSocket or SPDY upgrade)
//   /portForward/{namespace}/{pod}[/{uid}]                                  (SPDY, or SPDY in a WebSocket)
// Authentication: TLS with a self-signed certificate whose fingerprint the agent publishes on its
// Node; clients must present a certificate, and only the API server's is accepted — the one its
// HTTPS endpoint shows the agent (verified with the cluster CA, like the agent's API connection).
import https from 'node:https';
import tls, { type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { ApiError, errors } from '../../machinery/errors.js';
import { generateTlsSync } from '../cert-der.js';
import { logOptions, serveLog, serveUpgrade, type PodStreams, type PodRef } from './handlers.js';

export interface KubeletServerOptions {
  /** Address to listen on (the node's IP). */
  host: string;
  /** Port (upstream --port, 10250); 0 = any free port. */
  port: number;
  /** The node's streams; undefined until the agent's runtime is up. */
  streams: () => PodStreams | undefined;
  /** Whether a client certificate (SHA-256 fingerprint) belongs to the API server. */
  isApiServer: (fingerprint256: string) => Promise<boolean>;
  log?: (m: string) => void;
}

export interface KubeletServer {
  port: number;
  /** SHA-256 fingerprint of the serving certificate (publish it on the Node). */
  certSha256: string;
  close(): Promise<void>;
}

type Route =
  | { kind: 'containerLogs'; ref: PodRef; container: string }
  | { kind: 'exec' | 'attach'; ref: PodRef; container: string }
  | { kind: 'portForward'; ref: PodRef };

/** The kubelet-style path of a request, or undefined for anything else. */
export function parseKubeletPath(pathname: string): Route | undefined {
  let parts: string[];
  try {
    parts = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (parts.some((p) => !p)) return undefined;
  const [kind, namespace, name] = parts;
  if (!namespace || !name) return undefined;
  if (kind === 'containerLogs' && parts.length === 4) return { kind, ref: { namespace, name }, container: parts[3]! };
  if ((kind === 'exec' || kind === 'attach') && (parts.length === 4 || parts.length === 5)) {
    return { kind, ref: { namespace, name, uid: parts.length === 5 ? parts[3] : undefined }, container: parts[parts.length - 1]! };
  }
  if (kind === 'portForward' && (parts.length === 3 || parts.length === 4)) return { kind, ref: { namespace, name, uid: parts[3] } };
  return undefined;
}

function statusBody(e: unknown): { code: number; body: string } {
  const err = e instanceof ApiError ? e : errors.internal((e as Error)?.message ?? String(e));
  return { code: err.status.code, body: JSON.stringify(err.status) };
}

function writeStatusOnSocket(socket: Duplex, e: unknown): void {
  const { code, body } = statusBody(e);
  try {
    socket.end(`HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : code === 404 ? 'Not Found' : code === 400 ? 'Bad Request' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  } catch { /* gone */ }
}

const notFound = () => new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: '404 page not found', reason: 'NotFound', code: 404 });
const unauthorized = () => new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });

export async function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  const log = o.log ?? (() => {});
  const hosts = [...new Set([o.host, '127.0.0.1', 'localhost'])];
  const own = generateTlsSync(hosts);
  const certSha256 = new X509Certificate(own.certPem).fingerprint256;

  const authenticate = async (req: IncomingMessage) => {
    const fp = (req.socket as TLSSocket).getPeerCertificate?.()?.fingerprint256;
    if (!fp || !(await o.isApiServer(fp))) throw unauthorized();
  };
  const streams = () => {
    const s = o.streams();
    if (!s) throw errors.serviceUnavailable('the node agent is starting');
    return s;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    await authenticate(req);
    const url = new URL(req.url ?? '/', 'https://node');
    const route = parseKubeletPath(url.pathname);
    if (!route) throw notFound();
    req.resume();
    if (route.kind !== 'containerLogs') throw errors.badRequest('Upgrade request required');
    if (req.method !== 'GET') throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${req.method} is not allowed`, reason: 'MethodNotAllowed', code: 405 });
    await serveLog(streams(), route.ref, route.container, logOptions(url.searchParams), req, res, log);
  };

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    await authenticate(req);
    const url = new URL(req.url ?? '/', 'https://node');
    const route = parseKubeletPath(url.pathname);
    if (!route || route.kind === 'containerLogs') throw notFound();
    const sub = route.kind === 'portForward' ? 'portforward' : route.kind;
    await serveUpgrade(sub, streams(), route.ref, route.kind === 'portForward' ? '' : route.container, req, socket, head, log);
  };

  const server = https.createServer({ cert: own.certPem, key: own.keyPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    onRequest(req, res).catch((e) => {
      if (res.headersSent) { res.destroy(); return; }
      const { code, body } = statusBody(e);
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(body);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    onUpgrade(req, socket, head).catch((e) => writeStatusOnSocket(socket, e));
  });
  server.on('tlsClientError', () => { /* a bad handshake is the client's problem */ });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  log(`streaming server listening on https://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`);
  return {
    port,
    certSha256,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * Recognises the API server's certificate: the one its HTTPS endpoint presents, fetched with the
 * same trust as the agent's API connection (the cluster CA). A certificate that does not match is
 * checked again against a fresh fetch (at most every 5 s), so a re-issued API server certificate
 * is picked up.
 */
export function apiServerCertificate(serverUrl: string, caPem: string | undefined): (fingerprint256: string) => Promise<boolean> {
  const u = new URL(serverUrl);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  let known: string | undefined;
  let fetchedAt = 0;
  let inflight: Promise<string | undefined> | undefined;
  const fetch = () => (inflight ??= new Promise<string | undefined>((resolve) => {
    const isIp = /^[\d.]+$/.test(host) || host.includes(':');
    const sock = tls.connect({ host, port, ca: caPem, servername: isIp ? undefined : host, rejectUnauthorized: true });
    const timer = setTimeout(() => sock.destroy(new Error('timeout')), 5000);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      const fp = sock.getPeerCertificate()?.fingerprint256;
      sock.end();
      resolve(fp);
    });
    sock.once('error', () => { clearTimeout(timer); resolve(undefined); });
  }).finally(() => { inflight = undefined; fetchedAt = Date.now(); }));
  return async (fp) => {
    if (known && fp === known) return true;
    if (!known || Date.now() - fetchedAt > 5000) known = (await fetch()) ?? known;
    return !!known && fp === known;
  };
}
