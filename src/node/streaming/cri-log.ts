// Reading container logs in the CRI file format (`<RFC3339Nano> <stdout|stderr> <F|P> <text>`)
// the way the kubelet serves them: tail, since, timestamps and limitBytes, with partial (P)
// entries joined to the next full one.

export interface CriEntry {
  /** Timestamp as RFC3339Nano with a fixed 9-digit fraction (upstream's RFC3339NanoFixed). */
  timestamp: string;
  /** Milliseconds since the epoch (for `since`). */
  ms: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

const LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) (stdout|stderr) (F|P) ?(.*)$/s;

/** One file line (without its newline) → entry; undefined for lines that are not CRI format. */
export function parseCriLine(line: string): CriEntry | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  const ms = Date.parse(`${m[1]}.${frac.slice(0, 3)}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { timestamp: `${m[1]}.${frac}${m[3]}`, ms, stream: m[4] as 'stdout' | 'stderr', partial: m[5] === 'P', text: m[6] ?? '' };
}

export interface FormatOptions {
  sinceTime?: Date;
  timestamps?: boolean;
  limitBytes?: number;
}

/** Turns entries into output bytes, counting toward limitBytes; `full` once the limit is reached. */
export class LogFormatter {
  private written = 0;
  full = false;

  constructor(private readonly opts: FormatOptions) {}

  format(entries: CriEntry[]): Buffer {
    const parts: Buffer[] = [];
    const since = this.opts.sinceTime?.getTime();
    for (const e of entries) {
      if (this.full) break;
      if (since !== undefined && e.ms < since) continue;
      let s = e.partial ? e.text : e.text + '\n';
      if (this.opts.timestamps) s = `${e.timestamp} ${s}`;
      let b = Buffer.from(s, 'utf8');
      const limit = this.opts.limitBytes;
      if (limit !== undefined && this.written + b.length >= limit) {
        b = b.subarray(0, limit - this.written);
        this.full = true;
      }
      this.written += b.length;
      parts.push(b);
    }
    return Buffer.concat(parts);
  }
}

/** Splits complete lines off a buffer; returns entries and the unconsumed rest. */
export function splitEntries(buf: Buffer): { entries: CriEntry[]; rest: Buffer } {
  const entries: CriEntry[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    const e = parseCriLine(buf.subarray(start, nl).toString('utf8'));
    if (e) entries.push(e);
    start = nl + 1;
  }
  return { entries, rest: buf.subarray(start) };
}

/** The last `n` entries (a P…P F run counts as one line, as upstream's tail counts lines). */
export function tailEntries(entries: CriEntry[], n: number | undefined): CriEntry[] {
  if (n === undefined || n < 0) return entries;
  if (n === 0) return [];
  let lines = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    if (!entries[i]!.partial) {
      if (lines === n) return entries.slice(i + 1);
      lines++;
    }
  }
  return entries;
}
