import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definition as ns, prepareFinalize } from '../../../../src/api/kinds/namespace.js';
import { definition as svc, needsClusterIPAllocation } from '../../../../src/api/kinds/service.js';
import { admit, invalid, ok, row } from './helpers.js';

// ---- Namespace ----

test('namespace: create sets phase Active, kubernetes finalizer and the name label', () => {
  const o = ok(ns, { metadata: { name: 'team-a' }, status: { phase: 'Terminating' } });
  assert.deepEqual(o.status, { phase: 'Active' });
  assert.deepEqual(o.spec?.finalizers, ['kubernetes']);
  assert.equal(o.metadata.labels?.['kubernetes.io/metadata.name'], 'team-a');
  assert.deepEqual(row(ns, o), { NAME: 'team-a', STATUS: 'Active', AGE: '5m' });
  assert.equal(ns.fieldSelectors!['status.phase']!(o), 'Active');
});

test('namespace: update cannot touch finalizers or status; finalize can', () => {
  const old = ok(ns, { metadata: { name: 'a' } });
  const upd = ok(ns, { ...old, spec: { finalizers: [] }, status: { phase: 'X' } }, old);
  assert.deepEqual(upd.spec?.finalizers, ['kubernetes']);
  assert.equal(upd.status?.phase, 'Active');
  const fin = structuredClone(old);
  fin.spec = { finalizers: [] };
  prepareFinalize(fin, old);
  assert.deepEqual(fin.spec.finalizers, []);
});

test('namespace: name must be a DNS-1123 label; finalizer names are checked', () => {
  assert.equal(
    invalid(ns, { metadata: { name: 'Bad_Name' } }),
    `Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  );
  assert.match(invalid(ns, { metadata: { name: 'a' }, spec: { finalizers: ['foo'] } }), /spec.finalizers\[0\]: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified/);
});

// ---- Service ----

const base = { metadata: { name: 'nginx', namespace: 'default' }, spec: { selector: { app: 'nginx' }, ports: [{ port: 80 }] } };

test('service: defaults', () => {
  const o = ok(svc, base);
  assert.equal(o.spec?.type, 'ClusterIP');
  assert.equal(o.spec?.sessionAffinity, 'None');
  assert.equal(o.spec?.internalTrafficPolicy, 'Cluster');
  assert.equal(o.spec?.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(o.spec?.ipFamilies, ['IPv4']);
  assert.deepEqual(o.spec?.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.deepEqual(o.status, { loadBalancer: {} });
  assert.ok(needsClusterIPAllocation(o));
  assert.equal(o.spec?.externalTrafficPolicy, undefined);
  const np = ok(svc, { ...base, spec: { ...base.spec, type: 'NodePort' } });
  assert.equal(np.spec?.externalTrafficPolicy, 'Cluster');
});

test('service: headless without selector defaults to RequireDualStack', () => {
  const o = ok(svc, { metadata: { name: 'h', namespace: 'default' }, spec: { clusterIP: 'None' } });
  assert.deepEqual(o.spec?.clusterIPs, ['None']);
  assert.equal(o.spec?.ipFamilyPolicy, 'RequireDualStack');
  assert.deepEqual(o.spec?.ipFamilies, ['IPv4', 'IPv6']);
  assert.equal(row(svc, o)['CLUSTER-IP'], 'None');
  assert.equal(row(svc, o)['PORT(S)'], '<none>');
});

test('service: port validation messages', () => {
  assert.equal(
    invalid(svc, { ...base, spec: { ports: [{ port: 80 }, { port: 81 }] } }),
    'Service "nginx" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]',
  );
  assert.equal(
    invalid(svc, { ...base, spec: { ports: [{ port: 0 }] } }),
    'Service "nginx" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive]',
  );
  assert.match(invalid(svc, { ...base, spec: { ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] } }), /spec.ports\[1\].name: Duplicate value: "a"/);
  assert.match(invalid(svc, { ...base, spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] } }), /spec.ports\[1\]: Duplicate value: core.ServicePort\{Name:"", Protocol:"TCP", AppProtocol:\(\*string\)\(nil\), Port:80, /);
  assert.match(
    invalid(svc, { ...base, spec: { ports: [{ port: 80, protocol: 'FOO' }] } }),
    /spec.ports\[0\].protocol: Unsupported value: "FOO": supported values: "SCTP", "TCP", "UDP"/,
  );
  assert.match(invalid(svc, { ...base, spec: { ports: [{ port: 80, targetPort: 'Web_Port' }] } }), /spec.ports\[0\].targetPort: Invalid value: "Web_Port": must contain only alpha-numeric characters/);
  assert.match(invalid(svc, { ...base, spec: { ports: [{ port: 80, name: 'HTTP' }] } }), /spec.ports\[0\].name: Invalid value: "HTTP": a lowercase RFC 1123 label/);
  assert.equal(invalid(svc, { ...base, spec: { selector: { a: 'b' } } }), 'Service "nginx" is invalid: spec.ports: Required value');
  ok(svc, { ...base, spec: { ports: [{ port: 80, targetPort: 'http' }] } });
});

test('service: type, name, clusterIP and externalName validation', () => {
  assert.match(
    invalid(svc, { ...base, spec: { ...base.spec, type: 'Foo' } }),
    /spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"/,
  );
  assert.match(invalid(svc, { ...base, metadata: { name: '1abc', namespace: 'default' } }), /metadata.name: Invalid value: "1abc": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
  assert.match(invalid(svc, { ...base, spec: { ...base.spec, clusterIP: 'foo' } }), /spec.clusterIPs\[0\]: Invalid value: "foo": must be a valid IP address/);
  assert.equal(invalid(svc, { ...base, spec: { type: 'ExternalName' } }), 'Service "nginx" is invalid: spec.externalName: Required value');
  assert.match(invalid(svc, { ...base, spec: { type: 'ExternalName', externalName: 'Bad_Name' } }), /spec.externalName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  assert.match(invalid(svc, { ...base, spec: { ...base.spec, type: 'NodePort', clusterIP: 'None' } }), /spec.clusterIPs\[0\]: Invalid value: "None": may not be set to 'None' for NodePort services/);
  assert.match(invalid(svc, { ...base, spec: { ports: [{ port: 80, nodePort: 30080 }] } }), /spec.ports\[0\].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/);
  const en = ok(svc, { ...base, spec: { type: 'ExternalName', externalName: 'example.com.' } });
  assert.equal(en.spec?.ipFamilies, undefined);
  assert.deepEqual(row(svc, en), { NAME: 'nginx', TYPE: 'ExternalName', 'CLUSTER-IP': '<none>', 'EXTERNAL-IP': 'example.com.', 'PORT(S)': '<none>', AGE: '5m', SELECTOR: '<none>' });
});

test('service: clusterIP is immutable, and an update that omits it keeps it', () => {
  const old = ok(svc, { ...base, spec: { ...base.spec, clusterIP: '10.0.0.5' } });
  assert.deepEqual(old.spec?.clusterIPs, ['10.0.0.5']);
  const kept = ok(svc, { ...base, spec: { ...base.spec } }, old);
  assert.equal(kept.spec?.clusterIP, '10.0.0.5');
  assert.deepEqual(kept.spec?.clusterIPs, ['10.0.0.5']);
  const msg = invalid(svc, { ...base, spec: { ...base.spec, clusterIP: '10.0.0.9' } }, old);
  assert.match(msg, /spec.clusterIPs\[0\]: Invalid value: \[\]string\{"10.0.0.9"\}: may not change once set/);
  // the ExternalName round trip is allowed and drops the IPs
  const en = ok(svc, { ...base, spec: { ...old.spec, type: 'ExternalName', externalName: 'x.example' } }, old);
  assert.equal(en.spec?.clusterIP, undefined);
  assert.equal(en.spec?.clusterIPs, undefined);
});

test('service: status update keeps the spec; spec update keeps the status', () => {
  const old = ok(svc, { ...base, spec: { ...base.spec, type: 'LoadBalancer' } });
  const st = ok(svc, { ...old, spec: { ...old.spec, type: 'ClusterIP' }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }, old, 'status');
  assert.equal(st.spec?.type, 'LoadBalancer');
  assert.equal(row(svc, st)['EXTERNAL-IP'], '1.2.3.4');
  const sp = ok(svc, { ...st, status: {} }, st);
  assert.deepEqual(sp.status?.loadBalancer?.ingress, [{ ip: '1.2.3.4' }]);
  assert.equal(row(svc, old)['EXTERNAL-IP'], '<pending>');
});

test('service: table cells', () => {
  const o = ok(svc, {
    ...base,
    spec: { type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'web', tier: 'fe' }, ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }] },
  });
  assert.deepEqual(row(svc, o), {
    NAME: 'nginx', TYPE: 'NodePort', 'CLUSTER-IP': '10.96.0.10', 'EXTERNAL-IP': '<none>',
    'PORT(S)': '80:30080/TCP,53/UDP', AGE: '5m', SELECTOR: 'app=web,tier=fe',
  });
  assert.equal(svc.fieldSelectors!['spec.type']!(o), 'NodePort');
  const { errs } = admit(svc, o, o);
  assert.deepEqual(errs, []);
});
