import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service, ConfigMap, Secret, ServicePort } from 'kubernetes-types/core/v1.js';
import { containerEnv, serviceEnv, expand, expandCommand, resourceValue, ContainerConfigError, type EnvSources } from '../../../src/node/env.js';

const svc = (name: string, ns: string, ip: string, ports: ServicePort[]): Service =>
  ({ metadata: { name, namespace: ns }, spec: { clusterIP: ip, ports } });

const services = [
  svc('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
  svc('nginx', 'shop', '10.96.3.4', [{ name: 'web', port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]),
  svc('headless', 'shop', 'None', [{ port: 80 }]),
  svc('other', 'elsewhere', '10.96.9.9', [{ port: 1 }]),
];
const cms: Record<string, ConfigMap> = { 'shop/cfg': { metadata: { name: 'cfg' }, data: { mode: 'fast', 'bad key': 'x', level: '3' } } };
const secrets: Record<string, Secret> = { 'shop/db': { metadata: { name: 'db' }, data: { password: Buffer.from('s3cret').toString('base64') } } };
const src: EnvSources = {
  configMap: (ns, n) => cms[`${ns}/${n}`], secret: (ns, n) => secrets[`${ns}/${n}`], services,
  podIPs: ['10.244.0.7'], hostIPs: ['192.168.1.5'], nodeName: 'n1', nodeAllocatable: { cpu: '4', memory: '8Gi' }, hostname: 'web-0',
};

const pod = (container: NonNullable<Pod['spec']>['containers'][number], extra: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name: 'web-0', namespace: 'shop', uid: 'uid-1', labels: { app: 'nginx' }, annotations: { team: 'a' } },
  spec: { nodeName: 'n1', serviceAccountName: 'default', containers: [container], ...extra },
});
const asMap = (r: { env: { name: string; value: string }[] }) => Object.fromEntries(r.env.map((e) => [e.name, e.value]));

test('service link variables follow the docker-link format; headless and other namespaces are skipped', () => {
  const env = asMap(containerEnv(pod({ name: 'c', image: 'i' }), pod({ name: 'c', image: 'i' }).spec!.containers[0]!, src));
  assert.equal(env.NGINX_SERVICE_HOST, '10.96.3.4');
  assert.equal(env.NGINX_SERVICE_PORT, '80');
  assert.equal(env.NGINX_SERVICE_PORT_WEB, '80');
  assert.equal(env.NGINX_PORT, 'tcp://10.96.3.4:80');
  assert.equal(env.NGINX_PORT_80_TCP, 'tcp://10.96.3.4:80');
  assert.equal(env.NGINX_PORT_80_TCP_PROTO, 'tcp');
  assert.equal(env.NGINX_PORT_80_TCP_PORT, '80');
  assert.equal(env.NGINX_PORT_80_TCP_ADDR, '10.96.3.4');
  assert.equal(env.NGINX_PORT_53_UDP, 'udp://10.96.3.4:53');
  assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  assert.equal(env.KUBERNETES_PORT_443_TCP, 'tcp://10.96.0.1:443');
  assert.equal(env.HOSTNAME, 'web-0');
  assert.ok(!Object.keys(env).some((k) => k.startsWith('HEADLESS_') || k.startsWith('OTHER_')));
  // enableServiceLinks: false keeps only the master service.
  const p = pod({ name: 'c', image: 'i' }, { enableServiceLinks: false });
  const noLinks = asMap(containerEnv(p, p.spec!.containers[0]!, src));
  assert.equal(noLinks.NGINX_SERVICE_HOST, undefined);
  assert.equal(noLinks.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.deepEqual(serviceEnv(svc('redis-primary', 'x', '10.0.0.11', [{ port: 6379, protocol: 'TCP' }])), [
    ['REDIS_PRIMARY_SERVICE_HOST', '10.0.0.11'], ['REDIS_PRIMARY_SERVICE_PORT', '6379'], ['REDIS_PRIMARY_PORT', 'tcp://10.0.0.11:6379'],
    ['REDIS_PRIMARY_PORT_6379_TCP', 'tcp://10.0.0.11:6379'], ['REDIS_PRIMARY_PORT_6379_TCP_PROTO', 'tcp'], ['REDIS_PRIMARY_PORT_6379_TCP_PORT', '6379'], ['REDIS_PRIMARY_PORT_6379_TCP_ADDR', '10.0.0.11'],
  ]);
});

test('env, envFrom with prefix, fieldRef, resourceFieldRef, configMap/secret keys, $(VAR) expansion', () => {
  const c = {
    name: 'c', image: 'i',
    resources: { limits: { memory: '512Mi' }, requests: { cpu: '250m' } },
    envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'missing', optional: true } }],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['team']" } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      { name: 'CPU_LIM', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'URL', value: 'http://$(NGINX_SERVICE_HOST):$(NGINX_SERVICE_PORT)/$(POD_NAME)/$(NOPE)/$$(POD_NAME)' },
      { name: 'NGINX_SERVICE_HOST', value: 'overridden' },
    ],
    command: ['sh', '-c', 'echo $(POD_NAME)'],
  };
  const r = containerEnv(pod(c), c, src);
  const env = asMap(r);
  assert.equal(env.CFG_mode, 'fast');
  assert.equal(env.CFG_level, '3');
  assert.equal(env['CFG_bad key'], undefined);
  assert.match(r.warnings[0]!, /Keys \[bad key\] from the EnvFrom configMap shop\/cfg were skipped/);
  assert.equal(env.POD_NAME, 'web-0');
  assert.equal(env.POD_NS, 'shop');
  assert.equal(env.POD_IP, '10.244.0.7');
  assert.equal(env.HOST_IP, '192.168.1.5');
  assert.equal(env.NODE, 'n1');
  assert.equal(env.APP, 'nginx');
  assert.equal(env.TEAM, 'a');
  assert.equal(env.MEM_MI, '512');
  assert.equal(env.CPU_REQ, '1'); // ceil(0.25 / 1)
  assert.equal(env.CPU_LIM, '4'); // no limit: node allocatable
  assert.equal(env.MODE, 'fast');
  assert.equal(env.PW, 's3cret');
  assert.equal(env.URL, 'http://10.96.3.4:80/web-0/$(NOPE)/$(POD_NAME)');
  assert.equal(env.NGINX_SERVICE_HOST, 'overridden', 'declared variables win over service variables');
  assert.deepEqual(expandCommand(c, r.env).command, ['sh', '-c', 'echo web-0']);
  assert.equal(resourceValue({ name: 'x', resources: { limits: { cpu: '1500m' } } }, 'limits.cpu', '1m'), '1500');
});

test('missing ConfigMap, key or Secret: CreateContainerConfigError with the upstream message; optional ones are skipped', () => {
  const run = (env: NonNullable<Pod['spec']>['containers'][number]['env'], envFrom?: NonNullable<Pod['spec']>['containers'][number]['envFrom']) => {
    const c = { name: 'c', image: 'i', env, envFrom };
    return () => containerEnv(pod(c), c, src);
  };
  assert.throws(run([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }]), (e: Error) => e instanceof ContainerConfigError && e.message === 'configmap "x" not found');
  assert.throws(run([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }]), { message: "couldn't find key k in ConfigMap shop/cfg" });
  assert.throws(run([{ name: 'A', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }]), { message: 'secret "nope" not found' });
  assert.throws(run([{ name: 'A', valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } }]), { message: "couldn't find key k in Secret shop/db" });
  assert.throws(run(undefined, [{ configMapRef: { name: 'gone' } }]), { message: 'configmap "gone" not found' });
  const ok = asMap(run([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'x', key: 'k', optional: true } } }])());
  assert.equal(ok.A, '');
});

test('expansion edge cases', () => {
  const l = (n: string) => ({ A: 'x' } as Record<string, string>)[n];
  assert.equal(expand('$(A)$(A)', l), 'xx');
  assert.equal(expand('$$(A)', l), '$(A)');
  assert.equal(expand('$(B', l), '$(B');
  assert.equal(expand('a$b', l), 'a$b');
  assert.equal(expand('end$', l), 'end$');
});
