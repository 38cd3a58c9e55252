// A minimal SPDY/3.1 server: the frame codec (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING,
// GOAWAY, HEADERS, WINDOW_UPDATE, DATA), zlib header blocks with the SPDY/3 dictionary, and a
// session that turns client-opened streams into Duplexes. kubectl uses it for exec/attach (≤1.29)
// and port-forward (plain, or tunnelled inside a WebSocket since 1.31).
//
// Flow control is deliberately not enforced: Go's spdystream never sends WINDOW_UPDATE, so a
// sender honouring the 64 KiB initial window would stall (protocol notes §5.5, gotcha 12).
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
export const HEADERS = 8;
export const WINDOW_UPDATE = 9;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
/** RST_STREAM status codes. */
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6 } as const;
/** A header block larger than this is refused (kubectl's are a few dozen bytes). */
const MAX_HEADER_BLOCK = 256 * 1024;
/** Buffered unparsed input beyond one maximal frame means a broken peer. */
const MAX_FRAME = 0xffffff + 8;
/** ORDINAL_SPDY_DEBUG=1 logs every frame received (protocol debugging). */
const DEBUG = !!process.env.ORDINAL_SPDY_DEBUG;

export type Headers = [string, string][];

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; assocId: number; priority: number; flags: number; block: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; block: Buffer }
  | { type: 'headers'; streamId: number; flags: number; block: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number };

export class SpdyProtocolError extends Error {}

/** Incremental frame parser: feed arbitrary fragments, get whole frames. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    for (;;) {
      if (this.buf.length < 8) break;
      const len = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + len) {
        if (this.buf.length > MAX_FRAME) throw new SpdyProtocolError('frame too large');
        break;
      }
      const head = this.buf.subarray(0, 8);
      const body = this.buf.subarray(8, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      out.push(parseFrame(head, body));
    }
    return out;
  }
}

function parseFrame(head: Buffer, body: Buffer): Frame {
  const flags = head[4]!;
  if ((head[0]! & 0x80) === 0) {
    return { type: 'data', streamId: head.readUInt32BE(0) & 0x7fffffff, flags, data: Buffer.from(body) };
  }
  const version = head.readUInt16BE(0) & 0x7fff;
  if (version !== 3) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = head.readUInt16BE(2);
  const need = (n: number) => { if (body.length < n) throw new SpdyProtocolError(`control frame ${type} too short`); };
  switch (type) {
    case SYN_STREAM:
      need(10);
      return {
        type: 'syn_stream', streamId: body.readUInt32BE(0) & 0x7fffffff, assocId: body.readUInt32BE(4) & 0x7fffffff,
        priority: body[8]! >> 5, flags, block: Buffer.from(body.subarray(10)),
      };
    case SYN_REPLY:
      need(4);
      return { type: 'syn_reply', streamId: body.readUInt32BE(0) & 0x7fffffff, flags, block: Buffer.from(body.subarray(4)) };
    case HEADERS:
      need(4);
      return { type: 'headers', streamId: body.readUInt32BE(0) & 0x7fffffff, flags, block: Buffer.from(body.subarray(4)) };
    case RST_STREAM:
      need(8);
      return { type: 'rst_stream', streamId: body.readUInt32BE(0) & 0x7fffffff, status: body.readUInt32BE(4) };
    case SETTINGS: {
      need(4);
      const n = body.readUInt32BE(0);
      if (body.length < 4 + n * 8) throw new SpdyProtocolError('SETTINGS frame too short');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const o = 4 + i * 8;
        entries.push({ flags: body[o]!, id: body.readUIntBE(o + 1, 3), value: body.readUInt32BE(o + 4) });
      }
      return { type: 'settings', flags, entries };
    }
    case PING:
      need(4);
      return { type: 'ping', id: body.readUInt32BE(0) };
    case GOAWAY:
      need(8);
      return { type: 'goaway', lastStreamId: body.readUInt32BE(0) & 0x7fffffff, status: body.readUInt32BE(4) };
    case WINDOW_UPDATE:
      need(8);
      return { type: 'window_update', streamId: body.readUInt32BE(0) & 0x7fffffff, delta: body.readUInt32BE(4) & 0x7fffffff };
    default:
      return { type: 'unknown', frameType: type };
  }
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | 3, 0);
  h.writeUInt16BE(type, 2);
  h[4] = flags;
  h.writeUIntBE(body.length, 5, 3);
  return Buffer.concat([h, body]);
}

const u32 = (...ns: number[]) => {
  const b = Buffer.alloc(4 * ns.length);
  ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, i * 4));
  return b;
};

/** Frame encoders (header blocks must already be compressed). */
export const encode = {
  data: (streamId: number, data: Buffer, fin = false): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(streamId & 0x7fffffff, 0);
    h[4] = fin ? FLAG_FIN : 0;
    h.writeUIntBE(data.length, 5, 3);
    return Buffer.concat([h, data]);
  },
  synStream: (streamId: number, block: Buffer, flags = 0, assocId = 0, priority = 0): Buffer =>
    control(SYN_STREAM, flags, Buffer.concat([u32(streamId, assocId), Buffer.from([(priority & 7) << 5, 0]), block])),
  synReply: (streamId: number, block: Buffer, flags = 0): Buffer => control(SYN_REPLY, flags, Buffer.concat([u32(streamId), block])),
  headers: (streamId: number, block: Buffer, flags = 0): Buffer => control(HEADERS, flags, Buffer.concat([u32(streamId), block])),
  rstStream: (streamId: number, status: number): Buffer => control(RST_STREAM, 0, u32(streamId, status)),
  settings: (entries: { flags?: number; id: number; value: number }[]): Buffer => {
    const b = Buffer.alloc(4 + entries.length * 8);
    b.writeUInt32BE(entries.length, 0);
    entries.forEach((e, i) => { b[4 + i * 8] = e.flags ?? 0; b.writeUIntBE(e.id, 5 + i * 8, 3); b.writeUInt32BE(e.value, 8 + i * 8); });
    return control(SETTINGS, 0, b);
  },
  ping: (id: number): Buffer => control(PING, 0, u32(id)),
  goaway: (lastStreamId: number, status = 0): Buffer => control(GOAWAY, 0, u32(lastStreamId, status)),
  windowUpdate: (streamId: number, delta: number): Buffer => control(WINDOW_UPDATE, 0, u32(streamId, delta)),
};

/**
 * One direction's zlib context. Header blocks of a session form one zlib stream; each block ends
 * with a sync flush. Node's zlib streams keep context across writes but only asynchronously, so
 * the session serialises everything that touches them.
 */
class ZlibContext {
  private out: Buffer[] = [];
  private failed: Error | undefined;
  private pending: ((e: Error) => void) | undefined;

  constructor(private readonly z: zlib.Inflate | zlib.Deflate) {
    z.on('data', (d: Buffer) => {
      this.out.push(d);
      if (this.out.reduce((n, b) => n + b.length, 0) > MAX_HEADER_BLOCK) this.fail(new SpdyProtocolError('header block too large'));
    });
    z.on('error', (e: Error) => this.fail(e));
  }

  private fail(e: Error): void {
    this.failed ??= e;
    this.pending?.(e);
  }

  run(input: Buffer): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending = reject;
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.pending = undefined;
        if (this.failed) return reject(this.failed);
        const r = Buffer.concat(this.out);
        this.out = [];
        resolve(r);
      });
    });
  }

  close(): void {
    this.z.removeAllListeners('data');
    this.z.on('error', () => {});
    this.z.close();
  }
}

export class HeaderCompressor {
  private readonly ctx = new ZlibContext(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));
  compress(headers: Headers): Promise<Buffer> {
    return this.ctx.run(serializeHeaders(headers));
  }
  close(): void { this.ctx.close(); }
}

export class HeaderDecompressor {
  private readonly ctx = new ZlibContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  async decompress(block: Buffer): Promise<Headers> {
    if (block.length === 0) return [];
    let raw: Buffer;
    try {
      raw = await this.ctx.run(block);
    } catch (e) {
      throw new SpdyProtocolError(`bad header block: ${(e as Error).message}`);
    }
    return parseHeaders(raw);
  }
  close(): void { this.ctx.close(); }
}

export function serializeHeaders(headers: Headers): Buffer {
  const parts: Buffer[] = [u32(headers.length)];
  for (const [k, v] of headers) {
    const kb = Buffer.from(k.toLowerCase(), 'utf8');
    const vb = Buffer.from(v, 'utf8');
    parts.push(u32(kb.length), kb, u32(vb.length), vb);
  }
  return Buffer.concat(parts);
}

export function parseHeaders(raw: Buffer): Headers {
  if (raw.length === 0) return [];
  if (raw.length < 4) throw new SpdyProtocolError('header block too short');
  const n = raw.readUInt32BE(0);
  let o = 4;
  const out: Headers = [];
  const str = () => {
    if (o + 4 > raw.length) throw new SpdyProtocolError('header block truncated');
    const len = raw.readUInt32BE(o);
    o += 4;
    if (o + len > raw.length) throw new SpdyProtocolError('header block truncated');
    const s = raw.subarray(o, o + len).toString('utf8');
    o += len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const k = str();
    out.push([k.toLowerCase(), str()]);
  }
  return out;
}

/** A stream opened by the client. Readable side = its DATA; writable side = our DATA to it. */
export class SpdyStream extends Duplex {
  replied = false;
  private finSent = false;
  remoteFin = false;

  constructor(readonly session: SpdySession, readonly id: number, readonly headers: Headers) {
    super({ allowHalfOpen: true });
  }

  header(name: string): string | undefined {
    return this.headers.find(([k]) => k === name.toLowerCase())?.[1];
  }

  /** SYN_REPLY (empty headers, as upstream's kubelet does). */
  reply(headers: Headers = []): void {
    if (this.replied || this.destroyed) return;
    this.replied = true;
    this.session.enqueue(async () => encode.synReply(this.id, await this.session.compress(headers)));
  }

  reset(status: number = RST.CANCEL): void {
    if (!this.session.closed) this.session.enqueue(() => encode.rstStream(this.id, status));
    this.destroy();
  }

  override _read(): void { /* pushed by the session */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.finSent) return cb(new Error('stream closed'));
    this.reply();
    let last: Promise<void> = Promise.resolve();
    for (let o = 0; o < chunk.length; o += 32 * 1024) {
      const part = chunk.subarray(o, o + 32 * 1024);
      last = this.session.enqueue(() => encode.data(this.id, part));
    }
    last.then(() => cb(), cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.reply();
    if (!this.finSent) {
      this.finSent = true;
      void this.session.enqueue(() => encode.data(this.id, Buffer.alloc(0), true));
    }
    cb();
    this.session.maybeForget(this);
  }

  /** Our side finished (FIN sent). */
  get localClosed(): boolean { return this.finSent; }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.session.forget(this);
    cb(err);
  }
}

/**
 * Server side of a SPDY/3.1 session on a byte transport (a TCP/TLS socket after the upgrade, or a
 * Duplex over WebSocket messages). `onStream` sees each SYN_STREAM; the handler replies.
 */
export class SpdySession {
  closed = false;
  private readonly parser = new FrameParser();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly comp = new HeaderCompressor();
  private readonly decomp = new HeaderDecompressor();
  private lastStreamId = 0;
  private readonly closeWaiters: (() => void)[] = [];

  constructor(private readonly transport: Duplex, private readonly onStream: (s: SpdyStream) => void) {
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', () => this.close());
  }

  private inChain: Promise<void> = Promise.resolve();
  private outChain: Promise<void> = Promise.resolve();

  compress(headers: Headers): Promise<Buffer> {
    return this.comp.compress(headers);
  }

  /** Queues a frame; frames leave in queue order (a SYN_REPLY before its stream's DATA). */
  enqueue(frame: () => Buffer | Promise<Buffer>): Promise<void> {
    this.outChain = this.outChain.then(async () => {
      if (this.closed) return;
      const b = await frame();
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        try {
          if (this.transport.write(b)) resolve();
          else {
            const done = () => { this.transport.off('drain', done); this.transport.off('close', done); resolve(); };
            this.transport.on('drain', done).on('close', done);
          }
        } catch { this.close(); resolve(); }
      });
    }).catch(() => this.close());
    return this.outChain;
  }

  sendFrame(frame: Buffer): void {
    void this.enqueue(() => frame);
  }

  /** Sends what is queued, then a GOAWAY, then ends the connection. */
  async finish(): Promise<void> {
    await this.enqueue(() => encode.goaway(this.lastStreamId, 0));
    this.close();
  }

  private receive(chunk: Buffer): void {
    if (this.closed || this.stopReading) return;
    try {
      for (const f of this.parser.push(chunk)) {
        if (DEBUG) process.stderr.write(`spdy <- ${JSON.stringify(f, (k, v) => (k === 'block' || k === 'data' ? `<${(v as { data?: unknown[] }).data?.length ?? '?'} bytes>` : v))}\n`);
        // Header blocks decompress asynchronously; frames are handled strictly in order.
        this.inChain = this.inChain.then(() => (this.closed ? undefined : this.handle(f))).catch((e) => this.protocolError(e));
      }
    } catch (e) {
      this.protocolError(e);
    }
  }

  /** A peer speaking broken SPDY gets GOAWAY(PROTOCOL_ERROR) and a closed connection, never a crash. */
  private protocolError(e: unknown): void {
    if (DEBUG) process.stderr.write(`spdy error: ${(e as Error)?.stack}\n`);
    if (this.closed) return;
    void this.enqueue(() => encode.goaway(this.lastStreamId, 1)).then(() => this.close());
    this.stopReading = true; // the GOAWAY is queued; nothing more is read
  }

  private stopReading = false;

  private async handle(f: Frame): Promise<void> {
    if (this.stopReading) return;
    switch (f.type) {
      case 'syn_stream': {
        const headers = await this.decomp.decompress(f.block); // always decompress: keeps the zlib context in step
        // Client streams have odd ids; 0, even or reused ids are refused.
        if (f.streamId === 0 || f.streamId % 2 === 0 || this.streams.has(f.streamId)) {
          this.sendFrame(encode.rstStream(f.streamId, RST.PROTOCOL_ERROR));
          return;
        }
        this.lastStreamId = Math.max(this.lastStreamId, f.streamId);
        const s = new SpdyStream(this, f.streamId, headers);
        this.streams.set(f.streamId, s);
        if (f.flags & FLAG_FIN) { s.remoteFin = true; s.push(null); }
        if (f.flags & FLAG_UNIDIRECTIONAL) s.end();
        this.onStream(s);
        return;
      }
      case 'headers':
      case 'syn_reply':
        await this.decomp.decompress(f.block);
        return;
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) {
          if (f.streamId !== 0) this.sendFrame(encode.rstStream(f.streamId, RST.INVALID_STREAM));
          return;
        }
        if (s.remoteFin) return;
        if (f.data.length) s.push(f.data);
        if (f.flags & FLAG_FIN) {
          s.remoteFin = true;
          s.push(null);
          this.maybeForget(s);
        }
        return;
      }
      case 'rst_stream': {
        const s = this.streams.get(f.streamId);
        if (s) {
          s.remoteFin = true;
          s.push(null);
          s.destroy();
        }
        return;
      }
      case 'ping':
        this.sendFrame(encode.ping(f.id)); // answer every ping (ours are never sent)
        return;
      case 'goaway':
        this.close();
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return;
    }
  }

  maybeForget(s: SpdyStream): void {
    if (s.remoteFin && s.localClosed) this.forget(s);
  }

  forget(s: SpdyStream): void {
    this.streams.delete(s.id);
  }

  /** Resolves when the session has closed. */
  done(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((r) => this.closeWaiters.push(r));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) {
      if (!s.remoteFin) { s.remoteFin = true; s.push(null); }
      s.destroy();
    }
    this.streams.clear();
    try { this.transport.end(); } catch { /* gone */ }
    setTimeout(() => { try { this.transport.destroy(); } catch { /* gone */ } }, 1000).unref();
    this.comp.close();
    this.decomp.close();
    for (const w of this.closeWaiters.splice(0)) w();
  }
}
