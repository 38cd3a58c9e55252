// A tiny POSIX-ish shell for the simulated runtime: enough of `sh -c` for the commands tests and
// manifests use (echo, cat, hostname, env, sleep, exit, test, ls, mkdir, rm, touch, redirects,
// `;`, `&&`, `||`). Files under the container's mounts are real files on disk (so data written
// into a volume survives the pod); everything else lives in an in-memory overlay.
import { readFileSync, writeFileSync, appendFileSync, existsSync, mkdirSync, rmSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Mount } from './types.js';

export interface SimFs {
  mounts: Mount[];
  /** In-memory files: /etc/hosts, /etc/resolv.conf, /etc/hostname, and anything written outside mounts. */
  files: Map<string, string>;
}

export interface ShellContext {
  fs: SimFs;
  env: Record<string, string>;
  hostname: string;
}

export type Step =
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'sleep'; seconds: number }
  | { kind: 'exit'; code: number };

/** Resolves a container path to a real host path when it lies under a mount. */
function hostPathOf(fs: SimFs, path: string): string | undefined {
  const m = [...fs.mounts].sort((a, b) => b.containerPath.length - a.containerPath.length).find((mt) => path === mt.containerPath || path.startsWith(mt.containerPath.replace(/\/$/, '') + '/'));
  return m ? m.hostPath + path.slice(m.containerPath.replace(/\/$/, '').length) : undefined;
}

export function readFile(fs: SimFs, path: string): string | undefined {
  const host = hostPathOf(fs, path);
  if (host) {
    try {
      return statSync(host).isFile() ? readFileSync(host, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  }
  return fs.files.get(path);
}

function writeFile(fs: SimFs, path: string, text: string, append: boolean): boolean {
  const host = hostPathOf(fs, path);
  if (host) {
    try {
      mkdirSync(dirname(host), { recursive: true });
      (append ? appendFileSync : writeFileSync)(host, text);
      return true;
    } catch {
      return false;
    }
  }
  fs.files.set(path, (append ? fs.files.get(path) ?? '' : '') + text);
  return true;
}

function exists(fs: SimFs, path: string): boolean {
  const host = hostPathOf(fs, path);
  if (host) return existsSync(host);
  if (fs.files.has(path)) return true;
  const dir = path.replace(/\/$/, '') + '/';
  return [...fs.files.keys()].some((k) => k.startsWith(dir)) || ['/', '/etc', '/tmp', '/bin', '/usr', '/var'].includes(path);
}

/** Splits a command line into words, honouring single/double quotes and backslashes; expands $VARS. */
export function tokenize(line: string, env: Record<string, string>): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, j < 0 ? undefined : j);
      i = j < 0 ? line.length : j;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) s += line[++j];
        else if (line[j] === '$') {
          const m = /^\$(\{(\w+)\}|(\w+))/.exec(line.slice(j));
          if (m) { s += env[m[2] ?? m[3]!] ?? ''; j += m[0].length - 1; } else s += '$';
        } else s += line[j];
        j++;
      }
      cur += s;
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === '$') {
      const m = /^\$(\{(\w+)\}|(\w+)|\?)/.exec(line.slice(i));
      if (m) { cur += m[0] === '$?' ? env['?'] ?? '0' : env[m[2] ?? m[3]!] ?? ''; i += m[0].length - 1; } else cur += c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Splits a script into simple commands joined by `;`, `&&`, `||` or newlines (quotes respected). */
function splitCommands(script: string): { cmd: string; op: ';' | '&&' | '||' }[] {
  const parts: { cmd: string; op: ';' | '&&' | '||' }[] = [];
  let cur = '';
  let quote = '';
  let op: ';' | '&&' | '||' = ';';
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (quote) {
      if (c === quote) quote = '';
      cur += c;
      continue;
    }
    if (c === "'" || c === '"') { quote = c; cur += c; continue; }
    if (c === ';' || c === '\n') { parts.push({ cmd: cur, op }); op = ';'; cur = ''; continue; }
    if ((c === '&' || c === '|') && script[i + 1] === c) { parts.push({ cmd: cur, op }); op = c === '&' ? '&&' : '||'; cur = ''; i++; continue; }
    cur += c;
  }
  parts.push({ cmd: cur, op });
  return parts.filter((p) => p.cmd.trim());
}

/**
 * Runs a script, yielding output, sleeps and the final exit. A generator so that a container's
 * command can be played out over time (sleep) while exec runs it to completion at once.
 */
export function* runScript(script: string, ctx: ShellContext): Generator<Step, number> {
  let status = 0;
  for (const { cmd, op } of splitCommands(script)) {
    if (op === '&&' && status !== 0) continue;
    if (op === '||' && status === 0) continue;
    ctx.env['?'] = String(status);
    status = yield* runCommand(cmd, ctx);
    if (status === -1) return Number(ctx.env['__exit'] ?? 0);
  }
  return status;
}

function* runCommand(line: string, ctx: ShellContext): Generator<Step, number> {
  // Redirects: `> file`, `>> file`, `2>&1` (dropped), `2>/dev/null`.
  let redirect: { path: string; append: boolean } | undefined;
  const m = /\s(>>?)\s*(\S+)\s*$/.exec(' ' + line);
  if (m && !line.trim().startsWith('test') && !/^\[/.test(line.trim())) {
    redirect = { path: m[2]!, append: m[1] === '>>' };
    line = (' ' + line).slice(0, m.index).trim();
  }
  line = line.replace(/\s2>&1/g, '').replace(/\s2>\/dev\/null/g, '');
  const words = tokenize(line, ctx.env);
  if (words.length === 0) return 0;
  const [cmd, ...args] = words as [string, ...string[]];
  let out = '';
  let err = '';
  let code = 0;
  const name = cmd.split('/').pop()!;
  switch (name) {
    case 'echo': {
      const noNewline = args[0] === '-n';
      out = (noNewline ? args.slice(1) : args).join(' ') + (noNewline ? '' : '\n');
      break;
    }
    case 'printf': out = (args[0] ?? '').replace(/\\n/g, '\n').replace(/%s/g, () => args.splice(1, 1)[0] ?? ''); break;
    case 'cat': {
      for (const f of args) {
        const t = readFile(ctx.fs, f);
        if (t === undefined) { err += `cat: can't open '${f}': No such file or directory\n`; code = 1; } else out += t;
      }
      break;
    }
    case 'hostname': out = ctx.hostname + '\n'; break;
    case 'env': case 'printenv':
      if (args[0]) { const v = ctx.env[args[0]]; if (v === undefined) code = 1; else out = v + '\n'; }
      else out = Object.entries(ctx.env).filter(([k]) => k !== '?' && !k.startsWith('__')).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
      break;
    case 'true': case ':': break;
    case 'false': code = 1; break;
    case 'sleep': {
      const s = args[0] === 'infinity' ? Infinity : Number(args[0] ?? 0);
      yield { kind: 'sleep', seconds: Number.isFinite(s) ? Math.max(0, s) : Infinity };
      break;
    }
    case 'exit': ctx.env['__exit'] = String(Number(args[0] ?? ctx.env['?'] ?? 0) || 0); return -1;
    case 'touch': for (const f of args) if (!exists(ctx.fs, f)) writeFile(ctx.fs, f, '', true); break;
    case 'mkdir': {
      for (const d of args.filter((a) => !a.startsWith('-'))) {
        const host = hostPathOf(ctx.fs, d);
        if (host) mkdirSync(host, { recursive: true });
        else ctx.fs.files.set(d.replace(/\/$/, '') + '/.dir', '');
      }
      break;
    }
    case 'rm': {
      for (const f of args.filter((a) => !a.startsWith('-'))) {
        const host = hostPathOf(ctx.fs, f);
        if (host) rmSync(host, { recursive: true, force: true });
        else ctx.fs.files.delete(f);
      }
      break;
    }
    case 'ls': {
      const dir = args.filter((a) => !a.startsWith('-'))[0] ?? '/';
      const host = hostPathOf(ctx.fs, dir);
      if (host) {
        try { out = readdirSync(host).sort().join('\n') + '\n'; } catch { err = `ls: ${dir}: No such file or directory\n`; code = 1; }
      } else {
        const prefix = dir.replace(/\/$/, '') + '/';
        const names = [...new Set([...ctx.fs.files.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split('/')[0]!).filter((n) => n && n !== '.dir'))].sort();
        out = names.length ? names.join('\n') + '\n' : '';
      }
      break;
    }
    case 'test': case '[': {
      const a = name === '[' ? args.slice(0, -1) : args;
      if (a[0] === '-e' || a[0] === '-f' || a[0] === '-d') code = exists(ctx.fs, a[1] ?? '') ? 0 : 1;
      else if (a[1] === '=' || a[1] === '==') code = a[0] === a[2] ? 0 : 1;
      else if (a[1] === '!=') code = a[0] !== a[2] ? 0 : 1;
      else if (a[0] === '-n') code = a[1] ? 0 : 1;
      else if (a[0] === '-z') code = a[1] ? 1 : 0;
      else code = a.length && a[0] ? 0 : 1;
      break;
    }
    case 'sh': case 'bash': case 'ash': {
      if (args[0] === '-c' && args[1] !== undefined) return yield* runScript(args[1], { ...ctx, env: { ...ctx.env } });
      code = 0;
      break;
    }
    case 'date': out = new Date().toUTCString() + '\n'; break;
    case 'pwd': out = '/\n'; break;
    case 'id': out = 'uid=0(root) gid=0(root) groups=0(root)\n'; break;
    case 'wget': case 'curl': case 'nslookup': case 'ping':
      err = `${name}: not available in the simulated runtime (use --runtime cri for real containers)\n`;
      code = 1;
      break;
    default:
      err = `sh: ${cmd}: not found\n`;
      code = 127;
  }
  if (redirect) {
    if (!writeFile(ctx.fs, redirect.path, out, redirect.append)) { err += `sh: can't create ${redirect.path}: nonexistent directory\n`; code = 1; }
    out = '';
  }
  if (out) yield { kind: 'output', stream: 'stdout', text: out };
  if (err) yield { kind: 'output', stream: 'stderr', text: err };
  return code;
}

/** Runs a script to completion (sleeps are skipped): for exec. */
export function runToCompletion(script: string, ctx: ShellContext): { stdout: string; stderr: string; exitCode: number } {
  const gen = runScript(script, ctx);
  let stdout = '';
  let stderr = '';
  for (;;) {
    const r = gen.next();
    if (r.done) return { stdout, stderr, exitCode: r.value };
    if (r.value.kind === 'output') {
      if (r.value.stream === 'stdout') stdout += r.value.text;
      else stderr += r.value.text;
    }
  }
}

/** Turns an argv into a script line (quoting words with spaces). */
export function argvToScript(argv: string[]): string {
  if (argv.length >= 3 && ['sh', 'bash', 'ash', '/bin/sh', '/bin/bash'].includes(argv[0]!) && argv[1] === '-c') return argv[2]!;
  return argv.map((w) => (/[\s'"$;&|]/.test(w) ? `'${w.replace(/'/g, `'\\''`)}'` : w)).join(' ');
}
