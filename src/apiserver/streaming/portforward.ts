// port-forward over SPDY/3.1 (plain after an `Upgrade: SPDY/3.1`, or inside a WebSocket with the
// `SPDY/3.1+portforward.k8s.io` subprotocol): for each local connection kubectl opens an `error`
// stream and a `data` stream sharing a `requestid` and naming the `port`. We pipe the data stream
// to the port in the pod; a failure is written as text on the error stream (kubectl prints it).
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import { SpdySession, type SpdyStream } from './spdy.js';

export type ForwardFn = (port: number, stream: { input: Readable; output: Writable }) => Promise<void>;

interface Pair { error?: SpdyStream; data?: SpdyStream; started?: boolean }

/** Serves one port-forward connection until the client closes it. */
export function servePortForward(transport: Duplex, podName: string, podUid: string, forward: ForwardFn, log?: (m: string) => void): SpdySession {
  const pairs = new Map<string, Pair>();
  const session = new SpdySession(transport, (s) => {
    s.on('error', () => {});
    const type = s.header('streamtype');
    // Old clients without requestid: the data stream follows its error stream (id + 2).
    const rid = s.header('requestid') ?? String(type === 'data' ? s.id - 2 : s.id);
    if (type !== 'error' && type !== 'data') {
      s.reset(1);
      return;
    }
    s.reply();
    const pair = pairs.get(rid) ?? {};
    pairs.set(rid, pair);
    if (pair[type]) { s.reset(1); return; }
    pair[type] = s;
    if (type === 'error') s.resume(); // the client never writes on it
    if (!pair.error || !pair.data || pair.started) return;
    pair.started = true;
    const { error, data } = pair;
    const portText = data.header('port') ?? '';
    const port = Number(portText);
    const fail = (msg: string) => {
      if (!error.destroyed) {
        error.write(Buffer.from(msg));
        error.end();
      }
      if (!data.destroyed) data.end();
      pairs.delete(rid);
    };
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return fail(`invalid port ${JSON.stringify(portText)}`);
    // The runtime gets its own stream ends: it may destroy its input (for await does), but the
    // SPDY stream must stay alive to send our FIN after the target closes.
    const input = new PassThrough();
    data.pipe(input);
    const output = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (data.destroyed || data.writableEnded) return cb();
        if (data.write(chunk)) cb(); else data.once('drain', () => cb());
      },
    });
    forward(port, { input, output }).then(async () => {
      // What the target wrote may still sit in `output`: flush it before the FIN.
      await new Promise<void>((r) => {
        if (output.writableFinished) return r();
        output.once('finish', r).once('error', r).once('close', r);
        if (!output.writableEnded) output.end();
      });
      if (!data.destroyed) data.end();
      if (!error.destroyed) error.end();
      pairs.delete(rid);
    }, (e: unknown) => {
      log?.(`port-forward ${podName}:${port}: ${(e as Error).message}`);
      fail(`error forwarding port ${port} to pod ${podName}, uid ${podUid}: ${(e as Error).message}`);
    });
  });
  return session;
}
