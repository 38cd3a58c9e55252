// The DNS server: UDP and TCP on one address, answers from the cluster index (via Resolver),
// everything else forwarded to the host's resolvers. Bad packets are dropped or answered FORMERR,
// never fatal. Encoded answers are cached per exact question bytes until the index changes.
import dgram from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { ClusterIndex } from './cluster-index.js';
import { Resolver, type Resolution, type Rcode, type QType } from './resolve.js';
import { Forwarder } from './forward.js';
import { UdpWorkers } from './udp-workers.js';

export interface DnsServerOptions {
  host: string;
  port: number; // 0 = pick a free one
  zone?: string;
  ttl?: number;
  /** Upstream resolvers "ip" or "ip:port"; default: nameservers of /etc/resolv.conf. [] disables forwarding. */
  upstreams?: string[];
  /** Addresses for ns.dns.<zone>; default: the listen host. */
  nsAddresses?: string[];
  log?: (msg: string) => void;
  /**
   * Extra processes reading the same UDP socket and answering cached questions (udp-workers.ts);
   * 0 (default) = this thread only. They start in the background: see `workersReady`.
   */
  udpWorkers?: number;
}

const RCODE_NUM: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const CACHE_MAX = 50_000;

export class DnsServer {
  readonly index: ClusterIndex;
  private resolver!: Resolver;
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private forwarder!: Forwarder;
  private cache = new Map<string, Buffer>();
  private cacheGeneration = -1;
  private workers?: UdpWorkers;
  private unsubscribe?: () => void;
  /** Resolves once the UDP workers (if any) hold the socket; never rejects (failures are logged). */
  workersReady: Promise<void> = Promise.resolve();
  address = { host: '', port: 0 };
  stats = { queries: 0, dropped: 0, forwarded: 0 };

  constructor(private readonly opts: DnsServerOptions, index = new ClusterIndex()) {
    this.index = index;
  }

  async start(): Promise<void> {
    const { host } = this.opts;
    // Bind UDP first, then TCP on the same port (retry a few times when port 0 picks one TCP can't use).
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.opts.port, host, () => resolve());
      });
      const port = udp.address().port;
      // Half-open: a client may shut down its side right after the query (nc does); answer, then close.
      const tcp = net.createServer({ allowHalfOpen: true }, (sock) => this.onTcp(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, host, () => resolve());
        });
      } catch (err) {
        udp.close();
        if (this.opts.port === 0 && attempt < 5) continue;
        throw err;
      }
      udp.on('error', (e) => this.opts.log?.(`dns udp error: ${e.message}`));
      tcp.on('error', (e) => this.opts.log?.(`dns tcp error: ${e.message}`));
      udp.on('message', (msg, rinfo) => this.onUdp(msg, rinfo));
      this.udp = udp;
      this.tcp = tcp;
      this.address = { host, port };
      break;
    }
    const zone = (this.opts.zone ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
    this.resolver = new Resolver(this.index, { zone, ttl: this.opts.ttl ?? 5, nsAddresses: this.opts.nsAddresses ?? [host] });
    this.forwarder = new Forwarder({ upstreams: this.opts.upstreams, self: this.address });
    if ((this.opts.udpWorkers ?? 0) > 0) {
      const workers = new UdpWorkers({ socket: this.udp!, miss: (msg, rinfo) => this.onWorkerMiss(msg, rinfo), log: this.opts.log });
      this.workers = workers;
      workers.setGeneration(this.index.generation);
      this.unsubscribe = this.index.onChange(() => workers.setGeneration(this.index.generation));
      this.workersReady = workers.start(this.opts.udpWorkers!).catch((e) => this.opts.log?.(`dns: UDP workers: ${(e as Error).message}`));
    }
  }

  /** Process IDs of the UDP workers. */
  workerPids(): number[] {
    return this.workers?.pids ?? [];
  }

  /** How many UDP worker processes run, and how many queries they answered from their caches. */
  async workerStats(): Promise<{ workers: number; answered: number }> {
    return { workers: this.workers?.count ?? 0, answered: (await this.workers?.answered()) ?? 0 };
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.workersReady;
    await this.workers?.stop();
    this.forwarder?.close();
    await new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r()));
    await new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r()));
  }

  private onUdp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    // Fast path: a cached answer is sent without a promise round-trip.
    const hit = this.cached(msg, 'udp');
    if (hit) {
      this.stats.queries++;
      this.udp?.send(hit, rinfo.port, rinfo.address);
      return;
    }
    this.handle(msg, 'udp').then(
      (out) => {
        if (out) this.udp?.send(out, rinfo.port, rinfo.address);
      },
      () => this.stats.dropped++,
    );
  }

  /** A question a UDP worker had no cached answer for: answer it here (which also fills its cache). */
  private onWorkerMiss(msg: Buffer, rinfo: { address: string; port: number }): void {
    const key = this.cacheKey(msg, 'udp');
    const hit = key === undefined ? undefined : this.cache.get(key);
    if (hit && key) this.workers?.fill(key, hit, this.cacheGeneration);
    this.onUdp(msg, rinfo as dgram.RemoteInfo);
  }

  private onTcp(sock: net.Socket): void {
    let buf = Buffer.alloc(0);
    let pending = 0;
    let ended = false;
    const maybeEnd = () => {
      if (ended && pending === 0 && !sock.destroyed) sock.end();
    };
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('end', () => {
      ended = true;
      maybeEnd();
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > 70_000) return sock.destroy(); // no legitimate query is this large
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        pending++;
        this.handle(msg, 'tcp').then((out) => {
          if (!out || sock.destroyed) return;
          const framed = Buffer.alloc(2 + out.length);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          sock.write(framed);
        }, () => this.stats.dropped++).finally(() => {
          pending--;
          maybeEnd();
        });
      }
    });
  }

  /** Cache key for plain single-question queries (the exact question bytes, so case is echoed). */
  private cacheKey(msg: Buffer, transport: 'udp' | 'tcp'): string | undefined {
    if (msg.length < 17 || msg[2]! & 0x80) return undefined;
    if (this.cacheGeneration !== this.index.generation) {
      this.cache.clear();
      this.cacheGeneration = this.index.generation;
    }
    const qend = questionEnd(msg);
    if (qend < 0 || msg.length !== qend || msg.readUInt16BE(4) !== 1 || msg.readUInt16BE(6) !== 0 || msg.readUInt16BE(8) !== 0 || msg.readUInt16BE(10) !== 0) return undefined;
    return transport + msg.toString('latin1', 12, qend);
  }

  /** A cached encoded answer with this query's id and RD bit, or undefined. */
  private cached(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const key = this.cacheKey(msg, transport);
    const hit = key === undefined ? undefined : this.cache.get(key);
    if (!hit) return undefined;
    const out = Buffer.from(hit);
    out[0] = msg[0]!;
    out[1] = msg[1]!;
    out[2] = (out[2]! & 0xfe) | (msg[2]! & 0x01); // echo RD
    return out;
  }

  /** One query in, one encoded response out (or undefined to drop). Never throws. */
  async handle(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    this.stats.queries++;
    if (msg.length < 12) return undefined; // not even a header
    if (msg[2]! & 0x80) return undefined; // a response, not a query: ignore (reflection guard)
    const hit = this.cached(msg, transport);
    if (hit) return hit;
    const cacheKey = this.cacheKey(msg, transport);
    let query: DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return formErr(msg);
    }
    if (!query.questions || query.questions.length !== 1) return formErr(msg);
    const q = query.questions[0]!;
    const opt = (query.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const limit = transport === 'tcp' ? 65535 : opt ? Math.max(512, Math.min(opt.udpPayloadSize ?? 512, 4096)) : 512;
    let res: Resolution;
    try {
      res = this.resolver.resolve(q.name, q.type as QType, q.class ?? 'IN');
    } catch {
      res = { rcode: 'SERVFAIL', aa: false, answers: [], authority: [], additionals: [] };
    }
    if (res.forward) {
      this.stats.forwarded++;
      const up = await this.forwarder.forward(msg, transport);
      return up ?? encodeResponse(query, { rcode: 'SERVFAIL', aa: false, answers: [], authority: [], additionals: [] }, opt, limit);
    }
    if (res.chaseUpstream) {
      const extra = await this.forwarder.lookup(res.chaseUpstream.name, res.chaseUpstream.type);
      if (extra === undefined) res = { ...res, answers: [] }; // upstream failed: CoreDNS omits the CNAME
      else res = { ...res, answers: [...res.answers, ...extra] };
    }
    shuffleAddresses(res.answers);
    const out = encodeResponse(query, res, opt, limit);
    if (cacheKey && !res.chaseUpstream && res.answers.length <= 1) {
      // Single-answer responses are order-free, so caching them keeps round-robin intact.
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(cacheKey, out);
      if (transport === 'udp' && this.cacheGeneration === this.index.generation) this.workers?.fill(cacheKey, out, this.cacheGeneration);
    }
    return out;
  }
}

/** Offset just past the first question, or -1 when malformed. */
function questionEnd(msg: Buffer): number {
  let i = 12;
  while (i < msg.length) {
    const len = msg[i]!;
    if (len === 0) return i + 5 <= msg.length ? i + 5 : -1;
    if (len & 0xc0) return -1;
    i += len + 1;
  }
  return -1;
}

function formErr(msg: Buffer): Buffer {
  const out = Buffer.alloc(12);
  msg.copy(out, 0, 0, 2);
  out[2] = 0x80 | (msg[2]! & 0x79); // QR + opcode + RD
  out[3] = RCODE_NUM.FORMERR;
  return out;
}

/** CoreDNS `loadbalance`: random rotation of A/AAAA order. */
function shuffleAddresses(answers: Answer[]): void {
  const idx: number[] = [];
  answers.forEach((a, i) => (a.type === 'A' || a.type === 'AAAA') && idx.push(i));
  if (idx.length < 2) return;
  const vals = idx.map((i) => answers[i]!);
  const rot = Math.floor(Math.random() * vals.length);
  idx.forEach((i, k) => (answers[i] = vals[(k + rot) % vals.length]!));
}

function encodeResponse(query: DecodedPacket, res: Resolution, opt: unknown, limit: number): Buffer {
  const rd = (query.flags ?? 0) & packet.RECURSION_DESIRED;
  const base: Packet = {
    type: 'response',
    id: query.id,
    // dns-packet carries the rcode in the low 4 bits of flags.
    flags: rd | packet.RECURSION_AVAILABLE | (res.aa ? packet.AUTHORITATIVE_ANSWER : 0) | RCODE_NUM[res.rcode],
    questions: query.questions,
    answers: res.answers,
    authorities: res.authority,
    additionals: res.additionals,
  };
  const optRecord = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flags_do: false, options: [] } as unknown as Answer] : [];
  base.additionals = [...res.additionals, ...optRecord];
  let out = packet.encode(base);
  if (out.length > limit) {
    // Too big for UDP: header + question only, TC set; the client retries over TCP.
    const tc: Packet = { ...base, flags: (base.flags ?? 0) | packet.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: optRecord };
    out = packet.encode(tc);
  }
  return out;
}
