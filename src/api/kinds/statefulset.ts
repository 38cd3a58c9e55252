// StatefulSet (apps/v1, +status, +scale). Upstream: pkg/apis/apps/v1/defaults.go
// SetDefaults_StatefulSet, pkg/apis/apps/validation ValidateStatefulSet{,Update,StatusUpdate},
// pkg/registry/apps/statefulset/strategy.go, printers.go printStatefulSet.
// Note: upstream deliberately does not validate the template's pod spec here (volume mounts may
// point at claim templates); invalid pod specs surface later as FailedCreate events.
import type { KindDefinition } from '../kind.js';
import type { StatefulSet } from '../types/workloads.js';
import { field, type FieldError } from '../../machinery/errors.js';
import { nameIsDNSLabel, validateAnnotations, validateLabels } from '../../machinery/validation.js';
import { semanticEqual, standardPrepare, validateMeta } from '../strategy.js';
import { age, ageColumn, nameColumn } from '../printers.js';
import { defaultedPrepare } from '../validation/apps.js';
import { defaultClaim, defaultPodTemplateSpec } from '../defaults/podspec.js';
import { normalizeNulls } from '../defaults/podspec.js';
import {
  containersColumn, imagesColumn, templateContainersImages, validateCollisionCount, validateNonnegative,
  validateReplicaCounters, validateTemplateMatchesSelector, validateWorkloadSelector,
} from '../validation/apps.js';
import { goValue } from '../validation/selector.js';

function defaults(sts: StatefulSet): void {
  normalizeNulls(sts);
  const spec = ((sts as any).spec ??= {}) as any;
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const us = (spec.updateStrategy ??= {});
  if (!us.type) {
    us.type = 'RollingUpdate';
    // Only an empty type gets a rollingUpdate block; `type: RollingUpdate` alone keeps it nil.
    us.rollingUpdate ??= {};
  }
  if (us.type === 'RollingUpdate' && us.rollingUpdate && (us.rollingUpdate.partition === undefined || us.rollingUpdate.partition === null)) {
    us.rollingUpdate.partition = 0;
  }
  const pol = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  if (!pol.whenDeleted) pol.whenDeleted = 'Retain';
  if (!pol.whenScaled) pol.whenScaled = 'Retain';
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  spec.template ??= {};
  defaultPodTemplateSpec(spec.template);
  for (const claim of spec.volumeClaimTemplates ?? []) {
    // Served as full PersistentVolumeClaim objects, as upstream shows them.
    claim.apiVersion ??= 'v1';
    claim.kind ??= 'PersistentVolumeClaim';
    claim.metadata ??= {};
    defaultClaim(claim);
  }
}

function goRollingUpdate(ru: any): string {
  if (!ru) return '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
  const mu = ru.maxUnavailable === undefined ? '(*intstr.IntOrString)(nil)' : `(*intstr.IntOrString)(${JSON.stringify(ru.maxUnavailable)})`;
  return `apps.RollingUpdateStatefulSetStrategy{Partition:${ru.partition ?? 0}, MaxUnavailable:${mu}}`;
}

/** upstream ValidateStatefulSetSpec, in upstream order. */
export function validateSpec(sts: StatefulSet): FieldError[] {
  const spec = (sts.spec ?? {}) as any;
  const out: FieldError[] = [];
  switch (spec.podManagementPolicy ?? '') {
    case '': out.push(field.required('spec.podManagementPolicy', '')); break;
    case 'OrderedReady': case 'Parallel': break;
    default: out.push(field.invalid('spec.podManagementPolicy', spec.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = spec.updateStrategy ?? {};
  switch (us.type ?? '') {
    case '': out.push(field.required('spec.updateStrategy', '')); break;
    case 'OnDelete':
      if (us.rollingUpdate) {
        out.push(field.invalid('spec.updateStrategy.rollingUpdate', goValue(goRollingUpdate(us.rollingUpdate)), "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case 'RollingUpdate':
      if (us.rollingUpdate) out.push(...validateNonnegative(us.rollingUpdate.partition, 'spec.updateStrategy.rollingUpdate.partition'));
      break;
    default:
      out.push(field.invalid('spec.updateStrategy', goValue(`apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(us.type)}, RollingUpdate:${us.rollingUpdate ? '&' + goRollingUpdate(us.rollingUpdate) : goRollingUpdate(undefined)}}`), "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const pol = spec.persistentVolumeClaimRetentionPolicy;
  if (pol) {
    for (const k of ['whenDeleted', 'whenScaled']) {
      if (pol[k] !== 'Retain' && pol[k] !== 'Delete') out.push(field.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, pol[k] ?? '', ['Retain', 'Delete']));
    }
  }
  out.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  out.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (spec.ordinals) out.push(...validateNonnegative(spec.ordinals.start ?? 0, 'spec.ordinals.start'));
  const sel = validateWorkloadSelector(spec.selector, 'spec.selector', 'statefulset', '');
  out.push(...sel.errs);
  if (sel.reqs !== undefined) {
    out.push(...validateTemplateMatchesSelector(sel.reqs, spec.template, 'spec.template'));
    out.push(...validateLabels(spec.template?.metadata?.labels, 'spec.template.labels'));
    out.push(...validateAnnotations(spec.template?.metadata?.annotations, 'spec.template.annotations'));
  }
  const rp = spec.template?.spec?.restartPolicy ?? '';
  if (rp !== 'Always') out.push(field.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (spec.template?.spec?.activeDeadlineSeconds !== undefined && spec.template?.spec?.activeDeadlineSeconds !== null) {
    out.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return out;
}

const mutableSpecFields = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];

export const immutableSpecMessage =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

function validateUpdate(sts: StatefulSet, old: StatefulSet): FieldError[] {
  const a = { ...((sts.spec ?? {}) as Record<string, unknown>) };
  const b = { ...((old.spec ?? {}) as Record<string, unknown>) };
  for (const k of mutableSpecFields) {
    delete a[k];
    delete b[k];
  }
  return semanticEqual(a, b) ? [] : [field.forbidden('spec', immutableSpecMessage)];
}

function validateStatus(sts: StatefulSet, old: StatefulSet): FieldError[] {
  const s = (sts.status ?? {}) as any;
  const out = validateReplicaCounters(s, ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'],
    ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']);
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    out.push(field.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than status.readyReplicas'));
  }
  out.push(...validateCollisionCount(s.collisionCount, (old.status as any)?.collisionCount));
  return out;
}

/** MaxUnavailableStatefulSet is alpha (off) at 1.32: the field is dropped unless already in use. */
function dropDisabledFields(sts: StatefulSet, old: StatefulSet | undefined): void {
  const ru = (sts.spec as any)?.updateStrategy?.rollingUpdate;
  const oldUsed = (old?.spec as any)?.updateStrategy?.rollingUpdate?.maxUnavailable !== undefined;
  if (ru && ru.maxUnavailable !== undefined && !oldUsed) delete ru.maxUnavailable;
}

export const definition: KindDefinition<StatefulSet> = {
  group: 'apps', version: 'v1', kind: 'StatefulSet', listKind: 'StatefulSetList',
  plural: 'statefulsets', singular: 'statefulset', shortNames: ['sts'], categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  openapiName: 'io.k8s.api.apps.v1.StatefulSet',
  defaults,
  prepare: defaultedPrepare<StatefulSet>(defaults, standardPrepare<StatefulSet>({
    status: true,
    generation: true,
    // The zero StatefulSetStatus as apps/v1 serializes it (replicas and availableReplicas have no omitempty).
    initialStatus: () => ({ replicas: 0, availableReplicas: 0 }),
    extra: (sts, old, ctx) => {
      if (ctx.operation !== 'status') dropDisabledFields(sts, old);
    },
  })),
  validate(sts, old, ctx) {
    const meta = validateMeta(sts, old, { namespaced: true, nameValidator: nameIsDNSLabel });
    if (!old || ctx.operation === 'create') return [...meta, ...validateSpec(sts)];
    if (ctx.operation === 'status') return [...validateStatus(sts, old), ...meta];
    return [...meta, ...validateSpec(sts), ...validateUpdate(sts, old)];
  },
  tableColumns: [
    nameColumn,
    { name: 'Ready', type: 'string', priority: 0, description: 'Number of the pod with ready state' },
    ageColumn,
    containersColumn,
    imagesColumn,
  ],
  tableRow(sts, now) {
    const [containers, images] = templateContainersImages(sts.spec?.template);
    return [sts.metadata.name, `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`, age(sts, now), containers, images];
  },
};
