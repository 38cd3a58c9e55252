// The API server's side of streaming to a node agent in another process (upstream: the apiserver
// proxying to the kubelet's port). The node is found from its Node object: the InternalIP of
// status.addresses and status.daemonEndpoints.kubeletEndpoint.Port. Both ends authenticate:
//  - the node: its agent serves a self-signed certificate and publishes the certificate's SHA-256
//    fingerprint in the Node annotation below (only holders of a node-writing credential can set
//    it); we connect only when the peer's certificate has exactly that fingerprint.
//  - the API server: we present our own serving certificate as the TLS client certificate; the
//    agent accepts only the certificate its HTTPS connection to the API server shows (see
//    kubelet-server.ts). The handshake proves possession of the private key.
// The request (already validated here) is forwarded as is — kubectl's upgrade headers included —
// and the node's answer flows back byte for byte, so every protocol kubectl speaks passes through.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Node } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../machinery/errors.js';

/** Node annotation with the SHA-256 fingerprint (colon-separated hex) of the agent's streaming certificate. */
export const KUBELET_CERT_ANNOTATION = 'node.ordinal.dev/kubelet-serving-cert-sha256';

export interface NodeEndpoint { nodeName: string; host: string; port: number; certSha256: string }
/** The client certificate the API server presents to nodes. */
export interface ProxyIdentity { certPem: string; keyPem: string }

/** Where a Node's agent serves streams, or why it can't be reached (a message). */
export function nodeEndpoint(node: Node): NodeEndpoint | string {
  const name = node.metadata?.name ?? '';
  const addrs = node.status?.addresses ?? [];
  const host = (addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'ExternalIP'))?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const certSha256 = node.metadata?.annotations?.[KUBELET_CERT_ANNOTATION];
  if (!host) return `node ${JSON.stringify(name)} has no InternalIP address`;
  if (!port) return `node ${JSON.stringify(name)} has no kubelet endpoint port`;
  if (!certSha256) return `node ${JSON.stringify(name)} does not publish its streaming certificate (annotation ${KUBELET_CERT_ANNOTATION})`;
  return { nodeName: name, host, port, certSha256 };
}

const normalise = (fp: string) => fp.replace(/:/g, '').toUpperCase();

/** A status that kubectl prints as `Error from server: <message>` (upstream's proxy errors). */
function proxyError(message: string, code = 500): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code });
}

/** A TLS connection to the node, open once the node's certificate matches its published fingerprint. */
export function connectNode(ep: NodeEndpoint, id: ProxyIdentity, what: string): Promise<tls.TLSSocket> {
  const hostPort = `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`;
  return new Promise((resolve, reject) => {
    // The chain is not verified by a CA (the agent's certificate is self-signed); the pin below is the check.
    const sock = tls.connect({ host: ep.host, port: ep.port, cert: id.certPem, key: id.keyPem, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => sock.destroy(new Error('i/o timeout')), 10_000);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      const fp = sock.getPeerCertificate()?.fingerprint256 ?? '';
      if (!fp || normalise(fp) !== normalise(ep.certSha256)) {
        sock.destroy();
        reject(proxyError(`${what}: tls: the certificate of node ${JSON.stringify(ep.nodeName)} does not match its published fingerprint`));
        return;
      }
      sock.setNoDelay(true);
      resolve(sock);
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message;
      reject(proxyError(`${what}: dial tcp ${hostPort}: ${why}`));
    });
  });
}

/** Proxies a log request to the node and its answer (status, headers, body) back to the client. */
export async function proxyLog(ep: NodeEndpoint, id: ProxyIdentity, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const sock = await connectNode(ep, id, `Get "https://${ep.host}:${ep.port}${path}"`);
  await new Promise<void>((resolve, reject) => {
    const up = http.request({ createConnection: () => sock, method: 'GET', path, headers: { Host: `${ep.host}:${ep.port}`, Accept: '*/*' } }, (r) => {
      const headers: Record<string, string | string[]> = {};
      for (const k of ['content-type', 'cache-control']) if (r.headers[k]) headers[k] = r.headers[k] as string;
      res.writeHead(r.statusCode ?? 502, headers);
      res.flushHeaders();
      r.pipe(res);
      r.on('end', resolve);
      r.on('error', () => { res.destroy(); resolve(); });
      r.on('close', resolve);
    });
    up.on('error', (e) => {
      if (res.headersSent) { res.destroy(); resolve(); } else reject(proxyError(`Get "https://${ep.host}:${ep.port}${path}": ${e.message}`));
    });
    // The client went away (e.g. Ctrl-C on `kubectl logs -f`): stop the node's stream too.
    res.on('close', () => { if (!res.writableFinished) up.destroy(); sock.destroy(); });
    req.on('close', () => { if (res.destroyed) up.destroy(); });
    up.end();
  });
}

/** Headers not forwarded to the node: our own credentials replace the client's, and the hop is new. */
const HOP_HEADERS = new Set(['authorization', 'host', 'proxy-authorization', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * Proxies an upgrade (exec/attach/portforward over WebSocket or SPDY): the request line and the
 * client's headers go to the node, then the two connections are spliced together.
 */
export async function proxyUpgrade(ep: NodeEndpoint, id: ProxyIdentity, path: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const up = await connectNode(ep, id, `error dialing backend`);
  let headText = `${req.method ?? 'GET'} ${path} HTTP/1.1\r\nHost: ${ep.host}:${ep.port}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    if (HOP_HEADERS.has(k) || k.startsWith('impersonate-')) continue;
    headText += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  up.write(headText + '\r\n');
  if (head.length) up.write(head);
  const end = () => { up.destroy(); socket.destroy(); };
  up.on('error', end).on('close', end);
  socket.on('error', end).on('close', end);
  up.pipe(socket);
  socket.pipe(up);
}
