// Strategic merge patch with the real kinds' schemas (src/api/openapi patchSchemaFor implements the
// PatchSchemaNode contract): the bodies kubectl sends (kubectl-protocol.md §2.9–2.10) on live objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../../src/machinery/patch/index.js';
import { patchSchemaFor } from '../../../src/api/openapi/index.js';

const sts = patchSchemaFor('io.k8s.api.apps.v1.StatefulSet');
const deploy = patchSchemaFor('io.k8s.api.apps.v1.Deployment');
const pod = patchSchemaFor('io.k8s.api.core.v1.Pod');
const svc = patchSchemaFor('io.k8s.api.core.v1.Service');

const live = () => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', finalizers: ['example.com/a', 'example.com/b'], labels: { app: 'nginx', tier: 'web' } },
  spec: {
    replicas: 2,
    serviceName: 'nginx',
    selector: { matchLabels: { app: 'nginx' } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.27',
            args: ['-g', 'daemon off;'],
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            ports: [{ containerPort: 80, name: 'web', protocol: 'TCP' }],
            volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }],
          },
          { name: 'sidecar', image: 'busybox' },
        ],
        volumes: [{ name: 'v1', emptyDir: {} }],
        tolerations: [{ key: 'a', operator: 'Exists' }],
      },
    },
  },
});

test('schemas exist for the kinds', () => {
  for (const s of [sts, deploy, pod, svc]) assert.ok(s);
});

test('kubectl patch: one container image; other containers and fields kept', () => {
  const out = applyStrategicMergePatch(live(), { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } } }, sts) as any;
  const [c0, c1] = out.spec.template.spec.containers;
  assert.equal(c0.image, 'nginx:1.28');
  assert.deepEqual(c0.ports, [{ containerPort: 80, name: 'web', protocol: 'TCP' }]);
  assert.deepEqual(c1, { name: 'sidecar', image: 'busybox' });
});

test('kubectl set env / apply: env merged by name with order; ports by containerPort; mounts by mountPath', () => {
  const out = applyStrategicMergePatch(
    live(),
    {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'B' }, { name: 'C' }],
                '$setElementOrder/ports': [{ containerPort: 8080 }],
                '$setElementOrder/volumeMounts': [{ mountPath: '/data' }],
                env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'A' }],
                name: 'nginx',
                ports: [{ containerPort: 8080, name: 'alt' }, { $patch: 'delete', containerPort: 80 }],
                volumeMounts: [{ name: 'data', mountPath: '/data' }, { $patch: 'delete', mountPath: '/usr/share/nginx/html' }],
              },
            ],
          },
        },
      },
    },
    sts,
  ) as any;
  const c = out.spec.template.spec.containers[0];
  assert.deepEqual(c.env, [{ name: 'B', value: '2' }, { name: 'C', value: '3' }]);
  assert.deepEqual(c.ports, [{ containerPort: 8080, name: 'alt' }]);
  assert.deepEqual(c.volumeMounts, [{ name: 'data', mountPath: '/data' }]);
  assert.deepEqual(c.args, ['-g', 'daemon off;']);
});

test('args and tolerations (atomic lists) are replaced', () => {
  const out = applyStrategicMergePatch(
    live(),
    { spec: { template: { spec: { containers: [{ name: 'nginx', args: ['x'] }], tolerations: [{ key: 'b', operator: 'Exists' }] } } } },
    sts,
  ) as any;
  assert.deepEqual(out.spec.template.spec.containers[0].args, ['x']);
  assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
});

test('volumes: merge by name with $retainKeys (emptyDir → configMap)', () => {
  const out = applyStrategicMergePatch(
    live(),
    { spec: { template: { spec: { '$setElementOrder/volumes': [{ name: 'v1' }], volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'foo' }, emptyDir: null, name: 'v1' }] } } } },
    sts,
  ) as any;
  assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'v1', configMap: { name: 'foo' } }]);
});

test('finalizers: $deleteFromPrimitiveList and union', () => {
  let out = applyStrategicMergePatch(live(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } }, sts) as any;
  assert.deepEqual(out.metadata.finalizers, ['example.com/b']);
  out = applyStrategicMergePatch(live(), { metadata: { finalizers: ['example.com/c'] } }, sts) as any;
  assert.deepEqual(out.metadata.finalizers.slice().sort(), ['example.com/a', 'example.com/b', 'example.com/c']);
});

test('rollout undo: $patch replace on the template', () => {
  const out = applyStrategicMergePatch(
    live(),
    { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.20' }] } } } },
    sts,
  ) as any;
  assert.deepEqual(out.spec.template, { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.20' }] } });
});

test('Deployment strategy switched to Recreate ($retainKeys)', () => {
  const d = { metadata: { name: 'd' }, spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } };
  const out = applyStrategicMergePatch(d, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } }, deploy) as any;
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
});

test('Pod status conditions merge by type; Service ports by port', () => {
  const p = { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } };
  const out = applyStrategicMergePatch(p, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, pod) as any;
  assert.deepEqual(out.status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
  const s = { metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81 }] } };
  const out2 = applyStrategicMergePatch(s, { spec: { '$setElementOrder/ports': [{ port: 81 }], ports: [{ $patch: 'delete', port: 80 }] } }, svc) as any;
  assert.deepEqual(out2.spec.ports, [{ port: 81 }]);
});
