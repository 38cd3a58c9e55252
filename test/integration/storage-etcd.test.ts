// The Store conformance suite against a real etcd (Debian etcd-server 3.4) that this test starts on
// loopback with random ports and a temp data dir, and stops afterwards.
import { describe, it } from 'node:test';
import { EtcdStore } from '../../src/storage/etcd.js';
import { startEtcd, etcdAvailable, type EtcdProcess } from '../../src/storage/etcd/launch.js';
import { storeConformance } from '../unit/storage/conformance.js';

if (!etcdAvailable()) {
  describe('Store conformance: etcd', () => { it('needs /usr/bin/etcd (Debian etcd-server)', { skip: 'etcd not installed' }, () => undefined); });
} else {
  let etcd: EtcdProcess | undefined;
  storeConformance('etcd', {
    open: async () => {
      etcd = await startEtcd();
      return new EtcdStore({ endpoints: [etcd.endpoint] });
    },
    teardown: async () => { await etcd?.stop(); },
  });
}
