// exec/attach sessions independent of the transport: the byte streams a command gets, and the
// Status that reports how it ended. Two transports build these: the WebSocket channel protocol
// (ws-channel.ts, kubectl 1.30+) and SPDY streams (below; kubectl ≤1.29 and the fallback).
import { PassThrough, Writable, type Readable } from 'node:stream';
import { SpdySession, type SpdyStream } from './spdy.js';
import type { Duplex } from 'node:stream';

export interface TermSize { width: number; height: number }

/** What the command sees (the runtime's StreamSet shape). */
export interface CommandIO {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty?: boolean;
  resize?: AsyncIterable<TermSize>;
}

export interface CommandRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  command: string[];
}

/** How a session ended: an exit code, or an error before/while running. */
export type CommandOutcome = { exitCode: number } | { error: string };

export interface CommandSession {
  io: CommandIO;
  /** Reports the outcome to the client and closes the connection. */
  finish(outcome: CommandOutcome, command: string[]): void;
  /** Resolves when the client went away. */
  closed: Promise<void>;
}

/** The metav1.Status written on the error channel (v4+), as the kubelet writes it. */
export function outcomeStatus(outcome: CommandOutcome, command: string[]): Record<string, unknown> {
  if ('error' in outcome) {
    return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${outcome.error}`, reason: 'InternalError', details: { causes: [{ message: outcome.error }] }, code: 500 };
  }
  if (outcome.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${outcome.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
  };
}

/** Older protocols (v1–v3) carry a plain error text instead, and nothing on success. */
export function outcomeText(outcome: CommandOutcome): string | undefined {
  if ('error' in outcome) return outcome.error;
  return outcome.exitCode === 0 ? undefined : `command terminated with non-zero exit code: exit code ${outcome.exitCode}`;
}

/** A push-fed async iterable (resize events). */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiters: ((r: IteratorResult<T>) => void)[] = [];
  private ended = false;

  push(v: T): void {
    if (this.ended) return;
    const w = this.waiters.shift();
    if (w) w({ value: v, done: false }); else if (this.items.length < 64) this.items.push(v);
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w({ value: undefined as never, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.ended) return Promise.resolve({ value: undefined as never, done: true });
        return new Promise((r) => this.waiters.push(r));
      },
      return: () => { this.end(); return Promise.resolve({ value: undefined as never, done: true }); },
    };
  }
}

/** Parses resize messages: one or more `{"Width":W,"Height":H}` objects separated by newlines. */
export function parseResize(text: string): TermSize[] {
  const out: TermSize[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    try {
      const o = JSON.parse(t) as { Width?: unknown; Height?: unknown };
      const width = Number(o.Width), height = Number(o.Height);
      if (Number.isInteger(width) && Number.isInteger(height) && width >= 0 && height >= 0 && width < 65536 && height < 65536) out.push({ width, height });
    } catch { /* a bad resize message is ignored, as upstream does */ }
  }
  return out;
}

/** Protocols offered over SPDY (X-Stream-Protocol-Version), our preference first. */
export const SPDY_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** Streams the client must open for a request under a protocol version. */
function expectedStreams(req: CommandRequest, protocol: string): string[] {
  const s: string[] = [];
  if (protocol !== 'channel.k8s.io') s.push('error');
  if (req.stdin) s.push('stdin');
  if (req.stdout) s.push('stdout');
  if (req.stderr && !req.tty) s.push('stderr');
  if (req.tty && (protocol === 'v3.channel.k8s.io' || protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io')) s.push('resize');
  return s;
}

/**
 * SPDY exec/attach: waits for the client's streams (`streamtype` header each), then hands out a
 * session. Rejects when the expected streams do not arrive in time.
 */
export function spdyCommandSession(transport: Duplex, protocol: string, req: CommandRequest, timeoutMs = 30_000): Promise<CommandSession> {
  const want = new Set(expectedStreams(req, protocol));
  const got = new Map<string, SpdyStream>();
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      session.close();
      reject(new Error(`timed out waiting for client to create streams (got ${[...got.keys()].join(', ') || 'none'})`));
    }, timeoutMs);
    timer.unref?.();
    const session: SpdySession = new SpdySession(transport, (s) => {
      const type = s.header('streamtype') ?? '';
      s.reply();
      if (!want.has(type) || got.has(type)) {
        s.on('error', () => {});
        s.resume();
        return;
      }
      s.on('error', () => {});
      got.set(type, s);
      if (got.size === want.size && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(build());
      }
    });
    void session.done().then(() => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error('connection closed before the streams were created'));
      }
    });

    function build(): CommandSession {
      const resize = new AsyncQueue<TermSize>();
      const resizeStream = got.get('resize');
      if (resizeStream) {
        let buf = '';
        resizeStream.on('data', (d: Buffer) => {
          buf += d.toString('utf8');
          const nl = buf.lastIndexOf('\n');
          // Objects may arrive without newlines (Go's json.Encoder adds one; be lenient).
          const ready = nl >= 0 ? buf.slice(0, nl) : buf;
          const sizes = parseResize(ready);
          if (sizes.length || nl >= 0) buf = nl >= 0 ? buf.slice(nl + 1) : '';
          for (const z of sizes) resize.push(z);
        });
        resizeStream.on('end', () => resize.end());
      } else resize.end();
      // A separate stdin end: the runtime may destroy what it reads (for await does).
      const stdinStream = got.get('stdin');
      const stdin = stdinStream ? stdinStream.pipe(new PassThrough()) : undefined;
      const errorStream = got.get('error');
      const io: CommandIO = {
        stdin,
        stdout: got.get('stdout'),
        stderr: got.get('stderr'),
        tty: req.tty,
        resize: req.tty ? resize : undefined,
      };
      return {
        io,
        closed: session.done(),
        finish(outcome, command) {
          resize.end();
          if (errorStream) {
            const msg = protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io' ? JSON.stringify(outcomeStatus(outcome, command)) : outcomeText(outcome);
            if (msg) errorStream.write(Buffer.from(msg));
          }
          // FIN every stream, then GOAWAY and end the connection (as the kubelet closes it).
          const ends = [...got.values()].filter((s) => !s.destroyed && !s.writableFinished).map((s) => new Promise<void>((r) => {
            s.once('finish', r).once('close', r).once('error', r);
            if (!s.writableEnded) s.end();
          }));
          void Promise.all(ends).then(() => session.finish());
        },
      };
    }
  });
}

/** A Writable that hands each chunk to `send` (used for channel-framed output). */
export function sink(send: (b: Buffer, cb: (e?: Error | null) => void) => void, onFinal?: () => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) { send(chunk, cb); },
    final(cb) { onFinal?.(); cb(); },
  });
}

export { PassThrough };
