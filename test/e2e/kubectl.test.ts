// The real kubectl (the /usr/bin dispatcher, which runs its built-in 1.32 against our v1.32 server)
// against `bin/ordinal up`: every expected string is what upstream kubectl prints against a real
// cluster (shared/spec/kubectl-protocol.md, Appendix A). One cluster for the whole file; tests run in order.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, tableRows, SVC_YAML, STS_YAML, stsYaml, type Cluster, type RunResult } from './harness.js';

let c: Cluster;

function ok(r: RunResult): void {
  assert.equal(r.code, 0, `kubectl failed\n${r.all}`);
}
function failed(r: RunResult): void {
  assert.notEqual(r.code, 0, `kubectl unexpectedly succeeded\n${r.all}`);
}

async function getJson(args: string[]): Promise<any> {
  const r = await c.kubectl(['get', ...args, '-o', 'json']);
  ok(r);
  return JSON.parse(r.stdout);
}

describe('kubectl against ordinal', () => {
  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.cleanup();
  });

  test('health endpoints answer without credentials; the API does not', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const r = await c.request('GET', p, undefined, { token: null });
      assert.equal(r.status, 200, `${p}: ${r.status} ${r.body}`);
    }
    const r = await c.request('GET', '/api/v1/namespaces', undefined, { token: null });
    assert.equal(r.status, 401, r.body);
    assert.equal(r.json().kind, 'Status');
    assert.equal(r.json().reason, 'Unauthorized');
  });

  test('kubectl version reports Server Version v1.32', async () => {
    const r = await c.kubectl(['version']);
    ok(r);
    assert.match(r.stdout, /^Client Version: v1\.32\.\S+$/m);
    assert.match(r.stdout, /^Server Version: v1\.32\.\S+$/m);
    assert.doesNotMatch(r.stderr, /WARNING: version difference/);
  });

  test('api-resources lists the catalogue with short names and groups', async () => {
    const r = await c.kubectl(['api-resources']);
    ok(r);
    assert.match(r.stdout, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
    const want: [string, string, string, string, string][] = [
      ['pods', 'po', 'v1', 'true', 'Pod'],
      ['services', 'svc', 'v1', 'true', 'Service'],
      ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
      ['nodes', 'no', 'v1', 'false', 'Node'],
      ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
      ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
      ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim'],
      ['persistentvolumes', 'pv', 'v1', 'false', 'PersistentVolume'],
      ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
      ['events', 'ev', 'v1', 'true', 'Event'],
      ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
      ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
      ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
      ['events', 'ev', 'events.k8s.io/v1', 'true', 'Event'],
    ];
    for (const [name, short, gv, ns, kind] of want) {
      const re = new RegExp(`^${name}\\s+${short}\\s+${gv.replace('/', '\\/')}\\s+${ns}\\s+${kind}\\s*$`, 'm');
      assert.match(r.stdout, re, `missing row ${name} ${short} ${gv} ${ns} ${kind}\n${r.stdout}`);
    }
    for (const [name, gv, ns, kind] of [
      ['secrets', 'v1', 'true', 'Secret'],
      ['controllerrevisions', 'apps/v1', 'true', 'ControllerRevision'],
      ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
      ['leases', 'coordination.k8s.io/v1', 'true', 'Lease'],
    ]) {
      assert.match(r.stdout, new RegExp(`^${name}\\s+${gv.replace('/', '\\/')}\\s+${ns}\\s+${kind}\\s*$`, 'm'), `missing row ${name}\n${r.stdout}`);
    }
    assert.match(r.stdout, /^storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass\s*$/m);
  });

  test('create -f of the seed manifests', async () => {
    const svc = c.file('svc.yaml', SVC_YAML);
    const sts = c.file('statefulset.yaml', STS_YAML);
    let r = await c.kubectl(['create', '-f', svc]);
    ok(r);
    assert.equal(r.stdout, 'service/nginx created\n');
    r = await c.kubectl(['create', '-f', sts]);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web created\n');
  });

  test('create again answers AlreadyExists', async () => {
    const r = await c.kubectl(['create', '-f', 'statefulset.yaml']);
    failed(r);
    assert.equal(r.stderr.trim(), 'Error from server (AlreadyExists): error when creating "statefulset.yaml": statefulsets.apps "web" already exists');
  });

  test('get sts web prints NAME READY AGE', async () => {
    const r = await c.kubectl(['get', 'sts', 'web']);
    ok(r);
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows[0], ['NAME', 'READY', 'AGE'], r.stdout);
    assert.equal(rows.length, 2, r.stdout);
    assert.equal(rows[1][0], 'web');
    // READY is status.readyReplicas/spec.replicas; the controllers may already have pods up
    assert.match(rows[1][1], /^[0-2]\/2$/);
    assert.match(rows[1][2], /^\d+s$/);
    // upstream pads columns with 3 spaces
    assert.match(r.stdout, /^NAME   READY   AGE\nweb    [0-2]\/2     \d+s\n$/);
  });

  test('get sts -o wide adds CONTAINERS and IMAGES', async () => {
    const r = await c.kubectl(['get', 'statefulsets', '-o', 'wide']);
    ok(r);
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows[0], ['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES'], r.stdout);
    assert.deepEqual([rows[1][0], rows[1][3], rows[1][4]], ['web', 'nginx', 'registry.k8s.io/nginx-slim:0.24']);
    assert.match(rows[1][1], /^[0-2]\/2$/);
  });

  test('get svc prints the service columns', async () => {
    const r = await c.kubectl(['get', 'svc', 'nginx']);
    ok(r);
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], r.stdout);
    assert.deepEqual(rows[1].slice(0, 5), ['nginx', 'ClusterIP', 'None', '<none>', '80/TCP'], r.stdout);
    assert.match(rows[1][5], /^\d+s$/);
  });

  test('get sts -o json has the upstream defaults filled in', async () => {
    const o = await getJson(['sts', 'web']);
    assert.equal(o.apiVersion, 'apps/v1');
    assert.equal(o.kind, 'StatefulSet');
    assert.equal(o.metadata.name, 'web');
    assert.equal(o.metadata.namespace, 'default');
    assert.equal(o.metadata.generation, 1);
    assert.match(o.metadata.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(o.metadata.resourceVersion, /^\d+$/);
    assert.match(o.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(o.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(o.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(o.spec.revisionHistoryLimit, 10);
    assert.equal(o.spec.replicas, 2);
    assert.equal(o.spec.serviceName, 'nginx');
    // pod template defaults (core/v1 SetDefaults_PodSpec / Container)
    const pod = o.spec.template.spec;
    assert.equal(pod.restartPolicy, 'Always');
    assert.equal(pod.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.equal(pod.schedulerName, 'default-scheduler');
    assert.equal(pod.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.equal(pod.containers[0].ports[0].protocol, 'TCP');
  });

  test('get sts -o yaml prints the object as YAML', async () => {
    const r = await c.kubectl(['get', 'sts', 'web', '-o', 'yaml']);
    ok(r);
    assert.match(r.stdout, /^apiVersion: apps\/v1$/m);
    assert.match(r.stdout, /^kind: StatefulSet$/m);
    assert.match(r.stdout, /^  podManagementPolicy: OrderedReady$/m);
    assert.match(r.stdout, /^  revisionHistoryLimit: 10$/m);
    assert.match(r.stdout, /^  updateStrategy:\n    rollingUpdate:\n      partition: 0\n    type: RollingUpdate$/m);
  });

  test('get -w streams a row when another kubectl changes the object', async () => {
    const w = c.kubectlStream(['get', 'sts', '-w']);
    try {
      await w.waitFor(/^web\s+\d\/2\s+\S+\s*$/m);
      const p = await c.kubectl(['patch', 'sts', 'web', '--type=merge', '-p', '{"spec":{"replicas":4}}']);
      ok(p);
      const out = await w.waitFor(/^web\s+\d\/4\s+\S+\s*$/m);
      assert.match(out, /^NAME\s+READY\s+AGE$/m);
      assert.equal((out.match(/^NAME\s+READY/gm) ?? []).length, 1, `header printed once\n${out}`);
    } finally {
      await w.stop();
      // later tests expect the seed's replicas again
      ok(await c.kubectl(['patch', 'sts', 'web', '--type=merge', '-p', '{"spec":{"replicas":2}}']));
    }
  });

  test('apply: created, unchanged, configured (with the last-applied annotation)', async () => {
    const f = c.file('apply/sts.yaml', stsYaml('applied', 1, { claims: false }));
    let r = await c.kubectl(['apply', '-f', f]);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/applied created\n');
    let o = await getJson(['sts', 'applied']);
    const last = JSON.parse(o.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(last.spec.replicas, 1);
    r = await c.kubectl(['apply', '-f', f]);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/applied unchanged\n');
    const rvBefore = o.metadata.resourceVersion;
    c.file('apply/sts.yaml', stsYaml('applied', 3, { image: 'registry.k8s.io/nginx-slim:0.25', claims: false }));
    r = await c.kubectl(['apply', '-f', f]);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/applied configured\n');
    o = await getJson(['sts', 'applied']);
    assert.equal(o.spec.replicas, 3);
    assert.equal(o.spec.template.spec.containers[0].image, 'registry.k8s.io/nginx-slim:0.25');
    assert.equal(o.metadata.generation, 2);
    assert.notEqual(o.metadata.resourceVersion, rvBefore);
    assert.equal(JSON.parse(o.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).spec.replicas, 3);
    // defaults survive the three-way patch
    assert.equal(o.spec.podManagementPolicy, 'OrderedReady');
    // Re-applying the seed StatefulSet (with volumeClaimTemplates): kubectl resends the whole
    // template list (upstream prints "configured"), and the server must see that it changes nothing.
    const seed = await getJson(['sts', 'web']);
    r = await c.kubectl(['apply', '-f', c.file('apply/web.yaml', STS_YAML)]);
    ok(r);
    assert.match(r.stdout, /^statefulset\.apps\/web configured$/m);
    r = await c.kubectl(['apply', '-f', 'apply/web.yaml']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web configured\n');
    // (the resourceVersion can move with the controller's status writes; generation only moves with spec)
    const afterApply = await getJson(['sts', 'web']);
    assert.equal(afterApply.metadata.generation, seed.metadata.generation, 'no spec change');
    assert.deepEqual(afterApply.spec.volumeClaimTemplates, seed.spec.volumeClaimTemplates);
  });

  test('edit with a scripted EDITOR', async () => {
    // Changes spec.replicas only (not status.replicas), as a user would in the editor.
    const editor = c.file(
      'editor.sh',
      `#!/bin/sh\nawk '/^spec:/{s=1} /^status:/{s=0} { if (s && $0 ~ /^  replicas: /) print "  replicas: 5"; else print }' "$1" > "$1.new" && mv "$1.new" "$1"\n`,
      0o755,
    );
    const r = await c.kubectl(['edit', 'sts', 'web'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web edited\n');
    const o = await getJson(['sts', 'web']);
    assert.equal(o.spec.replicas, 5);
    // an editor that changes nothing
    const r2 = await c.kubectl(['edit', 'sts', 'web'], { env: { EDITOR: 'true', KUBE_EDITOR: 'true' } });
    ok(r2);
    assert.match(r2.stdout + r2.stderr, /Edit cancelled, no changes made\./);
  });

  test('patch: strategic, merge, json, and a no-op', async () => {
    let r = await c.kubectl(['patch', 'sts', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"registry.k8s.io/nginx-slim:0.26"}]}}}}']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web patched\n');
    let o = await getJson(['sts', 'web']);
    // strategic merge by name: the container keeps its ports and mounts
    assert.equal(o.spec.template.spec.containers.length, 1);
    assert.equal(o.spec.template.spec.containers[0].image, 'registry.k8s.io/nginx-slim:0.26');
    assert.equal(o.spec.template.spec.containers[0].volumeMounts[0].name, 'www');
    r = await c.kubectl(['patch', 'sts', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web patched\n');
    r = await c.kubectl(['patch', 'sts', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2}]']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web patched\n');
    o = await getJson(['sts', 'web']);
    assert.equal(o.spec.replicas, 2);
    assert.equal(o.metadata.labels.patched, 'merge');
    // A no-op patch keeps the object and its resourceVersion. On a ConfigMap: no controller writes to
    // it, so the resourceVersion can only move because of the patch.
    ok(await c.kubectl(['create', 'configmap', 'noop', '--from-literal=a=b']));
    const rv = (await getJson(['cm', 'noop'])).metadata.resourceVersion;
    for (const [type, p] of [['merge', '{"data":{"a":"b"}}'], ['strategic', '{"data":{"a":"b"}}'], ['json', '[{"op":"replace","path":"/data/a","value":"b"}]']]) {
      r = await c.kubectl(['patch', 'cm', 'noop', `--type=${type}`, '-p', p]);
      ok(r);
      assert.equal(r.stdout, 'configmap/noop patched (no change)\n', type);
    }
    assert.equal((await getJson(['cm', 'noop'])).metadata.resourceVersion, rv, 'a no-op patch must keep the resourceVersion');
  });

  test('scale, and the --current-replicas precondition', async () => {
    let r = await c.kubectl(['scale', 'sts', 'web', '--replicas=3']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web scaled\n');
    assert.equal((await getJson(['sts', 'web'])).spec.replicas, 3);
    r = await c.kubectl(['scale', 'sts', 'web', '--replicas=1', '--current-replicas=3']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web scaled\n');
    assert.equal((await getJson(['sts', 'web'])).spec.replicas, 1);
    r = await c.kubectl(['scale', 'sts', 'web', '--replicas=4', '--current-replicas=2']);
    failed(r);
    assert.match(r.stderr, /Expected replicas to be 2, was 1/);
    assert.equal((await getJson(['sts', 'web'])).spec.replicas, 1);
    ok(await c.kubectl(['scale', 'sts', 'web', '--replicas=2']));
  });

  test('label and annotate (and the --overwrite errors)', async () => {
    let r = await c.kubectl(['label', 'sts', 'web', 'tier=frontend']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web labeled\n');
    r = await c.kubectl(['label', 'sts', 'web', 'tier=backend']);
    failed(r);
    assert.equal(r.stderr.trim(), "error: 'tier' already has a value (frontend), and --overwrite is false");
    r = await c.kubectl(['label', 'sts', 'web', 'tier=backend', '--overwrite']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web labeled\n');
    r = await c.kubectl(['annotate', 'sts', 'web', 'note=first']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web annotated\n');
    r = await c.kubectl(['annotate', 'sts', 'web', 'note=second']);
    failed(r);
    assert.equal(r.stderr.trim(), "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (first)");
    r = await c.kubectl(['annotate', 'sts', 'web', 'note=second', '--overwrite']);
    ok(r);
    let o = await getJson(['sts', 'web']);
    assert.equal(o.metadata.labels.tier, 'backend');
    assert.equal(o.metadata.annotations.note, 'second');
    r = await c.kubectl(['label', 'sts', 'web', 'tier-']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web unlabeled\n');
    o = await getJson(['sts', 'web']);
    assert.equal(o.metadata.labels?.tier, undefined);
    // label selectors: only web carries patched=merge
    r = await c.kubectl(['get', 'sts', '-l', 'patched=merge', '-o', 'name']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web\n');
  });

  test('explain statefulset.spec', async () => {
    const r = await c.kubectl(['explain', 'statefulset.spec']);
    ok(r);
    assert.match(r.stdout, /^GROUP:\s+apps$/m);
    assert.match(r.stdout, /^KIND:\s+StatefulSet$/m);
    assert.match(r.stdout, /^VERSION:\s+v1$/m);
    assert.match(r.stdout, /^FIELD: spec <StatefulSetSpec>$/m);
    assert.match(r.stdout, /^  replicas\s+<integer>$/m);
    assert.match(r.stdout, /desired number of replicas/);
    assert.match(r.stdout, /^  serviceName\s+<string>$/m);
  });

  test('create namespace / configmap / secret (protobuf bodies) and get ns', async () => {
    let r = await c.kubectl(['create', 'namespace', 'x']);
    ok(r);
    assert.equal(r.stdout, 'namespace/x created\n');
    r = await c.kubectl(['create', 'configmap', 'cm1', '--from-literal=a=b', '-n', 'x']);
    ok(r);
    assert.equal(r.stdout, 'configmap/cm1 created\n');
    r = await c.kubectl(['create', 'secret', 'generic', 's1', '--from-literal=user=admin', '-n', 'x']);
    ok(r);
    assert.equal(r.stdout, 'secret/s1 created\n');
    const cm = await getJson(['configmap', 'cm1', '-n', 'x']);
    assert.deepEqual(cm.data, { a: 'b' });
    const s = await getJson(['secret', 's1', '-n', 'x']);
    assert.equal(s.type, 'Opaque');
    assert.equal(Buffer.from(s.data.user, 'base64').toString(), 'admin');
    r = await c.kubectl(['get', 'ns']);
    ok(r);
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows[0], ['NAME', 'STATUS', 'AGE']);
    const byName = new Map(rows.slice(1).map((row) => [row[0], row[1]]));
    assert.equal(byName.get('x'), 'Active', r.stdout);
    assert.equal(byName.get('default'), 'Active', r.stdout);
    r = await c.kubectl(['get', 'cm', '-n', 'x']);
    ok(r);
    assert.deepEqual(tableRows(r.stdout)[0], ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(tableRows(r.stdout).find((row) => row[0] === 'cm1')?.slice(0, 2), ['cm1', '1']);
  });

  test('validation error: replicas -1', async () => {
    const f = c.file('bad.yaml', stsYaml('bad', -1));
    const r = await c.kubectl(['create', '-f', f]);
    failed(r);
    assert.equal(r.stderr.trim(), 'The StatefulSet "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });

  test('updating an immutable field answers Forbidden', async () => {
    const r = await c.kubectl(['patch', 'sts', 'web', '--type=merge', '-p', '{"spec":{"serviceName":"other"}}']);
    failed(r);
    assert.match(
      r.stderr.trim(),
      /^The StatefulSet "web" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', .*'minReadySeconds' are forbidden$/,
    );
  });

  test('unknown field with --validate=strict', async () => {
    c.file('unknown.yaml', stsYaml('strict', 1).replace('  serviceName: "nginx"', '  serviceName: "nginx"\n  foo: bar'));
    // a relative path: kubectl quotes the name as given (the harness runs kubectl in the temp dir)
    const r = await c.kubectl(['create', '--validate=strict', '-f', 'unknown.yaml']);
    failed(r);
    assert.equal(
      r.stderr.trim(),
      'Error from server (BadRequest): error when creating "unknown.yaml": StatefulSet in version "v1" cannot be handled as a StatefulSet: strict decoding error: unknown field "spec.foo"',
    );
    const g = await c.kubectl(['get', 'sts', 'strict']);
    failed(g);
    assert.equal(g.stderr.trim(), 'Error from server (NotFound): statefulsets.apps "strict" not found');
  });

  test('unknown resource type', async () => {
    const r = await c.kubectl(['get', 'foo']);
    failed(r);
    assert.equal(r.stderr.trim(), 'error: the server doesn\'t have a resource type "foo"');
  });

  test('no token / wrong token: Unauthorized', async () => {
    // No credentials at all: kubectl itself would prompt for a username, so check the wire directly.
    for (const path of ['/api', '/apis', '/version', '/api/v1/namespaces/default/configmaps', '/openapi/v3']) {
      const r = await c.request('GET', path, undefined, { token: null });
      assert.equal(r.status, 401, `${path}: ${r.status} ${r.body}`);
      assert.deepEqual(
        { kind: r.json().kind, status: r.json().status, reason: r.json().reason, code: r.json().code, message: r.json().message },
        { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' },
      );
      const bad = await c.request('GET', path, undefined, { token: 'not-the-token' });
      assert.equal(bad.status, 401, `${path} with a wrong token: ${bad.status}`);
    }
    for (const kc of [c.kubeconfigWithToken('not-the-token')]) {
      const r = await c.kubectl(['get', 'pods'], { kubeconfig: kc });
      failed(r);
      // With a warm discovery cache kubectl reaches the LIST and prints the Status message; a cold
      // cache fails in discovery first, where client-go words the same 401 generically.
      assert.match(r.stderr, /^error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$/m, r.all);
    }
  });

  test('apply -f of the tutorial web.yaml (both documents in one file)', async () => {
    ok(await c.kubectl(['create', 'namespace', 'tour']));
    const f = c.file('web.yaml', `${SVC_YAML}---\n${STS_YAML}`);
    let r = await c.kubectl(['apply', '-n', 'tour', '-f', f]);
    ok(r);
    assert.equal(r.stdout, 'service/nginx created\nstatefulset.apps/web created\n');
    r = await c.kubectl(['apply', '-n', 'tour', '-f', f]);
    ok(r);
    assert.match(r.stdout, /^service\/nginx unchanged\n/);
    r = await c.kubectl(['get', 'service', 'nginx', '-n', 'tour']);
    ok(r);
    assert.deepEqual(tableRows(r.stdout)[1].slice(0, 5), ['nginx', 'ClusterIP', 'None', '<none>', '80/TCP']);
    r = await c.kubectl(['delete', '-n', 'tour', '-f', f]);
    ok(r);
    assert.equal(r.stdout, 'service "nginx" deleted\nstatefulset.apps "web" deleted\n');
  });

  test('describe sts and svc', async () => {
    let r = await c.kubectl(['describe', 'sts', 'web']);
    ok(r);
    for (const re of [
      /^Name:\s+web$/m,
      /^Namespace:\s+default$/m,
      /^Selector:\s+app=nginx$/m,
      /^Replicas:\s+2 desired \| \d+ total$/m,
      /^Update Strategy:\s+RollingUpdate$/m,
      /^  Partition:\s+0$/m,
      /^Pods Status:\s+\d+ Running \/ \d+ Waiting \/ \d+ Succeeded \/ \d+ Failed$/m,
      /^Volume Claims:$/m,
      /^  Capacity:\s+1Gi$/m,
      /^Events:/m,
    ]) {
      assert.match(r.stdout, re, r.all);
    }
    r = await c.kubectl(['describe', 'svc', 'nginx']);
    ok(r);
    for (const re of [/^Name:\s+nginx$/m, /^Selector:\s+app=nginx$/m, /^Type:\s+ClusterIP$/m, /^IP:\s+None$/m, /^Port:\s+web\s+80\/TCP$/m, /^TargetPort:\s+80\/TCP$/m]) {
      assert.match(r.stdout, re, r.all);
    }
  });

  test('server-side dry run writes nothing', async () => {
    let r = await c.kubectl(['create', '-f', c.file('dry.yaml', stsYaml('dry', 1)), '--dry-run=server']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/dry created (server dry run)\n');
    r = await c.kubectl(['get', 'sts', 'dry']);
    assert.notEqual(r.code, 0, r.all);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): statefulsets.apps "dry" not found');
    const before = await getJson(['sts', 'web']);
    r = await c.kubectl(['delete', 'sts', 'web', '--dry-run=server']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps "web" deleted (server dry run)\n');
    r = await c.kubectl(['scale', 'sts', 'web', '--replicas=9', '--dry-run=server']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps/web scaled (server dry run)\n');
    const after = await getJson(['sts', 'web']);
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.generation, before.metadata.generation);
    assert.equal(after.spec.replicas, before.spec.replicas);
  });

  test('replace with a stale resourceVersion answers Conflict', async () => {
    // On a ConfigMap: nothing but this test writes it, so the only conflict is the one we make.
    ok(await c.kubectl(['create', 'configmap', 'cfg', '--from-literal=k=v1']));
    const r0 = await c.kubectl(['get', 'cm', 'cfg', '-o', 'yaml']);
    ok(r0);
    c.file('cur.yaml', r0.stdout.replace('k: v1', 'k: v2'));
    ok(await c.kubectl(['annotate', 'cm', 'cfg', 'bump=1']));
    const r = await c.kubectl(['replace', '-f', 'cur.yaml']);
    failed(r);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Conflict): error when replacing "cur.yaml": Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal((await getJson(['cm', 'cfg'])).data.k, 'v1');
    // without a resourceVersion kubectl fills in the live one and the replace goes through
    c.file('cur.yaml', r0.stdout.replace('k: v1', 'k: v2').replace(/^  resourceVersion: .*\n/m, ''));
    const r2 = await c.kubectl(['replace', '-f', 'cur.yaml']);
    ok(r2);
    assert.equal(r2.stdout, 'configmap/cfg replaced\n');
    const o = await getJson(['cm', 'cfg']);
    assert.equal(o.data.k, 'v2');
    assert.equal(o.metadata.annotations?.bump, undefined);
  });

  test('generateName', async () => {
    const r = await c.kubectl(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: job-cm-\ndata:\n  a: b\n' });
    ok(r);
    assert.match(r.stdout, /^configmap\/job-cm-[a-z0-9]{5} created\n$/);
  });

  test('get pages through a long list (--chunk-size)', async () => {
    ok(await c.kubectl(['create', 'namespace', 'paging']));
    const n = 230;
    for (let i = 0; i < n; i += 23) {
      await Promise.all(
        Array.from({ length: 23 }, async (_, j) => {
          const res = await c.request('POST', '/api/v1/namespaces/paging/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `p-${String(i + j).padStart(3, '0')}` }, data: { i: String(i + j) } });
          assert.equal(res.status, 201, res.body);
        }),
      );
    }
    let r = await c.kubectl(['get', 'cm', '-n', 'paging', '--chunk-size=100']);
    ok(r);
    const rows = tableRows(r.stdout);
    assert.equal(rows.filter((row) => row[0] === 'NAME').length, 1, 'one header across pages');
    const names = rows.slice(1).map((row) => row[0]).filter((x) => x.startsWith('p-'));
    assert.equal(names.length, n);
    assert.equal(new Set(names).size, n);
    r = await c.kubectl(['get', 'cm', '-n', 'paging', '--chunk-size=50', '-o', 'name']);
    ok(r);
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('configmap/p-')).length, n);
  });

  test('delete, and delete --cascade=orphan', async () => {
    let r = await c.kubectl(['delete', 'sts', 'applied']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps "applied" deleted\n');
    r = await c.kubectl(['get', 'sts', 'applied']);
    failed(r);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): statefulsets.apps "applied" not found');
    ok(await c.kubectl(['create', '-f', c.file('orphan.yaml', stsYaml('orphan', 1))]));
    r = await c.kubectl(['delete', 'sts', 'orphan', '--cascade=orphan']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps "orphan" deleted\n');
    failed(await c.kubectl(['get', 'sts', 'orphan']));
  });

  test('restart keeps every object', async () => {
    const before = await getJson(['sts', 'web']);
    const svcBefore = await getJson(['svc', 'nginx']);
    const code = await c.stop();
    assert.equal(code, 0, `ordinal up should exit 0 on SIGTERM\n${c.logs()}`);
    await c.start();
    const after = await getJson(['sts', 'web']);
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.generation, before.metadata.generation);
    assert.ok(BigInt(after.metadata.resourceVersion) >= BigInt(before.metadata.resourceVersion));
    assert.deepEqual(after.spec, before.spec);
    assert.deepEqual(after.metadata.labels, before.metadata.labels);
    assert.equal((await getJson(['svc', 'nginx'])).metadata.uid, svcBefore.metadata.uid);
    assert.deepEqual((await getJson(['cm', 'cm1', '-n', 'x'])).data, { a: 'b' });
    const r = await c.kubectl(['get', 'sts']);
    ok(r);
    assert.match(r.stdout, /^web\s+\d\/2\s+\S+$/m);
    // writes still work after the restart, at a higher resourceVersion
    ok(await c.kubectl(['label', 'sts', 'web', 'after=restart']));
    const again = await getJson(['sts', 'web']);
    assert.ok(BigInt(again.metadata.resourceVersion) > BigInt(before.metadata.resourceVersion));
  });

  test('delete the seed objects', async () => {
    let r = await c.kubectl(['delete', 'sts', 'web']);
    ok(r);
    assert.equal(r.stdout, 'statefulset.apps "web" deleted\n');
    r = await c.kubectl(['delete', '-f', 'svc.yaml']);
    ok(r);
    assert.equal(r.stdout, 'service "nginx" deleted\n');
    r = await c.kubectl(['get', 'sts,svc']);
    ok(r);
    assert.doesNotMatch(r.stdout, /^(web|nginx)\s/m);
  });
});
