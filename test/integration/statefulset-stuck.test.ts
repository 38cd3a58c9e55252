// The whole cluster (defaultComponents: scheduler, simulated node agent, volumes, GC, …) and the
// long-standing upstream complaint #67250: a broken template wedges an OrderedReady rollout, and
// reverting it does not help. Ordinal says why in the Waiting condition, and with the opt-in
// annotation ordinal.dev/recover-stuck-rollout="true" the set recovers by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../../src/cli/up.js';
import { defaultComponents } from '../../src/cli/components.js';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/types.js';
import { isApiError } from '../../src/machinery/errors.js';
import type { KubeObject } from '../../src/machinery/object.js';

const NS = 'default';
let dir: string;
let cluster: Cluster;
let client: HttpClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ordinal-sts-stuck-'));
  cluster = await startCluster({ dataDir: dir, listen: '127.0.0.1:0', runtime: 'sim', storage: 'sqlite', components: defaultComponents(), log: () => undefined });
  client = new HttpClient({ url: cluster.url, token: cluster.token, caPem: cluster.caPem });
});
after(async () => {
  client?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const until = async (what: string, f: () => Promise<boolean>, ms = 30000) => {
  const end = Date.now() + ms;
  for (;;) {
    if (await f()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
type Status = { readyReplicas?: number; currentRevision?: string; updateRevision?: string; updatedReplicas?: number; conditions?: { type: string; message?: string }[] };
const status = async () => ((await client.get(R.statefulsets, NS, 'web')).status ?? {}) as Status;
const rev = async (name: string) => {
  try {
    return (await client.get(R.pods, NS, name)).metadata.labels?.['controller-revision-hash'];
  } catch (e) {
    if (isApiError(e, 'NotFound')) return undefined;
    throw e;
  }
};
const image = (img: string) => ({ spec: { template: { spec: { containers: [{ name: 'nginx', image: img }] } } } });

test('#67250: a reverted broken rollout stays stuck and says why; the opt-in annotation recovers it', async () => {
  await client.create(R.statefulsets, NS, {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } }, serviceName: 'nginx', replicas: 3,
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:good' }] } },
    },
  } as KubeObject);
  await until('3 ready', async () => (await status()).readyReplicas === 3);
  const good = (await status()).currentRevision!;

  // A bad image: web-2 is replaced and never becomes Ready.
  await client.patch(R.statefulsets, NS, 'web', 'strategic', image('nginx:doesnotexist'));
  let bad = '';
  await until('web-2 at the bad revision', async () => {
    bad = (await status()).updateRevision ?? '';
    return bad !== good && (await rev('web-2')) === bad;
  });
  await until('waiting condition', async () => /^update of web-1 waits: web-2 is (Pending|not Ready)/.test((await status()).conditions?.find((c) => c.type === 'Waiting')?.message ?? ''));

  // Revert: upstream stays stuck on web-2 (it is not Ready, so nothing proceeds). So do we.
  await client.patch(R.statefulsets, NS, 'web', 'strategic', image('nginx:good'));
  await until('update revision back to the good one', async () => (await status()).updateRevision === good);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await rev('web-2'), bad, 'still stuck, as upstream');
  const msg = (await status()).conditions?.find((c) => c.type === 'Waiting')?.message ?? '';
  assert.match(msg, /^update of web-2 waits: web-2 is (Pending|not Ready) \((ErrImagePull|ImagePullBackOff)\); delete it, or set annotation ordinal\.dev\/recover-stuck-rollout="true"/);

  // Opt in: the stuck pod is replaced at the good revision and the set converges.
  await client.patch(R.statefulsets, NS, 'web', 'merge', { metadata: { annotations: { 'ordinal.dev/recover-stuck-rollout': 'true' } } });
  await until('recovered', async () => {
    const s = await status();
    return s.readyReplicas === 3 && s.currentRevision === good && s.updateRevision === good && (await rev('web-2')) === good;
  });
  assert.equal((await status()).conditions, undefined, 'nothing waits any more');
});
