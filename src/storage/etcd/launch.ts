// Starts a private single-member etcd on loopback (free random client and peer ports, its own
// data dir) for tests and benchmarks, and stops it again. Not used by `ordinal up`, which
// connects to etcd endpoints the user runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdProcess {
  /** Client URL, e.g. http://127.0.0.1:40123 */
  endpoint: string;
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

export const ETCD_BINARY = process.env.ORDINAL_ETCD ?? '/usr/bin/etcd';

export function etcdAvailable(): boolean {
  return existsSync(ETCD_BINARY);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startEtcd(opts: { dataDir?: string; timeoutMs?: number } = {}): Promise<EtcdProcess> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ordinal-etcd-'));
  // a port can be taken between probing and etcd binding it; retry a few times
  for (let attempt = 0; attempt < 3; attempt++) {
    const [cp, pp] = [await freePort(), await freePort()];
    if (cp === pp) continue;
    const client = `http://127.0.0.1:${cp}`;
    const peer = `http://127.0.0.1:${pp}`;
    const child = spawn(ETCD_BINARY, [
      '--name', 'ordinal-test', '--data-dir', dataDir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `ordinal-test=${peer}`, '--initial-cluster-state', 'new',
      '--logger', 'zap', '--log-level', 'error',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    const ok = await waitReady(child, cp, opts.timeoutMs ?? 15_000);
    if (ok) {
      return {
        endpoint: client, dataDir, pid: child.pid!,
        stop: async () => {
          await kill(child);
          if (ownDir) rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }
    await kill(child);
    if (!/address already in use/.test(stderr) || attempt === 2) {
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`etcd did not start: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
  throw new Error('etcd did not start');
}

/** Ready = the client port answers /health with {"health":"true"}. */
async function waitReady(child: ChildProcess, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
      if (r.ok && ((await r.json()) as { health?: string }).health === 'true') return true;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}
