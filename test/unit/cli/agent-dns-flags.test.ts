// `ordinal agent` DNS flags: --cluster-dns (what pods' resolv.conf names) and --dns-server (where the
// cluster DNS really listens on this machine, the target of the CRI node's redirect).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentArgs } from '../../../src/cli/agent.js';

test('agent --dns-server HOST:PORT is parsed (port 53 when omitted); --cluster-dns kept', () => {
  const o = parseAgentArgs(['--server', 'https://127.0.0.1:6443', '--cluster-dns', '10.96.0.10', '--dns-server', '127.0.0.1:5353']);
  assert.notEqual(o, 'help');
  if (o === 'help') return;
  assert.deepEqual(o.dnsServer, { host: '127.0.0.1', port: 5353 });
  assert.equal(o.clusterDNS, '10.96.0.10');
  const d = parseAgentArgs(['--dns-server', '127.0.0.1']);
  assert.deepEqual(d !== 'help' && d.dnsServer, { host: '127.0.0.1', port: 53 });
  assert.throws(() => parseAgentArgs(['--dns-server', '127.0.0.1:99999']), /invalid port/);
});
