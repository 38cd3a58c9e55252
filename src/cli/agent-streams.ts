// Streaming for `ordinal agent` (a node agent in its own process): the agent's streaming server
// (logs, exec, attach, port-forward; upstream the kubelet's port 10250) and the API server side
// that proxies to it. See src/apiserver/streaming/kubelet-server.ts and node-proxy.ts for the
// protocol and how both ends authenticate.
import os from 'node:os';
import type { Runtime } from '../node/runtime/types.js';
import { RuntimeStreamer } from '../node/streaming/runtime-streamer.js';
import { streamingFor } from '../apiserver/streaming/handlers.js';
import { startKubeletServer, apiServerCertificate, type KubeletServer } from '../apiserver/streaming/kubelet-server.js';
import { KUBELET_CERT_ANNOTATION } from '../apiserver/streaming/node-proxy.js';
import type { Component } from './cluster.js';

export type { KubeletServer };

/** The node's streaming server; `runtime` is read per request (undefined until the agent started). */
export function startNodeStreamingServer(o: { server: string; caPem?: string; host: string; port: number; runtime: () => Runtime | undefined; log?: (m: string) => void }): Promise<KubeletServer> {
  let streamer: RuntimeStreamer | undefined;
  let streamerOf: Runtime | undefined;
  return startKubeletServer({
    host: o.host, port: o.port, log: o.log,
    streams: () => {
      const rt = o.runtime();
      if (rt && rt !== streamerOf) { streamer = new RuntimeStreamer(rt); streamerOf = rt; }
      return rt ? streamer : undefined;
    },
    isApiServer: apiServerCertificate(o.server, o.caPem),
  });
}

/** NodeAgent options that publish the streaming server on the Node (port and certificate fingerprint). */
export function nodeStreamingOptions(k: KubeletServer): { kubeletPort: number; annotations: Record<string, string> } {
  return { kubeletPort: k.port, annotations: { [KUBELET_CERT_ANNOTATION]: k.certSha256 } };
}

/** The node agent's default InternalIP (as NodeAgent picks it): the first non-loopback IPv4. */
export function defaultNodeIP(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Lets the API server proxy pod streams to node agents in other processes (`ordinal agent`). */
export const remoteNodeStreamsComponent: Component = {
  name: 'remote-node-streams',
  async start(ctx) {
    if (ctx.servingTls) streamingFor(ctx).enableRemoteNodes(ctx.servingTls);
    return { stop() {} };
  },
};

/** A Go-style duration ("10s", "500ms", "1m", "1.5s") in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']);
}

/** A duration from an environment variable, or undefined when unset or empty. */
export function durationEnv(name: string): number | undefined {
  const v = process.env[name];
  return v ? parseDuration(v) : undefined;
}
