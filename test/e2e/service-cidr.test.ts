// `ordinal up --service-cidr` and `--dns-ttl`: the kubernetes Service takes the range's first
// address and kube-dns its tenth (as kubeadm), new Services are allocated inside it, pods' resolv.conf
// names the kube-dns address, and DNS answers carry the TTL asked for. Bad values are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, run, ORDINAL, ROOT, type Cluster } from './harness.js';

let c: Cluster;
before(async () => {
  c = await startCluster({ args: ['--service-cidr', '10.100.0.0/16', '--dns-ttl', '30'] });
});
after(async () => {
  await c?.cleanup();
});

const k = async (...args: string[]) => {
  const r = await c.kubectl(args, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.all);
  return r.stdout;
};

test('the built-in Services and new ClusterIPs come from --service-cidr', async () => {
  assert.equal(await k('get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'), '10.100.0.1');
  let dns = '';
  for (let i = 0; i < 100 && !dns; i++) {
    const r = await c.kubectl(['get', 'svc', '-n', 'kube-system', 'kube-dns', '-o', 'jsonpath={.spec.clusterIP}']);
    dns = r.code === 0 ? r.stdout : '';
    if (!dns) await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(dns, '10.100.0.10');
  await k('create', 'service', 'clusterip', 'inrange', '--tcp=80:80');
  const ip = await k('get', 'svc', 'inrange', '-o', 'jsonpath={.spec.clusterIP}');
  assert.match(ip, /^10\.100\.\d+\.\d+$/);
  const out = await c.kubectl(['create', 'service', 'clusterip', 'outside', '--tcp=80:80', '--clusterip=10.96.0.50']);
  assert.notEqual(out.code, 0);
  assert.match(out.stderr, /spec\.clusterIPs?(\[0\])?: Invalid value: .*10\.96\.0\.50.*(not in|outside).*range/i, out.all);
});

test('pods name the kube-dns address of the range in resolv.conf; answers carry --dns-ttl', async () => {
  await k('run', 'probe', '--image=busybox', '--restart=Never', '--', 'sleep', '3600');
  let conf = '';
  for (let i = 0; i < 150 && !conf.includes('nameserver'); i++) {
    const r = await c.kubectl(['exec', 'probe', '--', 'cat', '/etc/resolv.conf']);
    conf = r.code === 0 ? r.stdout : '';
    if (!conf.includes('nameserver')) await new Promise((res) => setTimeout(res, 200));
  }
  assert.match(conf, /^nameserver 10\.100\.0\.10$/m);
  const port = /cluster DNS listening on 127\.0\.0\.1:(\d+)/.exec(c.logs())?.[1];
  assert.ok(port, `no DNS address in the log:\n${c.logs()}`);
  const dig = await run('dig', ['@127.0.0.1', '-p', port, '+noall', '+answer', 'kubernetes.default.svc.cluster.local', 'A']);
  assert.equal(dig.code, 0, dig.all);
  assert.match(dig.stdout, /^kubernetes\.default\.svc\.cluster\.local\.\s+30\s+IN\s+A\s+10\.100\.0\.1$/m);
});

test('bad --service-cidr and --dns-ttl are refused with a clear message', async () => {
  const cidr = await run(ORDINAL, ['up', '--service-cidr', '10.0.0.0/8', '--data-dir', `${c.dataDir}-bad`], { cwd: ROOT });
  assert.notEqual(cidr.code, 0);
  assert.match(cidr.stderr, /service CIDR 10\.0\.0\.0\/8.*between \/12 and \/30/);
  const ttl = await run(ORDINAL, ['up', '--dns-ttl', 'soon', '--data-dir', `${c.dataDir}-bad`], { cwd: ROOT });
  assert.notEqual(ttl.code, 0);
  assert.match(ttl.stderr, /--dns-ttl: "soon" is not a number of seconds/);
});
