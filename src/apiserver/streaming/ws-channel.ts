// The WebSocket channel protocol of exec/attach (`v5.channel.k8s.io` … `channel.k8s.io`): every
// binary message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr, 3 error (Status JSON
// from v4, plain text before), 4 resize (v3+), 255 close-stream (v5). Text frames carry nothing
// we accept (kubectl never sends them). The ws library answers pings (kubectl pings every 5 s).
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import { AsyncQueue, outcomeStatus, outcomeText, parseResize, sink, type CommandRequest, type CommandSession, type TermSize } from './remotecommand.js';

export const WS_CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export const CH = { STDIN: 0, STDOUT: 1, STDERR: 2, ERROR: 3, RESIZE: 4, CLOSE: 255 } as const;

/** Our preferred protocol among those the client offered (undefined: none we speak). */
export function chooseChannelProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return WS_CHANNEL_PROTOCOLS.find((p) => set.has(p));
}

export function channelFrame(channel: number, data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from([channel]), b]);
}

/** Wraps an open WebSocket as a command session under `protocol`. */
export function wsCommandSession(ws: WebSocket, protocol: string, req: CommandRequest): CommandSession {
  const v4plus = protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io';
  const hasResize = req.tty && (v4plus || protocol === 'v3.channel.k8s.io');
  const stdin = req.stdin ? new PassThrough() : undefined;
  const resize = new AsyncQueue<TermSize>();
  if (!hasResize) resize.end();
  let open = true;
  const send = (channel: number) => (chunk: Buffer, cb: (e?: Error | null) => void) => {
    if (!open || ws.readyState !== ws.OPEN) return cb(); // the client left: drop output quietly
    // ws keeps message order; acknowledging at once keeps the Writable from holding data back.
    ws.send(channelFrame(channel, chunk), { binary: true });
    cb();
  };
  const closed = new Promise<void>((resolve) => {
    const done = () => {
      open = false;
      stdin?.end();
      resize.end();
      resolve();
    };
    ws.on('close', done);
    ws.on('error', done);
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (!isBinary) return;
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (buf.length === 0) return;
    const ch = buf[0]!;
    const payload = buf.subarray(1);
    if (ch === CH.STDIN) {
      if (stdin && !stdin.writableEnded && payload.length) stdin.write(payload);
    } else if (ch === CH.RESIZE) {
      if (hasResize) for (const z of parseResize(payload.toString('utf8'))) resize.push(z);
    } else if (ch === CH.CLOSE && protocol === 'v5.channel.k8s.io') {
      // v5: the client closed one of its streams; for stdin that is EOF.
      if (payload[0] === CH.STDIN) stdin?.end();
      else if (payload[0] === CH.RESIZE) resize.end();
    }
  });
  // Late writes (a process still printing after the session ended) must not become unhandled errors.
  const quiet = <T extends NodeJS.EventEmitter>(w: T): T => { w.on('error', () => {}); return w; };
  return {
    io: {
      stdin,
      stdout: req.stdout ? quiet(sink(send(CH.STDOUT))) : undefined,
      stderr: req.stderr && !req.tty ? quiet(sink(send(CH.STDERR))) : undefined,
      tty: req.tty,
      resize: req.tty ? resize : undefined,
    },
    closed,
    finish(outcome, command) {
      resize.end();
      if (!open || ws.readyState !== ws.OPEN) return;
      const msg = v4plus ? JSON.stringify(outcomeStatus(outcome, command)) : outcomeText(outcome);
      if (msg) ws.send(channelFrame(CH.ERROR, msg), { binary: true });
      ws.close(1000);
      // A client that never answers the close frame is dropped.
      setTimeout(() => ws.terminate(), 5000).unref();
    },
  };
}
