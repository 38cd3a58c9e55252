// Forwarding of names outside the cluster zone to the host's resolvers, with a timeout
// (SERVFAIL on failure) and loop protection (never forward to our own address).
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import * as packet from 'dns-packet';
import type { Answer } from 'dns-packet';

export interface Upstream { host: string; port: number }

export function resolvConfUpstreams(path = '/etc/resolv.conf'): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[0] === 'nameserver' && f[1])
      .map((f) => f[1]!);
  } catch {
    return [];
  }
}

export function parseUpstream(s: string): Upstream {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: s, port: 53 };
}

export class Forwarder {
  private readonly upstreams: Upstream[];
  private inflight = 0;
  private readonly maxInflight = 1000;
  private closed = false;

  constructor(opts: { upstreams?: string[]; self: Upstream; timeoutMs?: number }, private readonly timeoutMs = opts.timeoutMs ?? 2000) {
    const self = opts.self;
    const isSelf = (u: Upstream) => u.port === self.port && (u.host === self.host || (self.host === '0.0.0.0' && /^127\./.test(u.host)));
    this.upstreams = (opts.upstreams ?? resolvConfUpstreams()).map(parseUpstream).filter((u) => !isSelf(u));
  }

  close(): void {
    this.closed = true;
  }

  /** Relays the raw query; resolves to the raw upstream answer, or undefined on failure. */
  async forward(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    if (this.closed || this.upstreams.length === 0 || this.inflight >= this.maxInflight) return undefined;
    this.inflight++;
    try {
      for (const u of this.upstreams) {
        const out = transport === 'tcp' ? await this.tcpQuery(u, msg) : await this.udpQuery(u, msg);
        if (out) return out;
      }
      return undefined;
    } finally {
      this.inflight--;
    }
  }

  /** Resolves name/type upstream; the answers, or undefined on failure. */
  async lookup(name: string, type: 'A' | 'AAAA'): Promise<Answer[] | undefined> {
    const q = packet.encode({ type: 'query', id: Math.floor(Math.random() * 65535), flags: packet.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
    const raw = await this.forward(q, 'udp');
    if (!raw) return undefined;
    try {
      const p = packet.decode(raw);
      return (p as { rcode?: string }).rcode === 'NOERROR' ? p.answers ?? [] : undefined;
    } catch {
      return undefined;
    }
  }

  private udpQuery(u: Upstream, msg: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = dgram.createSocket(u.host.includes(':') ? 'udp6' : 'udp4');
      const done = (v: Buffer | undefined) => {
        clearTimeout(timer);
        try { sock.close(); } catch { /* already closed */ }
        resolve(v);
      };
      const timer = setTimeout(() => done(undefined), this.timeoutMs);
      sock.on('error', () => done(undefined));
      sock.on('message', (reply) => {
        if (reply.length >= 2 && reply.readUInt16BE(0) === msg.readUInt16BE(0)) done(reply);
      });
      sock.send(msg, u.port, u.host, (err) => err && done(undefined));
    });
  }

  private tcpQuery(u: Upstream, msg: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = net.connect(u.port, u.host);
      let buf = Buffer.alloc(0);
      const done = (v: Buffer | undefined) => {
        clearTimeout(timer);
        sock.destroy();
        resolve(v);
      };
      const timer = setTimeout(() => done(undefined), this.timeoutMs);
      sock.on('error', () => done(undefined));
      sock.on('connect', () => {
        const framed = Buffer.alloc(2 + msg.length);
        framed.writeUInt16BE(msg.length, 0);
        msg.copy(framed, 2);
        sock.write(framed);
      });
      sock.on('data', (c) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
    });
  }
}
