import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { openStore } from '../../../src/storage/index.js';

describe('openStore', () => {
  it('opens memory and sqlite (creating the directory) stores', async () => {
    const m = await openStore({ kind: 'memory' });
    assert.equal(m.kind, 'memory');
    await m.close();
    const d = mkdtempSync(join(tmpdir(), 'ordinal-open-'));
    try {
      const path = join(d, 'nested', 'state.db');
      const s = await openStore({ kind: 'sqlite', path });
      assert.equal(s.kind, 'sqlite');
      await s.create('/registry/namespaces/default', '{}');
      await s.close();
      assert.ok(existsSync(path));
      const again = await openStore({ kind: 'sqlite', path });
      assert.equal(await again.currentRevision(), 1);
      await again.close();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('rejects missing options and an unreachable etcd', async () => {
    await assert.rejects(openStore({ kind: 'sqlite' }), /needs a path/);
    await assert.rejects(openStore({ kind: 'etcd' }), /needs endpoints/);
    // a loopback port with nothing listening
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as { port: number }).port; srv.close(() => resolve(p)); });
    });
    await assert.rejects(openStore({ kind: 'etcd', endpoints: [`http://127.0.0.1:${port}`] }), /cannot reach etcd/);
  });
});
