// kill -9 during hundreds of concurrent creates never loses an acknowledged write and never leaves
// a half-written object: a child process writes to a SqliteStore and reports each acknowledged
// key; we SIGKILL it mid-run, reopen the file, and check every reported key. Three rounds on the
// same file also prove that a store reopened after a crash keeps working.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../src/storage/sqlite.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const child = join(root, 'test/unit/storage/crash-child.ts');

/** Runs the child until it acknowledged `killAfter` keys (plus a random few ms), then SIGKILLs it. */
function runAndKill(path: string, round: number, killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, path, String(round)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buf = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`child too slow; acked ${acked.length}; ${stderr}`)); }, 30_000);
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith('/registry/')) acked.push(l);
      if (!killed && acked.length >= killAfter) {
        killed = true;
        // land the kill at an arbitrary point of the write/fsync cycle
        setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 5));
      }
    });
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal} before the kill: ${stderr}`));
      else resolve(acked);
    });
  });
}

describe('SqliteStore crash safety', () => {
  it('every acknowledged create survives kill -9 and parses as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordinal-crash-'));
    const path = join(dir, 'state.db');
    try {
      const all: string[] = [];
      let lastRevision = 0;
      for (const [round, killAfter] of [[1, 300], [2, 500], [3, 200]] as const) {
        const acked = await runAndKill(path, round, killAfter);
        assert.ok(acked.length >= killAfter, `round ${round}: ${acked.length} acknowledged`);
        all.push(...acked);
        const store = new SqliteStore({ path });
        try {
          for (const key of all) {
            const kv = await store.get(key);
            assert.ok(kv, `acknowledged ${key} is missing after kill -9`);
            const obj = JSON.parse(kv.value) as { metadata: { name: string }; data: { pad: string } };
            assert.equal(`/registry/configmaps/crash/${obj.metadata.name.replace(/-(\d+)$/, (_, n: string) => '-' + n.padStart(6, '0'))}`, key);
            assert.equal(obj.data.pad.length, 512);
          }
          // every stored object (acknowledged or not) is whole, and revisions are consistent
          const list = await store.list('/registry/configmaps/crash/');
          assert.ok(list.items.length >= all.length);
          for (const kv of list.items) JSON.parse(kv.value);
          const rev = await store.currentRevision();
          assert.ok(rev >= list.items.length && rev > lastRevision, `revision ${rev} after round ${round}`);
          assert.equal(new Set(list.items.map((i) => i.modRevision)).size, list.items.length);
          lastRevision = rev;
        } finally {
          await store.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
