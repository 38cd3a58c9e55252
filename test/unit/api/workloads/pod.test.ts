import { test } from 'node:test';
import assert from 'node:assert/strict';
import { definition as podKind, podStatusCells } from '../../../../src/api/kinds/pod.js';
import type { Pod } from '../../../../src/api/types/workloads.js';
import { create, message, texts, update, NOW } from './helpers.js';

const basic = (): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-0' },
  spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
});

test('pod defaults, admission defaults and initial status', () => {
  const { obj, errs } = create(podKind, basic());
  assert.deepEqual(errs, []);
  const s = obj.spec as any;
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.deepEqual(s.securityContext, {});
  assert.equal(s.enableServiceLinks, true);
  assert.equal(s.serviceAccountName, 'default');
  assert.equal(s.serviceAccount, 'default');
  assert.equal(s.priority, 0);
  assert.equal(s.preemptionPolicy, 'PreemptLowerPriority');
  assert.deepEqual(s.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const c = s.containers[0];
  assert.equal(c.imagePullPolicy, 'Always'); // untagged
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'BestEffort' });
  assert.equal(obj.metadata.generation, undefined); // pods do not track generation at 1.32
});

test('image pull policy, probes, volumes defaults', () => {
  const input = basic();
  input.spec!.containers.push(
    { name: 'a', image: 'nginx:latest' },
    { name: 'b', image: 'registry:5000/nginx:1.2', readinessProbe: { httpGet: { port: 80 } } },
    { name: 'c', image: 'nginx@sha256:abc', livenessProbe: { tcpSocket: { port: 80 } } },
  );
  input.spec!.volumes = [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'x' } }, { name: 'sec', secret: { secretName: 'y' } }];
  const { obj, errs } = create(podKind, input);
  assert.deepEqual(errs, []);
  const cs = obj.spec!.containers as any[];
  assert.deepEqual(cs.map((c) => c.imagePullPolicy), ['Always', 'Always', 'IfNotPresent', 'IfNotPresent']);
  assert.deepEqual(cs[2].readinessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(cs[3].livenessProbe.failureThreshold, 3);
  assert.deepEqual(obj.spec!.volumes, [
    { name: 'scratch', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'x', defaultMode: 420 } },
    { name: 'sec', secret: { secretName: 'y', defaultMode: 420 } },
  ]);
});

test('existing tolerations are respected; service account kept', () => {
  const input = basic();
  input.spec!.serviceAccountName = 'robot';
  input.spec!.tolerations = [{ operator: 'Exists' }];
  const { obj } = create(podKind, input);
  assert.deepEqual(obj.spec!.tolerations, [{ operator: 'Exists' }]);
  assert.equal(obj.spec!.serviceAccount, 'robot');
});

test('QoS classes', () => {
  const withRes = (resources: any) => {
    const p = basic();
    p.spec!.containers[0]!.resources = resources;
    return create(podKind, p).obj.status!.qosClass;
  };
  assert.equal(withRes(undefined), 'BestEffort');
  assert.equal(withRes({ requests: { cpu: '100m' } }), 'Burstable');
  // limits only: requests default to limits → Guaranteed
  assert.equal(withRes({ limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed');
  assert.equal(withRes({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }), 'Burstable');
  assert.equal(withRes({ requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed');
});

test('validation messages', () => {
  let p = basic();
  p.spec!.containers = [];
  assert.equal(message(podKind, 'web-0', create(podKind, p).errs), 'Pod "web-0" is invalid: spec.containers: Required value');

  p = basic();
  p.spec!.containers = [{ name: 'Web', image: '' }, { name: 'x', image: 'i' }, { name: 'x', image: 'i' }];
  assert.deepEqual(texts(create(podKind, p).errs), [
    "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    'spec.containers[0].image: Required value',
    'spec.containers[2].name: Duplicate value: "x"',
  ]);

  p = basic();
  p.spec!.restartPolicy = 'Sometimes' as any;
  assert.deepEqual(texts(create(podKind, p).errs), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']);

  p = basic();
  p.spec!.containers[0]!.ports = [{ containerPort: 70000, protocol: 'XTP' as any, name: 'http' }, { containerPort: 81, name: 'http' }];
  assert.deepEqual(texts(create(podKind, p).errs), [
    'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[0].ports[0].protocol: Unsupported value: "XTP": supported values: "SCTP", "TCP", "UDP"',
    'spec.containers[0].ports[1].name: Duplicate value: "http"',
  ]);

  p = basic();
  p.spec!.containers[0]!.env = [{ name: 'A=B', value: 'x' }, { name: '' }];
  assert.deepEqual(texts(create(podKind, p).errs), [
    "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
    'spec.containers[0].env[1].name: Required value',
  ]);

  p = basic();
  p.spec!.volumes = [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }];
  p.spec!.containers[0]!.volumeMounts = [{ name: 'logs', mountPath: '/logs' }];
  assert.deepEqual(texts(create(podKind, p).errs), [
    'spec.volumes[1].name: Duplicate value: "data"',
    'spec.containers[0].volumeMounts[0].name: Not found: "logs"',
  ]);

  p = basic();
  p.spec!.containers[0]!.resources = { requests: { cpu: '2' }, limits: { cpu: '1' } };
  assert.deepEqual(texts(create(podKind, p).errs), ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1']);
});

test('pod update: only image and the listed fields may change', () => {
  const { obj: created } = create(podKind, basic());
  let r = update(podKind, created, (o) => { o.spec!.containers[0]!.image = 'nginx:1.27'; o.metadata.labels = { a: 'b' }; });
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.spec!.containers[0]!.imagePullPolicy, 'Always'); // defaults do not re-run on set fields
  r = update(podKind, created, (o) => { o.spec!.containers[0]!.ports![0]!.containerPort = 8080; });
  assert.equal(r.errs.length, 1);
  assert.equal(r.errs[0]!.field, 'spec');
  assert.ok(texts(r.errs)[0]!.startsWith(
    'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
  ));
  r = update(podKind, created, (o) => { o.spec!.containers.push({ name: 'b', image: 'b' }); });
  assert.deepEqual(texts(r.errs), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
  r = update(podKind, created, (o) => { o.spec!.tolerations = [...o.spec!.tolerations!, { key: 'k', operator: 'Exists' }]; o.spec!.activeDeadlineSeconds = 100; });
  assert.deepEqual(r.errs, []);
  r = update(podKind, created, (o) => { o.spec!.tolerations = []; });
  assert.deepEqual(texts(r.errs), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  // status from a main-resource update is ignored
  r = update(podKind, created, (o) => { (o as any).status = { phase: 'Running' }; });
  assert.equal(r.obj.status!.phase, 'Pending');
  // status update keeps spec
  r = update(podKind, created, (o) => { (o as any).status = { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }] }; o.spec!.nodeName = 'n1'; }, 'status');
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.status!.phase, 'Running');
  assert.equal(r.obj.spec!.nodeName, undefined);
});

test('graceful deletion period', () => {
  const { obj } = create(podKind, basic());
  assert.equal(podKind.gracefulDeletion!(obj, undefined), 0); // unscheduled
  obj.spec!.nodeName = 'node-1';
  assert.equal(podKind.gracefulDeletion!(obj, undefined), 30);
  assert.equal(podKind.gracefulDeletion!(obj, 5), 5);
  assert.equal(podKind.gracefulDeletion!(obj, -3), 1);
  (obj as any).status = { phase: 'Succeeded' };
  assert.equal(podKind.gracefulDeletion!(obj, 10), 0);
});

test('field selectors', () => {
  const { obj } = create(podKind, basic());
  obj.spec!.nodeName = 'node-1';
  (obj as any).status = { phase: 'Running', podIPs: [{ ip: '10.0.0.7' }], nominatedNodeName: '' };
  const f = podKind.fieldSelectors!;
  assert.deepEqual(
    Object.fromEntries(Object.entries(f).map(([k, fn]) => [k, fn(obj)])),
    {
      'spec.nodeName': 'node-1', 'spec.restartPolicy': 'Always', 'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default', 'spec.hostNetwork': 'false', 'status.phase': 'Running',
      'status.podIP': '10.0.0.7', 'status.nominatedNodeName': '',
    },
  );
});

// ---- printPod ---------------------------------------------------------------------------------------

const at = (secondsAgo: number) => new Date(NOW.getTime() - secondsAgo * 1000).toISOString();

function pod(status: any, spec: any = {}, meta: any = {}): Pod {
  return {
    metadata: { name: 'p', creationTimestamp: at(30), ...meta },
    spec: { containers: [{ name: 'a', image: 'a' }], ...spec },
    status,
  } as Pod;
}

const running = (ready = true, restartCount = 0, extra: any = {}) => ({ name: 'a', ready, restartCount, image: 'a', imageID: '', state: { running: { startedAt: at(20) } }, ...extra });

test('printPod: status strings for each state', () => {
  const cells = (p: Pod) => { const c = podStatusCells(p, NOW); return [c.ready, c.reason, c.restarts]; };
  assert.deepEqual(cells(pod({ phase: 'Pending' })), ['0/1', 'Pending', '0']);
  assert.deepEqual(cells(pod({ phase: 'Pending', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] })), ['0/1', 'ContainerCreating', '0']);
  assert.deepEqual(cells(pod({ phase: 'Running', containerStatuses: [running()] })), ['1/1', 'Running', '0']);
  assert.deepEqual(cells(pod({ phase: 'Succeeded', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] })), ['0/1', 'Completed', '0']);
  assert.deepEqual(cells(pod({ phase: 'Failed', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } }] })), ['0/1', 'ExitCode:137', '0']);
  assert.deepEqual(cells(pod({ phase: 'Failed', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, signal: 9 } } }] })), ['0/1', 'Signal:9', '0']);
  assert.deepEqual(
    cells(pod({ phase: 'Running', containerStatuses: [{ name: 'a', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: at(300) } } }] })),
    ['0/1', 'CrashLoopBackOff', '5 (5m ago)'],
  );
  // init containers
  const initSpec = { initContainers: [{ name: 'init', image: 'i' }] };
  assert.deepEqual(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { running: {} } }] }, initSpec)), ['0/1', 'Init:0/1', '0']);
  assert.deepEqual(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] }, initSpec)), ['0/1', 'Init:0/1', '0']);
  assert.deepEqual(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, initSpec)), ['0/1', 'Init:CrashLoopBackOff', '2']);
  assert.deepEqual(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] }, initSpec)), ['0/1', 'Init:ExitCode:3', '0']);
  assert.deepEqual(cells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, initSpec)), ['0/1', 'Init:Error', '0']);
  // sidecar (restartable init container) counts toward READY
  assert.deepEqual(
    cells(pod({ phase: 'Running', initContainerStatuses: [{ name: 'side', ready: true, started: true, restartCount: 1, state: { running: {} } }], containerStatuses: [running()] },
      { initContainers: [{ name: 'side', image: 's', restartPolicy: 'Always' }] })),
    ['2/2', 'Running', '1'],
  );
  // Completed with another container still running
  assert.deepEqual(
    cells(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [running(), { name: 'b', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
      { containers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }] })),
    ['1/2', 'NotReady', '0'],
  );
  // terminating, and NodeLost → Unknown, and terminal phase stays
  assert.deepEqual(cells(pod({ phase: 'Running', containerStatuses: [running()] }, {}, { deletionTimestamp: at(1) })), ['1/1', 'Terminating', '0']);
  assert.deepEqual(cells(pod({ phase: 'Running', reason: 'NodeLost', containerStatuses: [running()] }, {}, { deletionTimestamp: at(1) })), ['1/1', 'Unknown', '0']);
  assert.deepEqual(cells(pod({ phase: 'Succeeded' }, {}, { deletionTimestamp: at(1) })), ['0/1', 'Succeeded', '0']);
  assert.deepEqual(cells(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] })), ['0/1', 'SchedulingGated', '0']);
  assert.deepEqual(cells(pod({ phase: 'Failed', reason: 'Evicted' })), ['0/1', 'Evicted', '0']);
});

test('pod table row with wide columns', () => {
  const p = pod({ phase: 'Running', podIPs: [{ ip: '10.1.0.7' }], containerStatuses: [running()], conditions: [{ type: 'www.example.com/gate', status: 'True' }] },
    { nodeName: 'node-1', readinessGates: [{ conditionType: 'www.example.com/gate' }, { conditionType: 'other' }] });
  assert.deepEqual(podKind.tableRow(p, NOW), ['p', '1/1', 'Running', '0', '30s', '10.1.0.7', 'node-1', '<none>', '1/2']);
  assert.deepEqual(podKind.tableRow(pod({ phase: 'Pending' }), NOW).slice(5), ['<none>', '<none>', '<none>', '<none>']);
  assert.deepEqual(podKind.tableColumns.map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  assert.equal(podKind.tableColumns.length, podKind.tableRow(p, NOW).length);
});

test('pod /status keeps owner references and the QoS class', () => {
  const input = basic();
  (input.metadata as any).ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true }];
  const { obj } = create(podKind, input);
  let r = update(podKind, obj, (o) => { (o.metadata as any).ownerReferences = []; (o as any).status = { phase: 'Running' }; }, 'status');
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.metadata.ownerReferences![0]!.uid, 'u1');
  assert.equal(r.obj.status!.qosClass, 'BestEffort');
  r = update(podKind, obj, (o) => { (o as any).status = { phase: 'Running', qosClass: 'Guaranteed' }; }, 'status');
  assert.deepEqual(texts(r.errs), ['status.qosClass: Invalid value: "Guaranteed": field is immutable']);
});

test('hostNetwork ports, dnsPolicy None, scheduling gates, ephemeral containers', () => {
  let p = basic();
  p.spec!.hostNetwork = true;
  let r = create(podKind, p);
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.spec!.containers[0]!.ports![0]!.hostPort, 80); // defaulted to the container port
  p = basic();
  p.spec!.hostNetwork = true;
  p.spec!.containers[0]!.ports![0]!.hostPort = 8080;
  assert.deepEqual(texts(create(podKind, p).errs), ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true']);
  p = basic();
  p.spec!.dnsPolicy = 'None';
  assert.deepEqual(texts(create(podKind, p).errs), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']);
  p = basic();
  p.spec!.schedulingGates = [{ name: 'example.com/wait' }];
  r = create(podKind, p);
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.status!.conditions![0]!.reason, 'SchedulingGated');
  p = basic();
  (p.spec as any).ephemeralContainers = [{ name: 'dbg', image: 'busybox' }];
  assert.deepEqual(texts(create(podKind, p).errs), ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
});
