// Flag parsing shared by the commands: `--flag value`, `--flag=value`, `-h/--help`.

/**
 * Calls `onFlag(name, value)` for each flag; `value()` takes the flag's argument (inline after `=`
 * or the next word). Returns 'help' when -h/--help is given. Throws on a missing value.
 */
export function parseFlags(args: string[], onFlag: (name: string, value: () => string) => void): 'help' | undefined {
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let v: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (a === '-h' || a === '--help') return 'help';
    onFlag(a, () => {
      if (v !== undefined) return v;
      const n = args[++i];
      if (n === undefined) throw new Error(`flag ${a} needs a value`);
      return n;
    });
  }
  return undefined;
}

/** A flag value that must be one of `allowed`. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${flag} must be ${allowed.slice(0, -1).join(', ')}${allowed.length > 1 ? ' or ' : ''}${allowed[allowed.length - 1]}, not ${JSON.stringify(value)}`);
  return value as T;
}

/** A Go-style duration flag value ("15s", "500ms", "1m", "1.5s", "1h") in milliseconds. */
export function durationMs(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw new Error(`${flag} must be a duration like 15s or 500ms, not ${JSON.stringify(value)}`);
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']);
}
