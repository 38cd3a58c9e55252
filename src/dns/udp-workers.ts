// Extra UDP readers for the DNS server. Node 20's dgram has no SO_REUSEPORT (`reusePort` came in
// later Node versions) and worker threads cannot share a socket safely (they would wrap one file
// descriptor, and each close would close it again). So the readers are child processes: the
// server's UDP socket is passed to each over IPC (SCM_RIGHTS — every process holds its own
// descriptor of the one socket, and the kernel hands each datagram to one reader).
//
// A worker answers from a cache of ready-to-send wire answers keyed by the exact question bytes,
// copying in the query's ID and RD bit. A miss goes to the main process, which resolves it, sends
// the answer itself on its own descriptor, and hands the encoded answer back for the cache. Every
// index change is sent as a new generation, which empties the caches; a fill computed for an older
// generation is dropped. IPC is ordered, so a worker never caches an answer older than the newest
// generation it has seen.
//
// The worker is a small self-contained script (no imports of ours), so it runs the same from the
// bundled dist/ and from TypeScript sources under tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import type dgram from 'node:dgram';

export interface UdpWorkerHost {
  /** The UDP socket the workers share (bound). */
  socket: dgram.Socket;
  /** Resolve a query the workers missed: returns the encoded answer and, if cacheable, its key. */
  miss(msg: Buffer, rinfo: { address: string; port: number }): void;
  log?: (m: string) => void;
}

/** Must compute the same key as DnsServer.cacheKey for UDP. */
const WORKER_SOURCE = String.raw`
'use strict';
const MAX = ${50_000};
let gen = -1, sock, answered = 0, inflight = 0;
const cache = new Map();
function key(msg) {
  if (msg.length < 17 || msg[2] & 0x80) return undefined;
  let i = 12;
  for (;;) {
    if (i >= msg.length) return undefined;
    const len = msg[i];
    if (len === 0) break;
    if (len & 0xc0) return undefined;
    i += len + 1;
  }
  const end = i + 5;
  if (end !== msg.length || msg[4] !== 0 || msg[5] !== 1 || msg[6] | msg[7] | msg[8] | msg[9] | msg[10] | msg[11]) return undefined;
  return 'udp' + msg.toString('latin1', 12, end);
}
function onQuery(msg, rinfo) {
  const k = key(msg);
  const hit = k === undefined ? undefined : cache.get(k);
  if (hit !== undefined) {
    const out = Buffer.from(hit);
    out[0] = msg[0];
    out[1] = msg[1];
    out[2] = (out[2] & 0xfe) | (msg[2] & 0x01);
    sock.send(out, rinfo.port, rinfo.address);
    answered++;
    return;
  }
  // A flood of uncacheable questions must not queue without bound: past 1,000 misses not yet written
  // to the main process, drop (UDP clients retry), as the kernel does when a socket buffer is full.
  if (msg.length < 12 || inflight >= 1000) return;
  inflight++;
  process.send({ t: 'miss', q: msg, port: rinfo.port, address: rinfo.address }, undefined, undefined, () => inflight--);
}
process.on('message', (m, handle) => {
  if (m.t === 'socket') {
    sock = handle;
    sock.on('message', onQuery);
    sock.on('error', () => {});
  } else if (m.t === 'gen') {
    if (m.gen !== gen) { gen = m.gen; cache.clear(); }
  } else if (m.t === 'fill') {
    if (m.gen !== gen) return;
    if (cache.size >= MAX) cache.clear();
    cache.set(m.key, Buffer.from(m.buf));
  } else if (m.t === 'stats') {
    process.send({ t: 'stats', answered });
  } else if (m.t === 'stop') {
    if (sock) sock.close(() => process.disconnect()); else process.disconnect();
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ t: 'up' });
`;

export class UdpWorkers {
  private readonly children: ChildProcess[] = [];
  private generation = -1;

  constructor(private readonly host: UdpWorkerHost) {}

  /** Starts `n` workers; resolves once each holds the socket. */
  async start(n: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => this.startOne()));
  }

  private startOne(): Promise<void> {
    // Own arguments only: the parent's --import tsx and the like are not needed by plain JS.
    const child = spawn(process.execPath, ['-e', WORKER_SOURCE], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    this.children.push(child);
    child.on('error', (e) => this.host.log?.(`dns worker: ${e.message}`));
    child.on('exit', (code, sig) => {
      const i = this.children.indexOf(child);
      if (i >= 0) this.children.splice(i, 1);
      if (code !== 0 && sig !== 'SIGTERM') this.host.log?.(`dns worker ${child.pid} exited (${sig ?? code})`);
    });
    child.on('message', (m: { t: string; q?: Uint8Array; port?: number; address?: string }) => {
      if (m.t === 'miss') this.host.miss(Buffer.from(m.q!.buffer, m.q!.byteOffset, m.q!.byteLength), { address: m.address!, port: m.port! });
    });
    return new Promise<void>((resolve, reject) => {
      const onUp = (m: { t: string }) => {
        if (m.t !== 'up') return;
        child.off('message', onUp);
        child.send({ t: 'gen', gen: this.generation });
        child.send({ t: 'socket' }, this.host.socket, () => resolve());
      };
      child.on('message', onUp);
      child.once('exit', (code) => reject(new Error(`dns worker exited before it started (${code})`)));
    });
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid!).filter(Boolean);
  }

  get count(): number {
    return this.children.length;
  }

  /** The index changed: workers drop every cached answer before serving another. */
  setGeneration(gen: number): void {
    if (gen === this.generation) return;
    this.generation = gen;
    for (const c of this.children) if (c.connected) c.send({ t: 'gen', gen });
  }

  /** A cacheable answer computed under generation `gen`. */
  fill(key: string, buf: Buffer, gen: number): void {
    if (gen !== this.generation) return;
    for (const c of this.children) if (c.connected) c.send({ t: 'fill', key, buf, gen });
  }

  /** Queries the workers answered from their caches (for benchmarks and tests). */
  async answered(): Promise<number> {
    const counts = await Promise.all(this.children.map((c) => new Promise<number>((resolve) => {
      const t = setTimeout(() => resolve(0), 2000);
      const on = (m: { t: string; answered?: number }) => {
        if (m.t !== 'stats') return;
        clearTimeout(t);
        c.off('message', on);
        resolve(m.answered ?? 0);
      };
      c.on('message', on);
      c.send({ t: 'stats' });
    })));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Each worker closes its descriptor and exits (SIGKILL after 2 s). */
  async stop(): Promise<void> {
    await Promise.all(this.children.slice().map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const t = setTimeout(() => c.kill('SIGKILL'), 2000);
      c.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      if (c.connected) c.send({ t: 'stop' });
      else c.kill('SIGTERM');
    })));
  }
}
