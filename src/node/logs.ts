// Container logs as the kubelet serves them: the runtime writes CRI-format lines
// (`<RFC3339Nano> <stream> <P|F> <content>`) to the container's log file; a read turns them back
// into the raw output with the kubectl options applied (tailLines, sinceSeconds/sinceTime,
// timestamps, limitBytes) and, with follow, streams new lines until the container stops.
import { openSync, readSync, closeSync, statSync, existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

export interface LogOptions {
  tailLines?: number;
  /** Only lines at or after this time (ms since epoch). */
  sinceMs?: number;
  timestamps?: boolean;
  limitBytes?: number;
}

export interface LogLine { time: string; stream: string; content: string }

/** Parses CRI log text into whole lines (partial `P` chunks joined with the next). */
export function parseCriLog(text: string): { lines: LogLine[]; rest: string } {
  const lines: LogLine[] = [];
  let partial: LogLine | undefined;
  const raw = text.split('\n');
  const rest = raw.pop() ?? ''; // an unfinished last line waits for more
  for (const l of raw) {
    const m = /^(\S+) (stdout|stderr) ([PF]) ?(.*)$/.exec(l);
    if (!m) continue;
    if (partial) partial.content += m[4];
    else partial = { time: m[1]!, stream: m[2]!, content: m[4]! };
    if (m[3] === 'F') {
      lines.push(partial);
      partial = undefined;
    }
  }
  if (partial) lines.push(partial);
  return { lines, rest };
}

/** Renders lines as `kubectl logs` prints them. */
export function renderLog(lines: LogLine[], opts: LogOptions): string {
  let sel = opts.sinceMs !== undefined ? lines.filter((l) => Date.parse(l.time) >= opts.sinceMs!) : lines;
  if (opts.tailLines !== undefined && opts.tailLines >= 0) sel = opts.tailLines === 0 ? [] : sel.slice(-opts.tailLines);
  let out = sel.map((l) => (opts.timestamps ? `${l.time} ${l.content}\n` : `${l.content}\n`)).join('');
  if (opts.limitBytes !== undefined && opts.limitBytes >= 0) out = Buffer.from(out).subarray(0, opts.limitBytes).toString();
  return out;
}

/** Parses the log query of the pods/log subresource. */
export function parseLogQuery(q: URLSearchParams, now = Date.now()): LogOptions & { container?: string; follow: boolean; previous: boolean } {
  const num = (k: string) => (q.get(k) !== null && q.get(k) !== '' ? Number(q.get(k)) : undefined);
  const sinceSeconds = num('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  return {
    container: q.get('container') || undefined,
    follow: q.get('follow') === 'true',
    previous: q.get('previous') === 'true',
    timestamps: q.get('timestamps') === 'true',
    tailLines: num('tailLines'),
    limitBytes: num('limitBytes'),
    sinceMs: sinceSeconds !== undefined ? now - sinceSeconds * 1000 : sinceTime ? Date.parse(sinceTime) : undefined,
  };
}

function readFrom(path: string, offset: number): { text: string; offset: number } {
  if (!existsSync(path)) return { text: '', offset };
  const size = statSync(path).size;
  if (size <= offset) return { text: '', offset };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return { text: buf.toString(), offset: size };
  } finally {
    closeSync(fd);
  }
}

/** Writes the log to an HTTP response; with follow, keeps streaming while `running()` holds. */
export async function serveLog(res: ServerResponse, path: string, opts: LogOptions & { follow: boolean }, running: () => boolean): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let { text, offset } = readFrom(path, 0);
  let { lines, rest } = parseCriLog(text);
  let budget = opts.limitBytes;
  const write = (s: string) => {
    if (budget !== undefined) {
      const b = Buffer.from(s).subarray(0, Math.max(0, budget));
      budget -= b.length;
      if (b.length) res.write(b);
      return;
    }
    if (s) res.write(s);
  };
  write(renderLog(lines, { ...opts, limitBytes: undefined }));
  if (opts.follow) {
    let closed = false;
    res.on('close', () => { closed = true; });
    while (!closed && (budget === undefined || budget > 0)) {
      await new Promise((r) => setTimeout(r, 100));
      const more = readFrom(path, offset);
      offset = more.offset;
      ({ lines, rest } = parseCriLog(rest + more.text));
      write(renderLog(lines, { timestamps: opts.timestamps }));
      if (!more.text && !running()) break;
    }
  }
  res.end();
}
