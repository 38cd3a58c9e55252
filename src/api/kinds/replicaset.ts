// ReplicaSet (apps/v1, +status, +scale). Upstream: apps/v1 SetDefaults_ReplicaSet,
// ValidateReplicaSet{,Update,StatusUpdate} (its empty-selector message says "deployment", as
// upstream), pkg/registry/apps/replicaset strategy (selector immutable in apps/v1), printReplicaSet.
import type { KindDefinition } from '../kind.js';
import type { ReplicaSet } from '../types/workloads.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { nameIsDNSSubdomain } from '../../machinery/validation.js';
import { standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { defaultedPrepare } from '../validation/apps.js';
import { defaultPodTemplateSpec } from '../defaults/podspec.js';
import { normalizeNulls } from '../defaults/podspec.js';
import {
  containersColumn, imagesColumn, templateContainersImages, validateNonnegative, validateReplicaCounters, validateWorkloadSelector,
} from '../validation/apps.js';
import { formatLabelSelector } from '../validation/selector.js';
import { validateSelectorImmutable, validateTemplateForReplicaSet } from './deployment.js';

function defaults(rs: ReplicaSet): void {
  normalizeNulls(rs);
  const spec = ((rs as any).spec ??= {}) as any;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  spec.template ??= {};
  defaultPodTemplateSpec(spec.template);
}

export function validateSpec(rs: ReplicaSet): FieldError[] {
  const spec = (rs.spec ?? {}) as any;
  const out: FieldError[] = [];
  out.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  out.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const sel = validateWorkloadSelector(spec.selector, 'spec.selector', 'deployment', 'invalid label selector');
  out.push(...sel.errs);
  if (sel.reqs !== undefined) out.push(...validateTemplateForReplicaSet(sel.reqs, spec.template, 'spec.template', 'ReplicaSet'));
  return out;
}

function validateStatus(rs: ReplicaSet): FieldError[] {
  const s = (rs.status ?? {}) as any;
  const out = validateReplicaCounters(s, ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
    ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']);
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    out.push(field.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return out;
}

export const definition: KindDefinition<ReplicaSet> = {
  group: 'apps', version: 'v1', kind: 'ReplicaSet', listKind: 'ReplicaSetList',
  plural: 'replicasets', singular: 'replicaset', shortNames: ['rs'], categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  openapiName: 'io.k8s.api.apps.v1.ReplicaSet',
  defaults,
  // The zero ReplicaSetStatus as apps/v1 serializes it (replicas has no omitempty).
  prepare: defaultedPrepare<ReplicaSet>(defaults, standardPrepare<ReplicaSet>({ status: true, generation: true, initialStatus: () => ({ replicas: 0 }) })),
  validate(rs, old, ctx) {
    const metaErrs = validateMeta(rs, old, { namespaced: true, nameValidator: nameIsDNSSubdomain });
    if (!old || ctx.operation === 'create') return [...metaErrs, ...validateSpec(rs)];
    if (ctx.operation === 'status') return [...metaErrs, ...validateStatus(rs)];
    return [...metaErrs, ...validateSpec(rs), ...validateSelectorImmutable(rs.spec?.selector, old.spec?.selector)];
  },
  tableColumns: [
    nameColumn,
    { name: 'Desired', type: 'integer', priority: 0, description: 'Number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller' },
    { name: 'Current', type: 'integer', priority: 0, description: 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller' },
    { name: 'Ready', type: 'integer', priority: 0, description: 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.' },
    ageColumn,
    containersColumn,
    imagesColumn,
    { name: 'Selector', type: 'string', priority: 1, description: 'Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template\'s labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors' },
  ],
  tableRow(rs, now) {
    const [containers, images] = templateContainersImages(rs.spec?.template);
    return [
      rs.metadata.name, rs.spec?.replicas ?? 0, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0,
      age(rs, now), containers, images, formatLabelSelector(rs.spec?.selector),
    ];
  },
  fieldSelectors: { 'status.replicas': (rs) => String(rs.status?.replicas ?? 0) },
};
