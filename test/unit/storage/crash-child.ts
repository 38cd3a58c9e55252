// Child process for test/integration/storage-crash.test.ts: creates objects on a SqliteStore with
// 32 writes in flight and prints each key to stdout only once its create resolved (durable). The
// parent kill -9s it at an arbitrary moment.
import { SqliteStore } from '../../../src/storage/sqlite.js';

const [path, round, total] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4] ?? 100000)];
const store = new SqliteStore({ path });
let next = 0;
const pad = 'x'.repeat(512);

async function worker(): Promise<void> {
  while (next < total) {
    const i = next++;
    const key = `/registry/configmaps/crash/r${round}-${String(i).padStart(6, '0')}`;
    await store.create(key, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `r${round}-${i}`, namespace: 'crash' }, data: { i: String(i), pad } }));
    process.stdout.write(key + '\n');
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: 32 }, worker));
await store.close();
