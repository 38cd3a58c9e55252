import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../src/storage/sqlite.js';
import { storeConformance } from './conformance.js';

let dir = '';
storeConformance('sqlite', {
  open: async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordinal-sqlite-'));
    return new SqliteStore({ path: join(dir, 'state.db') });
  },
  teardown: async () => rmSync(dir, { recursive: true, force: true }),
});

// the same semantics when COMMIT runs on the calling thread
let dir2 = '';
storeConformance('sqlite (inline writer)', {
  open: async () => {
    dir2 = mkdtempSync(join(tmpdir(), 'ordinal-sqlite-'));
    return new SqliteStore({ path: join(dir2, 'state.db'), writer: 'inline' });
  },
  teardown: async () => rmSync(dir2, { recursive: true, force: true }),
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { startCompactor } from '../../../src/storage/sqlite.js';

describe('SqliteStore specifics', () => {
  const tmp = () => mkdtempSync(join(tmpdir(), 'ordinal-sqlite-'));

  it('reopening an existing file resumes revisions, values and the compacted floor', async () => {
    const d = tmp();
    try {
      const path = join(d, 'state.db');
      const s1 = new SqliteStore({ path });
      const a = await s1.create('/registry/pods/default/a', '{"a":1}');
      const a2 = await s1.update('/registry/pods/default/a', '{"a":2}', a.modRevision);
      await s1.create('/registry/pods/default/b', '{"b":1}');
      await s1.compact(a2.modRevision);
      await s1.close();
      const s2 = new SqliteStore({ path });
      assert.equal(await s2.currentRevision(), a2.modRevision + 1);
      assert.equal(await s2.compactedRevision(), a2.modRevision);
      assert.equal((await s2.get('/registry/pods/default/a'))!.value, '{"a":2}');
      const c = await s2.create('/registry/pods/default/c', '{}');
      assert.equal(c.modRevision, a2.modRevision + 2);
      // history after the compacted revision is still there for a watch
      const evs = await new Promise<string[]>((resolve, reject) => {
        const h = s2.watch('/registry/pods/', a2.modRevision, {
          onEvents: (e) => { h.cancel(); resolve(e.map((x) => x.key)); },
          onError: reject,
        });
      });
      assert.deepEqual(evs, ['/registry/pods/default/b', '/registry/pods/default/c']);
      await s2.close();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('group commit: writes issued in the same tick share one transaction', async () => {
    const d = tmp();
    try {
      const s = new SqliteStore({ path: join(d, 'state.db') });
      const before = s.stats().commits;
      const kvs = await Promise.all(Array.from({ length: 100 }, (_, i) => s.create(`/registry/configmaps/ns/${i}`, '{}')));
      assert.equal(s.stats().commits - before, 1);
      assert.equal(new Set(kvs.map((k) => k.modRevision)).size, 100);
      // a failing write in the batch does not spoil the others
      const r = await Promise.allSettled([s.create('/registry/configmaps/ns/0', '{}'), s.create('/registry/configmaps/ns/new', '{}')]);
      assert.equal(r[0].status, 'rejected');
      assert.equal(r[1].status, 'fulfilled');
      await s.close();
      await assert.rejects(s.create('/x', '{}'), /closed/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('heartbeat churn with the compactor keeps history rows and the file bounded', async () => {
    const d = tmp();
    try {
      const path = join(d, 'state.db');
      const s = new SqliteStore({ path });
      const keys = Array.from({ length: 20 }, (_, i) => `/registry/leases/kube-node-lease/node-${i}`);
      const revs = new Map<string, number>();
      for (const k of keys) revs.set(k, (await s.create(k, JSON.stringify({ renewTime: 0 }))).modRevision);
      const compactor = startCompactor(s, { intervalMs: 60_000, keepRevisions: 200 });
      const pages: number[] = [];
      for (let round = 1; round <= 150; round++) {
        await Promise.all(keys.map(async (k) => {
          const kv = await s.update(k, JSON.stringify({ renewTime: round, pad: 'x'.repeat(200) }), revs.get(k)!);
          revs.set(k, kv.modRevision);
        }));
        if (round % 25 === 0) {
          await compactor.runOnce();
          const st = s.stats();
          assert.ok(st.logRows <= 200, `log rows ${st.logRows} after compaction`);
          assert.equal(st.kvRows, 20);
          pages.push(st.pageCount);
        }
      }
      compactor.stop();
      assert.equal(await s.currentRevision(), 20 + 150 * 20);
      assert.equal(await s.compactedRevision(), 20 + 150 * 20 - 200);
      // file size stays flat after the first rounds (3,000 updates of ~250 bytes would be ~0.8 MB of history)
      assert.ok(Math.max(...pages.slice(2)) <= pages[1]! + 8, `pages grew: ${pages.join(',')}`);
      await s.close();
      assert.ok(statSync(path).size < 400 * 1024, `db file ${statSync(path).size} bytes`);
      const wal = (() => { try { return statSync(path + '-wal').size; } catch { return 0; } })();
      assert.ok(wal < 1024 * 1024, `wal ${wal} bytes`);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
